"""Countries (ISO 3166-1, from pycountry) and time zones (IANA, from zoneinfo + tzdata), named in
English or, from CLDR through Babel, in another language."""

import unicodedata
from functools import cache
from importlib import resources
from zoneinfo import available_timezones

import pycountry
from babel import Locale
from babel.dates import get_timezone_location

UTC = "UTC"
# Where a person or organisation is until they say otherwise: most accounts are NHS staff.
DEFAULT_TIME_ZONE = "Europe/London"
# Zone names that do not read as the place once their underscores are spaces.
CITY_SPELLINGS = {"DumontDUrville": "Dumont d'Urville", "St_Johns": "St John's"}
# Between a city and its country: Arabic writes its own comma.
COMMAS = {"ar": "، "}


def collation_key(name: str) -> str:
    """Sorts names the way readers expect in any script: accents do not move "Égypte" after
    "Zambie"."""
    decomposed = unicodedata.normalize("NFKD", name.casefold())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


@cache
def countries(language: str = "en") -> list[tuple[str, str]]:
    """(alpha-2 code, everyday name) for every ISO 3166-1 country, sorted by name; in English
    from ISO 3166, in another language from CLDR (falling back to English where it has none)."""
    pairs = [(c.alpha_2, getattr(c, "common_name", None) or c.name) for c in pycountry.countries]
    if language == "en":
        return sorted(pairs, key=lambda pair: pair[1])
    territories = Locale.parse(language).territories
    named = [(code, territories.get(code, name)) for code, name in pairs]
    return sorted(named, key=lambda pair: collation_key(pair[1]))


@cache
def country_names(language: str = "en") -> dict[str, str]:
    return dict(countries(language))


def country_name(code: str | None, language: str = "en") -> str:
    return country_names(language).get(code or "", code or "")


@cache
def time_zones() -> list[str]:
    """Every IANA name of a place, old names (links such as Asia/Calcutta) included."""
    return sorted(z for z in available_timezones() if "/" in z and not z.startswith("Etc/"))


def zone_city(zone: str) -> str:
    """The place a zone is named after: "Asia/Dhaka" → "Dhaka"."""
    last = zone.rsplit("/", 1)[-1]
    return CITY_SPELLINGS.get(last, last.replace("_", " "))


@cache
def _zone_table() -> list[tuple[str, str]]:
    """(country code, zone) for each zone in tzdata's zone.tab, where every country lists the
    zones used on its own territory (zone1970.tab would file Copenhagen under Berlin)."""
    table = resources.files("tzdata").joinpath("zoneinfo", "zone.tab")
    rows = []
    for line in table.read_text(encoding="utf-8").splitlines():
        if line and not line.startswith("#"):
            code, _coordinates, zone, *_comment = line.split("\t")
            rows.append((code, zone))
    return rows


def _zone_label(zone: str, country: str) -> str:
    """The city, and the region when the zone names one the country is not called:
    "Louisville (Kentucky)", but "Cordoba" in Argentina."""
    parts = zone.split("/")
    city = zone_city(zone)
    region = parts[1].replace("_", " ") if len(parts) == 3 else ""
    return f"{city} ({region})" if region and region != country else city


def _local_zone_label(zone: str, language: str, english: str) -> str:
    """The zone's city as CLDR names it in `language` ("Londres" in French), where CLDR names
    it (with the region when two of a country's cities share a name: "Knox [Indiana]"); else
    the English label."""
    if zone not in Locale.parse(language).time_zones:
        return english
    return get_timezone_location(zone, locale=language, return_city=True)


@cache
def time_zone_groups(language: str = "en") -> list[tuple[str, list[tuple[str, str]]]]:
    """(country name, [(zone, city), ...]) for every country, by name, cities by name; in
    `language`, countries and cities as CLDR names them."""
    english = country_names()
    names = country_names(language)
    grouped: dict[str, list[tuple[str, str]]] = {}
    for code, zone in _zone_table():
        label = _zone_label(zone, english.get(code, code))
        if language != "en":
            label = _local_zone_label(zone, language, label)
        grouped.setdefault(names.get(code, code), []).append((zone, label))
    key = (lambda name: name) if language == "en" else collation_key
    return [
        (country, sorted(zones, key=lambda pair: key(pair[1])))
        for country, zones in sorted(grouped.items(), key=lambda pair: key(pair[0]))
    ]


@cache
def listed_time_zones() -> frozenset[str]:
    """The zones the lists offer: each country's own, and UTC."""
    return frozenset({UTC, *(zone for _code, zone in _zone_table())})


def is_time_zone(name: str | None) -> bool:
    """A name the service accepts: a listed zone, or an older IANA name of a place that an
    account may still hold (Asia/Calcutta); never a made-up one."""
    return bool(name) and (name in listed_time_zones() or name in time_zones())


@cache
def _zone_places(language: str) -> dict[str, str]:
    antarctica = country_name("AQ", language)
    comma = COMMAS.get(language, ", ")
    return {
        zone: f"{city}{comma}{country}" if country != antarctica else city
        for country, zones in time_zone_groups(language)
        for zone, city in zones
    }


def time_zone_label(zone: str | None, language: str = "en") -> str:
    """A zone as people read it: "Dhaka, Bangladesh" ("Dacca, Bangladesh" in French); UTC and
    older names as they are."""
    if not zone:
        return ""
    return _zone_places(language).get(zone, zone.replace("_", " "))
