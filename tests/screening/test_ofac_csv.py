"""Reading OFAC's CSV files: remarks, empties, encodings and the faults refused."""

from datetime import date

import pytest

from screening.ofac_csv import BirthDate, SanctionsFileInvalid, parse_ofac_files

EMPTIES = "-0- ," * 7


def _prim(remarks: str, *, programs: str = "SDGT", kind: str = '"individual"') -> bytes:
    return f'1,"NAME",{kind},"{programs}",{EMPTIES}"{remarks}"\r\n'.encode()


def _one(remarks: str):
    (entry,) = parse_ofac_files(prim=_prim(remarks), max_bytes=10_000)
    return entry


@pytest.mark.parametrize(
    ("remarks", "dates"),
    [
        ("DOB 26 Feb 1963;", [BirthDate(date(1963, 2, 26), "day")]),
        ("DOB Feb 1963;", [BirthDate(date(1963, 2, 1), "month")]),
        ("DOB circa 1963;", [BirthDate(date(1963, 1, 1), "year")]),
        ("DOB 1955 to 1958;", [BirthDate(date(1955, 1, 1), "year")]),
        ("DOB 31 Feb 1963; alt. DOB 1964;", [BirthDate(date(1964, 1, 1), "year")]),  # impossible date left out
        ("DOB 1963; alt. DOB 1963;", [BirthDate(date(1963, 1, 1), "year")]),
        ("Website example.invalid.", []),
    ],
)
def test_dates_of_birth_keep_their_precision(remarks, dates):
    assert _one(remarks).birth_dates == dates


def test_nationality_and_citizenship_countries_are_read_once_each():
    entry = _one("POB Kabul, Afghanistan; nationality Afghanistan; citizen Afghanistan; alt. citizenship Pakistan")
    assert entry.countries == ["Afghanistan", "Pakistan"]


def test_the_legacy_encoding_and_end_of_file_marker_are_read():
    prim = _prim("nationality C\xf4te d'Ivoire;").decode().encode("cp1252") + b"\x1a\r\n"
    (entry,) = parse_ofac_files(prim=prim, max_bytes=10_000)
    assert entry.countries == ["C\xf4te d'Ivoire"]


def test_an_entity_has_no_type_in_the_file():
    (entry,) = parse_ofac_files(prim=_prim("", kind="-0- "), max_bytes=10_000)
    assert (entry.entry_type, entry.remarks, entry.title) == ("entity", "", "")


@pytest.mark.parametrize(
    ("prim", "reason"),
    [
        (_prim("", kind='"spaceship"'), "prim file line 1: unknown type 'spaceship'"),
        (
            _prim("", programs="] [".join(["P"] * 51)),
            "prim file line 1: more than 50 programs or a program name too long",
        ),
        (_prim("") + _prim(""), "prim file line 2: ent_num 1 appears twice"),
        (_prim("x" * 20_001), "prim file line 1: a field is longer than 20000 characters"),
    ],
)
def test_faults_are_refused_with_one_line(prim, reason):
    with pytest.raises(SanctionsFileInvalid) as refused:
        parse_ofac_files(prim=prim, max_bytes=100_000)
    assert refused.value.message == reason
