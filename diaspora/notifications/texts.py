"""Text messages: how long they may be and when they may arrive.

A text is at most two segments. A segment holds 160 GSM-7 characters, or 153 when the text is
split into several (the rest carries the joining header); a text with any character outside
GSM-7 is sent as UCS-2, 70 UTF-16 units alone or 67 each in parts. GSM-7's extension characters
(`^{}\\[~]|€` and form feed) take two places. A longer message is cut, and ends with a link to
the page it is about, so the person reads the rest there.

Quiet hours: 21:00 to 08:00 in the recipient's time zone. A text due then waits until 08:00
(urgent account messages, such as a confirmation code, excepted).
"""

from datetime import datetime, time, timedelta

from diaspora.core.time import as_utc, zone_of

GSM7_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM7_EXTENSION = frozenset("^{}\\[~]|€\f")
MAX_SEGMENTS = 2
GSM7_SINGLE, GSM7_PART = 160, 153
UCS2_SINGLE, UCS2_PART = 70, 67

QUIET_FROM = time(21, 0)
QUIET_UNTIL = time(8, 0)


def is_gsm7(text: str) -> bool:
    return all(char in GSM7_BASIC or char in GSM7_EXTENSION for char in text)


def units(text: str) -> int:
    """The places `text` takes in its encoding: septets for GSM-7, UTF-16 units for UCS-2."""
    if is_gsm7(text):
        return sum(2 if char in GSM7_EXTENSION else 1 for char in text)
    return len(text.encode("utf-16-le")) // 2


def segments(text: str) -> int:
    """How many segments the text is sent in."""
    used = units(text)
    single, part = (GSM7_SINGLE, GSM7_PART) if is_gsm7(text) else (UCS2_SINGLE, UCS2_PART)
    if used <= single:
        return 1
    return -(-used // part)


def _capacity(gsm: bool) -> int:
    return (GSM7_PART if gsm else UCS2_PART) * MAX_SEGMENTS


def shorten(text: str, url: str | None = None) -> str:
    """`text` (with `url` on a line of its own at the end), in at most two segments: when it
    is too long it is cut at a word and marked with an ellipsis; the link is always whole."""
    text = "\n".join(" ".join(line.split()) for line in text.strip().splitlines())
    text = "\n".join(line for line in text.split("\n") if line)
    tail = f"\n{url}" if url else ""
    whole = text + tail
    if segments(whole) <= MAX_SEGMENTS:
        return whole
    gsm = is_gsm7(whole)
    ellipsis = "..." if gsm else "…"
    room = _capacity(gsm) - units(tail) - units(ellipsis)
    kept = []
    used = 0
    for char in text:
        cost = units(char) if gsm else len(char.encode("utf-16-le")) // 2
        if used + cost > room:
            break
        kept.append(char)
        used += cost
    cut = "".join(kept)
    if " " in cut[len(cut) // 2 :]:  # end at a word when one ends in the second half
        cut = cut[: cut.rindex(" ")]
    return cut.rstrip(" ,;:.-\n") + ellipsis + tail


def after_quiet_hours(due: datetime, zone_name: str | None) -> datetime:
    """`due`, or the next 08:00 in the zone when `due` falls in its quiet hours (UTC)."""
    zone = zone_of(zone_name)
    local = as_utc(due).astimezone(zone)
    clock = local.timetz().replace(tzinfo=None)
    if QUIET_UNTIL <= clock < QUIET_FROM:
        return as_utc(due)
    day = local.date() if clock < QUIET_UNTIL else local.date() + timedelta(days=1)
    return as_utc(datetime.combine(day, QUIET_UNTIL, tzinfo=zone))
