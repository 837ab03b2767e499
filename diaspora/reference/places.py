"""Countries (ISO 3166-1, from pycountry) and time zones (IANA, from zoneinfo + tzdata)."""

from functools import cache
from zoneinfo import available_timezones

import pycountry


@cache
def countries() -> list[tuple[str, str]]:
    """(alpha-2 code, everyday name) for every ISO 3166-1 country, sorted by name."""
    pairs = [(c.alpha_2, getattr(c, "common_name", None) or c.name) for c in pycountry.countries]
    return sorted(pairs, key=lambda pair: pair[1])


@cache
def country_names() -> dict[str, str]:
    return dict(countries())


def country_name(code: str | None) -> str:
    return country_names().get(code or "", code or "")


@cache
def time_zones() -> list[str]:
    return sorted(z for z in available_timezones() if "/" in z and not z.startswith("Etc/"))
