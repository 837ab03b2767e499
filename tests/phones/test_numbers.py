import pytest

from diaspora.phones.numbers import NumberError, display, from_gateway, parse_mobile


@pytest.mark.parametrize(
    ("typed", "country", "e164"),
    [
        ("07911 123456", "GB", "+447911123456"),
        ("+44 7911 123456", None, "+447911123456"),
        ("0044 7911 123456", "BD", "+447911123456"),  # international wins over the country
        ("01712-345678", "BD", "+8801712345678"),
        ("+880 1712 345678", None, "+8801712345678"),
        ("0803 123 4567", "NG", "+2348031234567"),
    ],
)
def test_numbers_are_read_in_national_or_international_format(typed, country, e164):
    assert parse_mobile(typed, country) == e164


@pytest.mark.parametrize(
    ("typed", "country", "message"),
    [
        ("", "GB", "Enter a mobile number"),
        ("07911 123456", None, "Select the country of your mobile number"),
        ("0791 ONE 23456", "GB", "using numbers only"),
        ("123", "GB", "Enter a real mobile number"),
        ("020 7946 0000", "GB", "this is a landline"),
    ],
)
def test_numbers_that_cannot_be_used_say_why(typed, country, message):
    with pytest.raises(NumberError, match=message):
        parse_mobile(typed, country)


def test_numbers_are_shown_in_international_format():
    assert display("+8801712345678") == "+880 1712-345678"
    assert display(None) == ""


@pytest.mark.parametrize(
    ("raw", "e164"),
    [
        ("07700900123", "+447700900123"),  # national: read as a UK number
        ("07700 900 123", "+447700900123"),
        ("447700900123", "+447700900123"),  # Notify
        ("+447700900123", "+447700900123"),
        ("00447700900123", "+447700900123"),
        ("8801712345678", "+8801712345678"),  # WhatsApp's wa_id in Bangladesh
        ("2348031234567", "+2348031234567"),  # and in Nigeria
        ("+8801712345678", "+8801712345678"),
    ],
)
def test_numbers_from_gateways_are_read_in_every_format_they_use(raw, e164):
    assert from_gateway(raw) == e164


@pytest.mark.parametrize("raw", [None, "", "0", "12", "not a number", "+44 ABC", "07700-90O123"])
def test_what_is_not_a_number_from_a_gateway_is_none(raw):
    assert from_gateway(raw) is None
