"""OFAC's published CSV files, parsed: no side effects, no database.

Two sets share one format: the SDN list (SDN.CSV, ADD.CSV, ALT.CSV) and the consolidated
non-SDN lists (CONS_PRIM.CSV, CONS_ADD.CSV, CONS_ALT.CSV). The files have no header row and
write ``-0-`` for an empty field. Columns:

- prim: ent_num, name, type, program, title, call_sign, vess_type, tonnage, grt, vess_flag,
  vess_owner, remarks
- address: ent_num, add_num, address, city_state_postal, country, add_remarks
- alias: ent_num, alt_num, alt_type, alt_name, alt_remarks

Dates of birth (a whole date, a month or a year) and nationality or citizenship countries
are read from the remarks. A file with any fault raises ``SanctionsFileInvalid`` with a
one-line reason.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from datetime import date

from config.errors import ApplicationError

PRIM_COLUMNS = 12
ADD_COLUMNS = 6
ALT_COLUMNS = 5
_EMPTY = "-0-"
_MAX_ENT_NUM = 2_000_000_000
_MAX_PROGRAMS = 50
_MAX_PROGRAM_LENGTH = 60
_MONTHS = {
    name: number
    for number, name in enumerate(
        ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"], start=1
    )
}
_TYPES = {"": "entity", "individual": "individual", "vessel": "vessel", "aircraft": "aircraft"}
# "DOB 01 Jan 1970", "alt. DOB Jan 1970", "DOB 1971", "DOB circa 1970"; ranges ("1960 to 1962") keep their first year.
_DOB = re.compile(r"\bDOB\s+(?:circa\s+)?(?:(\d{1,2})\s+)?(?:([A-Za-z]{3})[a-z]*\s+)?(\d{4})\b")
_COUNTRY = re.compile(r"\b(?:nationality|citizen(?:ship)?)\s+([^;]+?)\s*(?:\(individual\))?\s*(?:;|$)", re.IGNORECASE)


class SanctionsFileInvalid(ApplicationError):
    def __init__(self, message: str):
        super().__init__(message, code="sanctions_file_invalid")


@dataclass(frozen=True)
class BirthDate:
    born_on: date
    precision: str  # "day", "month" or "year"


@dataclass
class Alias:
    alt_num: int
    alias_type: str
    name: str
    remarks: str


@dataclass
class Address:
    add_num: int
    address: str
    city_state_postal: str
    country: str
    remarks: str


@dataclass
class Entry:
    ent_num: int
    name: str
    entry_type: str
    programs: list[str]
    title: str
    remarks: str
    birth_dates: list[BirthDate] = field(default_factory=list)
    countries: list[str] = field(default_factory=list)
    aliases: list[Alias] = field(default_factory=list)
    addresses: list[Address] = field(default_factory=list)


def parse_ofac_files(*, prim: bytes, add: bytes | None = None, alt: bytes | None = None, max_bytes: int) -> list[Entry]:
    """The entries of one list, with their aliases and addresses, in the prim file's order."""
    entries: dict[int, Entry] = {}
    for number, row in _rows(prim, name="prim", columns=PRIM_COLUMNS, max_bytes=max_bytes):
        ent_num = _integer(row[0], name="prim", number=number, column="ent_num")
        if ent_num in entries:
            raise SanctionsFileInvalid(f"prim file line {number}: ent_num {ent_num} appears twice")
        kind = row[2].lower()
        if kind not in _TYPES:
            raise SanctionsFileInvalid(f"prim file line {number}: unknown type {row[2][:40]!r}")
        if not row[1]:
            raise SanctionsFileInvalid(f"prim file line {number}: no name")
        remarks = row[11]
        programs = [p.strip("[] ") for p in re.split(r"\]\s*\[|;", row[3]) if p.strip("[] ")]
        if len(programs) > _MAX_PROGRAMS or any(len(p) > _MAX_PROGRAM_LENGTH for p in programs):
            raise SanctionsFileInvalid(
                f"prim file line {number}: more than {_MAX_PROGRAMS} programs or a program name too long"
            )
        entries[ent_num] = Entry(
            ent_num=ent_num,
            name=_bounded(row[1], 500, name="prim", number=number),
            entry_type=_TYPES[kind],
            programs=programs,
            title=_bounded(row[4], 500, name="prim", number=number),
            remarks=_bounded(remarks, 20_000, name="prim", number=number),
            birth_dates=_birth_dates(remarks),
            countries=_countries(remarks),
        )
    if not entries:
        raise SanctionsFileInvalid("prim file has no rows")
    if add is not None:
        for number, row in _rows(add, name="address", columns=ADD_COLUMNS, max_bytes=max_bytes):
            entry = _owner(entries, row, name="address", number=number)
            entry.addresses.append(
                Address(
                    add_num=_integer(row[1], name="address", number=number, column="add_num"),
                    address=_bounded(row[2], 1000, name="address", number=number),
                    city_state_postal=_bounded(row[3], 500, name="address", number=number),
                    country=_bounded(row[4], 200, name="address", number=number),
                    remarks=_bounded(row[5], 1000, name="address", number=number),
                )
            )
    if alt is not None:
        for number, row in _rows(alt, name="alias", columns=ALT_COLUMNS, max_bytes=max_bytes):
            entry = _owner(entries, row, name="alias", number=number)
            if not row[3]:
                raise SanctionsFileInvalid(f"alias file line {number}: no name")
            entry.aliases.append(
                Alias(
                    alt_num=_integer(row[1], name="alias", number=number, column="alt_num"),
                    alias_type=row[2][:20],
                    name=_bounded(row[3], 500, name="alias", number=number),
                    remarks=_bounded(row[4], 1000, name="alias", number=number),
                )
            )
    return list(entries.values())


