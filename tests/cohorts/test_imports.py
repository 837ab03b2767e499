"""Reading a spreadsheet of volunteers: encoding, size, header, every problem of every row."""

import importlib.util
from pathlib import Path

import pytest

from diaspora.cohorts import imports
from diaspora.cohorts.imports import ImportFileError, parse
from diaspora.core.words import restored, stored
from diaspora.languages import force_locale, translated

HEADER = "name,email,profession,countries,languages\r\n"


def _valid(address: str) -> bool:
    local, _, domain = address.partition("@")
    return bool(local) and "." in domain


def _rows(text: str, *, encoding: str = "utf-8"):
    return parse(text.encode(encoding), _valid)


def test_a_good_row_matches_names_and_codes_in_any_case():
    [row] = _rows(
        HEADER
        + "Ayesha Rahman, Ayesha@Example.org ,MIDWIFE,bangladesh; in ;IND,Bengali; SYL; en\r\n"
    )
    assert row.good, row.problems
    assert row.line == 2
    assert row.name == "Ayesha Rahman"
    assert row.email == "ayesha@example.org"
    assert row.profession == "midwife"
    assert row.countries == ["BD", "IN"]  # India named twice, by two codes: once
    assert row.languages == ["ben", "syl", "eng"]


def test_columns_may_come_in_any_order_and_only_name_and_email_are_needed():
    [row] = _rows("Email,Name\nkwame@example.org,Kwame Mensah\n")
    assert row.good
    assert (row.name, row.profession, row.countries, row.languages) == (
        "Kwame Mensah",
        None,
        [],
        [],
    )


def test_the_template_reads_as_one_good_row():
    [row] = parse(imports.template_csv().encode(), _valid)
    assert row.good, row.problems
    assert row.profession == "midwife"


def test_every_problem_of_a_row_is_named():
    [row] = _rows(HEADER + ",not-an-address,Wizard,Narnia;Ghana,Klingon\n")
    assert row.problems == [
        "Name is missing",
        "Email address is not a valid email address",
        "Unknown profession: Wizard",
        "Unknown country: Narnia",
        "Unknown language: Klingon",
    ]
    assert row.countries == ["GH"]


def test_a_second_row_with_the_same_address_is_refused():
    rows = _rows(
        HEADER
        + "Ama Owusu,ama@example.org,,,\n"
        + "Kofi Owusu,kofi@example.org,,,\n"
        + "Ama O.,AMA@example.org,,,\n"
    )
    assert [row.problems for row in rows] == [[], [], ["Same email address as row 2"]]


def test_missing_email_and_extra_cells_are_problems():
    [row] = _rows(HEADER + "Ama Owusu,,,,,surprise\n")
    assert row.problems == [
        "The row has more cells than the header row names",
        "Email address is missing",
    ]


@pytest.mark.parametrize("formula", ['=HYPERLINK("http://x","y")', "+1+1", "-2", "@SUM(A1)"])
def test_formula_prefixes_stay_text(formula):
    [row] = _rows(HEADER + f'"{formula.replace(chr(34), chr(34) * 2)}",a@example.org,,,\n')
    assert row.good
    assert row.name == formula  # kept as typed, never evaluated


@pytest.mark.parametrize("character", ["\t", "\r"])
def test_tab_and_carriage_return_are_refused_by_the_input_filter(character):
    [row] = _rows(HEADER + f'"{character}=1+2",a@example.org,,,\n')
    assert row.problems == ["Name must be on one line, without line breaks or tabs"]
    assert "\t" not in row.name and "\r" not in row.name


def test_control_and_invisible_characters_are_refused():
    rows = _rows(HEADER + "Ama\x07 Owusu,a@example.org,,,\nKofi\u202e Owusu,k@example.org,,,\n")
    assert rows[0].problems == ["Name must not contain control characters"]
    assert rows[0].name == "Ama\ufffd Owusu"  # shown back with the refused character marked
    assert rows[1].problems == [
        "Name must not contain invisible characters, like direction marks or zero-width spaces"
    ]


def test_an_overlong_cell_is_refused():
    [row] = _rows(HEADER + f"{'A' * 121},a@example.org,,,\n")
    assert row.problems == ["Name must be 120 characters or fewer"]


def test_a_byte_order_mark_is_accepted():
    [row] = parse(imports.BOM + (HEADER + "Ama Owusu,a@example.org,,,\n").encode(), _valid)
    assert row.good
    assert row.name == "Ama Owusu"


@pytest.mark.parametrize("encoding", ["utf-16", "cp1252"])
def test_other_encodings_are_refused_with_a_clear_message(encoding):
    with pytest.raises(ImportFileError, match="not saved as UTF-8"):
        _rows(HEADER + "Zoë Adébáyọ̀,z@example.org,,,\n".replace("ọ̀", "o"), encoding=encoding)


def test_a_file_over_the_size_limit_is_refused_before_it_is_read():
    data = (HEADER + "x" * imports.MAX_BYTES).encode()
    with pytest.raises(ImportFileError, match="larger than 1 MB"):
        parse(data, _valid)


def test_more_rows_than_the_limit_are_refused():
    body = "".join(f"P{n},p{n}@example.org,,,\n" for n in range(imports.MAX_ROWS + 1))
    with pytest.raises(ImportFileError, match="more than 2,000 rows"):
        _rows(HEADER + body)
    assert len(_rows(HEADER + body.rsplit("P", 1)[0])) == imports.MAX_ROWS


def test_blank_rows_are_left_out_and_row_numbers_kept():
    rows = _rows(HEADER + ",,,,\nAma Owusu,a@example.org,,,\n\n,,\n")
    assert [row.line for row in rows] == [3]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "The file is empty"),
        ("name,email\n", "no volunteers"),
        ("name,phone\nAma,0123\n", "column this service does not know: phone"),
        ("name,profession\nAma,Midwife\n", "The email column is missing"),
        ("name,email,name\nAma,a@example.org,Ama\n", "names the name column twice"),
    ],
)
def test_files_that_cannot_be_used(text, message):
    with pytest.raises(ImportFileError, match=message):
        _rows(text)


def test_a_broken_csv_is_refused():
    with pytest.raises(ImportFileError, match="cannot be read as CSV"):
        _rows(HEADER + 'Ama,"a@example.org' + "x" * 140_000 + "\n")


def _problem_migration():
    path = Path(__file__).parents[2] / "migrations/versions/0021_import_problem_messages.py"
    spec = importlib.util.spec_from_file_location("import_problem_messages", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_stored_english_problems_become_messages_and_back(app):
    """The migration reads the sentences the importer used to store back into its messages."""
    migration = _problem_migration()
    rows = _rows(
        HEADER
        + ",not-an-address,Wizard,Narnia,Klingon\r\n"
        + "A\x01,a@example.org\r\n"
        + f"{'x' * 121},a@example.org,,,,extra\r\n"
    )
    before = [str(problem) for row in rows for problem in row.problems]
    after = [migration._from_text(text) for text in before]
    assert after == [stored(problem) for row in rows for problem in row.problems]
    assert [migration._english(message) for message in after] == before
    assert migration._from_text("Written by hand, 100%") == {
        "msgid": "Written by hand, 100%",
        "values": {},
    }
    with force_locale("fr"):
        assert translated(restored(after[0])) == "Le nom est manquant"
