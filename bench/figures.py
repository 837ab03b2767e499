"""A benchmark figure and the line it prints as."""

from dataclasses import dataclass


@dataclass(frozen=True)
class Figure:
    name: str
    value: float
    unit: str
    # False when the name already says which database it was measured on
    # (`registry.search_p95_ms.sqlite.100k`): then no suffix is added to it.
    suffixed: bool = True

    def line(self, suffix: str = "") -> str:
        """`BENCH <name><suffix> <value> <unit>`, the suffix naming a non-default database."""
        return f"BENCH {self.name}{suffix if self.suffixed else ''} {self.value:.6g} {self.unit}"
