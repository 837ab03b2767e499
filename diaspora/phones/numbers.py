"""Reading mobile numbers as people type them, with `phonenumbers` (Google's libphonenumber):
in international format (+44 7911 123456, 00 880 1712 345678) or in the national format of a
chosen country (07911 123456 with the United Kingdom). Stored in E.164."""

from functools import cache

import phonenumbers
from phonenumbers import NumberParseException, PhoneNumberFormat, PhoneNumberType

from diaspora.core.words import N_
from diaspora.reference.places import countries

MOBILE_TYPES = {PhoneNumberType.MOBILE, PhoneNumberType.FIXED_LINE_OR_MOBILE}
# The country of a number a gateway reports in national format: Notify's numbers are British.
GATEWAY_REGION = "GB"


class NumberError(ValueError):
    """A number that cannot be used; the message says why, in words for the person."""


@cache
def calling_countries() -> list[tuple[str, str]]:
    """(alpha-2 code, "Name (+code)") for every country with a calling code, by name."""
    listed = []
    for code, name in countries():
        prefix = phonenumbers.country_code_for_region(code)
        if prefix:
            listed.append((code, f"{name} (+{prefix})"))
    return listed


def parse_mobile(typed: str, country: str | None) -> str:
    """The number in E.164, from international format or the national format of `country`.
    Raises NumberError with a message for the person."""
    text = (typed or "").strip()
    if not text:
        raise NumberError(N_("Enter a mobile number"))
    if text.startswith("00"):
        text = "+" + text[2:]
    if not text.startswith("+") and not country:
        raise NumberError(
            N_(
                "Select the country of your mobile number, or enter it with its country code, "
                "like +44 7911 123456"
            )
        )
    if any(char.isalpha() for char in text):
        raise NumberError(N_("Enter a mobile number using numbers only, like 07911 123456"))
    try:
        number = phonenumbers.parse(text, None if text.startswith("+") else country)
    except NumberParseException:
        raise NumberError(
            N_("Enter a mobile number, like 07911 123456 or +44 7911 123456")
        ) from None
    if not phonenumbers.is_valid_number(number):
        raise NumberError(
            N_(
                "Enter a real mobile number: check it has the right number of digits and the "
                "right country"
            )
        )
    if phonenumbers.number_type(number) not in MOBILE_TYPES:
        raise NumberError(N_("Enter a mobile number: this is a landline or another kind of number"))
    return phonenumbers.format_number(number, PhoneNumberFormat.E164)


def display(e164: str | None) -> str:
    """The number as people write it internationally, like +44 7911 123456."""
    if not e164:
        return ""
    try:
        number = phonenumbers.parse(e164, None)
    except NumberParseException:
        return e164
    return phonenumbers.format_number(number, PhoneNumberFormat.INTERNATIONAL)


def from_gateway(raw: object) -> str | None:
    """A number as a gateway reports it, in E.164; None when it is not a number. Gateways write
    numbers every way: with the country code and no `+` (Notify's `447700900123`, WhatsApp's
    `wa_id`), with `+` or `00`, or in national format (`07700900123`), which is read as a
    number of GATEWAY_REGION."""
    text = "".join(str(raw or "").split())
    if text.startswith("00"):
        text = "+" + text[2:]
    elif text and text[0] not in "+0":
        text = "+" + text
    if not text.lstrip("+").isdigit():
        return None
    try:
        number = phonenumbers.parse(text, GATEWAY_REGION)
    except NumberParseException:
        return None
    if not phonenumbers.is_possible_number(number):
        return None
    return phonenumbers.format_number(number, PhoneNumberFormat.E164)
