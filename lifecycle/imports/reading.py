"""Reading an office's files: the encoding, then CSV rows with their line numbers.

Japanese offices save CSV from Excel in CP932 (Shift_JIS with Microsoft's extensions), or in
UTF-8 with a BOM ("CSV UTF-8"); other tools write UTF-8 without one. The three are told apart
without guessing: a BOM says UTF-8; otherwise a file that decodes as strict UTF-8 is UTF-8
(Japanese text in CP932 practically never does); otherwise CP932, which must then decode too.
"""

from __future__ import annotations

import codecs
import csv
import io
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path


class ImportFileError(Exception):
    """The whole file cannot be imported (encoding, missing columns): nothing is recorded."""


def detect_encoding(data: bytes) -> str:
    if data.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    for encoding in ("utf-8", "cp932"):
        try:
            data.decode(encoding)
        except UnicodeDecodeError:
            continue
        return encoding
    raise ImportFileError("the file is neither UTF-8 nor CP932 (Shift_JIS); "
                          "save it again as CSV UTF-8, or name its encoding with --encoding")


def read_text(path: Path, encoding: str | None = None) -> tuple[str, str]:
    """The file's text and the encoding it was read with."""
    data = path.read_bytes()
    encoding = encoding or detect_encoding(data)
    # A BOM is never part of the first header, whatever encoding was named.
    decode_as = "utf-8-sig" if encoding.replace("_", "-").lower() in ("utf-8", "utf8") \
        else encoding
    try:
        return data.decode(decode_as), encoding
    except LookupError:
        raise ImportFileError(f"unknown encoding {encoding!r}") from None
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        raise ImportFileError(f"not {encoding}: undecodable bytes on line {line}") from None


def header_key(name: str) -> str:
    """How a column name is compared: NFKC (full-width letters), trimmed, lower case."""
    return unicodedata.normalize("NFKC", name).strip().lower().replace(" ", "_")


@dataclass
class CsvRow:
    line: int  # the file line the record starts on (the header is line 1)
    values: dict[str, str]
    problem: str | None = None  # a row that cannot become a command, and why


@dataclass
class CsvFile:
    name: str
    encoding: str
    rows: list[CsvRow] = field(default_factory=list)


def read_csv(path: Path, *, columns: tuple[str, ...], required: tuple[str, ...],
             aliases: dict[str, str], encoding: str | None = None) -> CsvFile:
    """Rows keyed by canonical column names. A header without a required column refuses the
    file; a row with the wrong number of cells is kept with its problem, to be reported."""
    text, used = read_text(path, encoding)
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader)
    except StopIteration:
        raise ImportFileError("the file is empty") from None
    names = [aliases.get(header_key(h), header_key(h)) for h in header]
    missing = [c for c in required if c not in names]
    if missing:
        raise ImportFileError(f"no column {', '.join(missing)}; the header is "
                              f"{', '.join(header)}; expected {', '.join(columns)}")
    result = CsvFile(path.name, used)
    start = reader.line_num + 1
    for cells in reader:
        line, start = start, reader.line_num + 1
        if not any(c.strip() for c in cells):
            continue  # Excel leaves blank lines at the end
        problem = None
        # Excel pads rows with empty cells past the last column; only values count.
        if len(cells) < len(names) or any(c.strip() for c in cells[len(names):]):
            problem = f"line {line} has {len(cells)} values; the header has {len(names)} columns"
        values = {n: c.strip() for n, c in zip(names, cells, strict=False) if n in columns}
        result.rows.append(CsvRow(line, values, problem))
    return result
