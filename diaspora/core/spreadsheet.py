"""Cells the service writes into CSV files people open in spreadsheets.

Text that starts like a formula (`=`, `+`, `-`, `@`, a tab or a carriage return) would be run
by Excel, LibreOffice or Google Sheets: it gets a leading quote mark, so it is shown as the
text it is (OWASP's advice against CSV injection). Every CSV the service writes goes through
`cell`."""

DANGEROUS = ("=", "+", "-", "@", "\t", "\r")


def cell(value: object) -> str:
    """A CSV cell a spreadsheet will not run as a formula."""
    text = "" if value is None else str(value)
    return f"'{text}" if text.startswith(DANGEROUS) else text