def _rows(content: bytes, *, name: str, columns: int, max_bytes: int):
    if len(content) > max_bytes:
        raise SanctionsFileInvalid(f"{name} file is larger than {max_bytes} bytes")
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        # OFAC's legacy files are Windows-1252.
        text = content.decode("cp1252", errors="replace")
    try:
        for number, row in enumerate(csv.reader(io.StringIO(text)), start=1):
            # The legacy files end with an end-of-file marker line (0x1A) or blank lines.
            if not row or (len(row) == 1 and row[0].strip() in {"", "\x1a"}):
                continue
            if len(row) != columns:
                raise SanctionsFileInvalid(f"{name} file line {number}: {len(row)} columns, expected {columns}")
            yield number, [_value(cell) for cell in row]
    except csv.Error as exc:
        raise SanctionsFileInvalid(f"{name} file is not valid CSV: {exc}") from None


def _value(cell: str) -> str:
    cell = cell.strip()
    return "" if cell == _EMPTY else cell


def _integer(value: str, *, name: str, number: int, column: str) -> int:
    if not value.isdigit() or not 0 < int(value) <= _MAX_ENT_NUM:
        raise SanctionsFileInvalid(f"{name} file line {number}: {column} {value[:20]!r} is not a whole number")
    return int(value)


def _bounded(value: str, limit: int, *, name: str, number: int) -> str:
    if len(value) > limit:
        raise SanctionsFileInvalid(f"{name} file line {number}: a field is longer than {limit} characters")
    return value


def _owner(entries: dict[int, Entry], row: list[str], *, name: str, number: int) -> Entry:
    ent_num = _integer(row[0], name=name, number=number, column="ent_num")
    if ent_num not in entries:
        raise SanctionsFileInvalid(f"{name} file line {number}: ent_num {ent_num} is not in the prim file")
    return entries[ent_num]


def _birth_dates(remarks: str) -> list[BirthDate]:
    found: list[BirthDate] = []
    for day, month, year in _DOB.findall(remarks):
        month_number = _MONTHS.get(month.lower()) if month else None
        if month and month_number is None:
            continue
        try:
            if day and month_number:
                value = BirthDate(date(int(year), month_number, int(day)), "day")
            elif month_number:
                value = BirthDate(date(int(year), month_number, 1), "month")
            else:
                value = BirthDate(date(int(year), 1, 1), "year")
        except ValueError:
            continue  # an impossible date is left in the remarks only
        if value not in found:
            found.append(value)
    return found[:20]


def _countries(remarks: str) -> list[str]:
    found: list[str] = []
    for country in _COUNTRY.findall(remarks):
        country = country.strip()[:100]
        if country and country not in found:
            found.append(country)
    return found[:20]
