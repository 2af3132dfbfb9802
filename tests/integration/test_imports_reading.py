"""Reading office files: encodings as Excel saves them, headers, cells typed with the IME."""

from __future__ import annotations

import pytest

from lifecycle.imports import cells
from lifecycle.imports.reading import ImportFileError, detect_encoding, read_csv

from .test_imports_support import write_csv

TEXT = "holder,name\nH0001,今田 太郎\n"


@pytest.mark.parametrize(("data", "expected"), [
    (TEXT.encode("utf-8-sig"), "utf-8-sig"),
    (TEXT.encode("utf-8"), "utf-8"),
    (TEXT.encode("cp932"), "cp932"),
    (b"holder\nH0001\n", "utf-8"),  # plain ASCII reads the same in every candidate
])
def test_the_encoding_is_told_from_the_bytes(data, expected):
    assert detect_encoding(data) == expected


def test_bytes_neither_utf8_nor_cp932_refuse_the_file():
    with pytest.raises(ImportFileError, match="--encoding"):
        detect_encoding(b"\x81\x7f\xff")


@pytest.mark.parametrize("encoding", ["utf-8-sig", "utf-8", "cp932"])
def test_rows_read_alike_in_each_encoding_with_their_file_lines(tmp_path, encoding):
    path = write_csv(tmp_path / "x.csv", [["Holder", "氏名", "extra"], ["H1", "今田", "x"],
                                          ["", "", ""], ["H2", "山田", "y", "", ""]], encoding)
    table = read_csv(path, columns=("holder", "name"), required=("holder",),
                     aliases={"氏名": "name"})
    assert [(r.line, r.values, r.problem) for r in table.rows] == [
        (2, {"holder": "H1", "name": "今田"}, None),
        (4, {"holder": "H2", "name": "山田"}, None),  # Excel's padding cells are no problem
    ]


def test_a_short_row_is_kept_with_its_problem_and_a_missing_column_refuses_the_file(tmp_path):
    path = write_csv(tmp_path / "x.csv", [["holder", "name"], ["H1"]])
    (row,) = read_csv(path, columns=("holder", "name"), required=("holder",), aliases={}).rows
    assert row.problem == "line 2 has 1 values; the header has 2 columns"
    with pytest.raises(ImportFileError, match="no column email"):
        read_csv(path, columns=("holder", "email"), required=("email",), aliases={})


def test_cells_typed_in_excel_become_what_the_commands_expect():
    assert cells.day("2026/6/5") == "2026-06-05"
    assert cells.day("２０２６－０６－１５") == "2026-06-15"
    assert cells.day("15/06/2026") == "15/06/2026"  # ambiguous: left for the parser to refuse
    assert cells.amount("11,000") == 11000
    assert cells.amount("￥１１，０００") == 11000
    assert cells.amount("11000円") == 11000
    assert cells.amount("-500") == "-500"
    assert cells.kana("ｺﾝｹﾝ ﾀﾛｳ") == "コンケン タロウ"
    assert cells.qualification(" cap ") == "CAP"
    assert cells.text("  ") is None
