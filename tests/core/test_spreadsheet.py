"""The one neutraliser of CSV cells every export and report uses."""

import pytest

from diaspora.core.spreadsheet import cell


@pytest.mark.parametrize(
    ("value", "written"),
    [
        ('=HYPERLINK("http://x")', '\'=HYPERLINK("http://x")'),
        ("+44 20 7946 0000", "'+44 20 7946 0000"),
        ("-1", "'-1"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tTab", "'\tTab"),
        ("\rReturn", "'\rReturn"),
        ("Ayesha = midwife", "Ayesha = midwife"),
        (None, ""),
        (12, "12"),
    ],
)
def test_text_starting_like_a_formula_is_kept_as_text(value, written):
    assert cell(value) == written
