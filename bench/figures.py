"""A benchmark figure and the line it prints as."""

from dataclasses import dataclass


@dataclass(frozen=True)
class Figure:
    name: str
    value: float
    unit: str

    def line(self, suffix: str = "") -> str:
        """`BENCH <name><suffix> <value> <unit>`, the suffix naming a non-default database."""
        return f"BENCH {self.name}{suffix} {self.value:.6g} {self.unit}"
