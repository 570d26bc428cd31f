"""Reading a time-entry import file into rows for ``marketplace.services.time_entries_import``.

Two formats: CSV with a header row naming the columns, and JSON lines (one object per
line). Both give each entry as a mapping of the fields a single entry takes; the service
reads and checks the values. What makes the file itself unreadable (not UTF-8, not CSV, a
line that is not a JSON object) is refused here, naming where. The API and the timesheet
page read files with it; the page fills in its own engagement where a row names none
(``defaults``).
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator, Mapping

from config.errors import ApplicationError

from .services import ImportRefused
from .services.work import IMPORT_FIELDS

CSV_TYPES = frozenset({"text/csv", "application/csv"})
JSON_LINES_TYPES = frozenset(
    {"application/x-ndjson", "application/ndjson", "application/jsonl", "application/x-jsonlines"}
)
JSON_LINES_SUFFIXES = (".jsonl", ".ndjson")
REQUIRED_COLUMNS = ("engagement", "activity")


def _file_error(message: str, detail: str) -> ApplicationError:
    return ApplicationError(message, code="invalid_file", fields={"file": [detail]})


def _unreadable_row(number: int, detail: str) -> ImportRefused:
    return ImportRefused(
        rows=[{"row": number, "code": "invalid_file", "fields": {"file": [detail]}}],
        refused=1,
        total=number,
        message=f"Row {number:,} of the file cannot be read; nothing was imported.",
    )


def _text(data: bytes) -> str:
    try:
        # Spreadsheets often save UTF-8 with a byte-order mark; it is not part of the first column's name.
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise _file_error(
            "The file is not UTF-8 text.",
            f"Byte {exc.start:,} (0x{data[exc.start]:02x}) is not UTF-8; save the file as UTF-8 and send it again.",
        ) from None


def rows_from_csv(data: bytes, *, defaults: Mapping[str, object] | None = None) -> Iterator[dict]:
    """Each record of a CSV file with a header row, as a mapping of column to text.

    The header is checked at once; records are read as the service asks for them, so a
    file with too many rows is refused without reading it all.
    """
    reader = csv.reader(io.StringIO(_text(data), newline=""))
    try:
        header = next(reader, None)
    except csv.Error as exc:
        raise _file_error("The file is not valid CSV.", f"The header row cannot be read: {exc}.") from None
    names = [name.strip().lower() for name in header or []]
    if not any(names):
        raise _file_error(
            "The file has no header row.",
            f"Start with a header row naming the columns: {', '.join(sorted(IMPORT_FIELDS))}.",
        )
    unknown = [name for name in names if name not in IMPORT_FIELDS]
    if unknown:
        raise _file_error(
            "The header names unknown columns.",
            f"Unknown columns: {', '.join(unknown)}. The columns are {', '.join(sorted(IMPORT_FIELDS))}.",
        )
    repeated = sorted({name for name in names if names.count(name) > 1})
    if repeated:
        raise _file_error("The header names a column twice.", f"Named more than once: {', '.join(repeated)}.")
    missing = [name for name in REQUIRED_COLUMNS if name not in names and name not in (defaults or {})]
    if missing:
        raise _file_error("The header lacks required columns.", f"Missing columns: {', '.join(missing)}.")
    return _with_defaults(_csv_records(reader, names), defaults)


def _with_defaults(records: Iterator[dict], defaults: Mapping[str, object] | None) -> Iterator[dict]:
    """Each record with ``defaults`` filled in where it gives the field no value."""
    for record in records:
        if defaults:
            record = {**record, **{k: v for k, v in defaults.items() if record.get(k) in (None, "")}}
        yield record


def _csv_records(reader, names: list[str]) -> Iterator[dict[str, str]]:
    width = len(names)
    number = 0
    try:
        for values in reader:
            if not any(values):
                continue
            number += 1
            if len(values) > width:
                if any(value.strip() for value in values[width:]):
                    raise _unreadable_row(number, f"{len(values)} values, but the header names {width} columns.")
                values = values[:width]
            elif len(values) < width:
                values = values + [""] * (width - len(values))
            yield dict(zip(names, values, strict=True))
    except csv.Error as exc:
        raise _unreadable_row(number + 1, f"Not valid CSV: {exc}.") from None


def rows_from_json_lines(data: bytes, *, defaults: Mapping[str, object] | None = None) -> Iterator[dict]:
    """Each non-blank line of a JSON-lines file, which must be a JSON object."""
    return _with_defaults(_json_records(_text(data).splitlines()), defaults)


def _json_records(lines: list[str]) -> Iterator[dict]:
    number = 0
    for line in lines:
        if not line.strip():
            continue
        number += 1
        try:
            record = json.loads(line)
        except (ValueError, RecursionError):
            record = None
        if not isinstance(record, dict):
            raise _unreadable_row(number, 'Each line must be one JSON object, like {"engagement": 12, ...}.')
        yield record


def rows_from_upload(
    *, media_type: str, data: bytes, filename: str = "", defaults: Mapping[str, object] | None = None
) -> Iterator[dict]:
    """The rows of a file sent as ``media_type`` (JSON lines also by a .jsonl or .ndjson name; CSV otherwise)."""
    if media_type in JSON_LINES_TYPES or filename.lower().endswith(JSON_LINES_SUFFIXES):
        return rows_from_json_lines(data, defaults=defaults)
    return rows_from_csv(data, defaults=defaults)
