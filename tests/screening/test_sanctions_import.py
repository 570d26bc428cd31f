"""Importing OFAC's sanctions lists: exact rows, idempotence, publications kept, faults refused."""

from datetime import date
from pathlib import Path

import pytest

from audit.models import AuditEvent
from screening.models import SanctionsAddress, SanctionsAlias, SanctionsBirthDate, SanctionsEntry, SanctionsList
from screening.ofac_csv import SanctionsFileInvalid
from screening.selectors import sanctions_list_in_force
from screening.services import SanctionsFiles, sanctions_list_import

pytestmark = pytest.mark.django_db

SAMPLES = Path(__file__).resolve().parents[2] / "screening" / "samples"


def _sample_files(**changes) -> SanctionsFiles:
    files = {name: (SAMPLES / f"{name.upper()}.CSV").read_bytes() for name in ("add", "alt")}
    files["prim"] = (SAMPLES / "SDN.CSV").read_bytes()
    files.update(changes)
    return SanctionsFiles(**files)


def _import(files=None, published_on=date(2026, 6, 15), list_kind="sdn"):
    return sanctions_list_import(
        actor=None, list_kind=list_kind, files=files or _sample_files(), published_on=published_on, source="SDN.CSV"
    )


def _nothing_written():
    assert not SanctionsList.objects.exists()
    assert not SanctionsEntry.objects.exists()
    assert not AuditEvent.objects.filter(action="screening.sanctions_list.imported").exists()


def test_the_sample_imports_exactly_its_entries_aliases_addresses_dates_and_countries():
    result = _import()

    assert (result.created, result.entries, result.aliases, result.addresses) == (True, 4, 2, 2)
    publication = SanctionsList.objects.get()
    assert (publication.list_kind, publication.published_on, publication.source) == (
        "sdn",
        date(2026, 6, 15),
        "SDN.CSV",
    )
    assert publication.imported_at.date() == date(2026, 6, 17)
    assert len(publication.files_sha256.split(":")) == 3
    entries = {e.ent_num: e for e in publication.entries.all()}
    assert {n: (e.name, e.entry_type) for n, e in entries.items()} == {
        10001: ("SAMPLE, Ivan Testovich", "individual"),
        10002: ("EXAMPLE TRADING CO. LTD.", "entity"),
        10003: ("SAMPLE STAR", "vessel"),
        10004: ("SAMPLE AIR 1", "aircraft"),
    }
    person = entries[10001]
    assert person.programs == ["SDGT", "IRAN"]
    assert person.countries == ["Iran", "Russia"]
    assert person.title == ""
    assert sorted(person.birth_dates.values_list("born_on", "precision")) == [
        (date(1970, 1, 1), "day"),
        (date(1971, 3, 1), "month"),
        (date(1972, 1, 1), "year"),
    ]
    assert entries[10004].remarks == ""  # "-0- " is empty
    assert entries[10002].countries == [] and not entries[10002].birth_dates.exists()
    assert list(SanctionsAlias.objects.values_list("entry__ent_num", "alias_type", "name")) == [
        (10001, "aka", "SAMPLOV, Ivan"),
        (10002, "fka", "EXAMPLE IMPORTS LLC"),
    ]
    assert sorted(
        SanctionsAddress.objects.values_list("entry__ent_num", "address", "city_state_postal", "country", "remarks")
    ) == [
        (10001, "1 Sample Street", "Tehran", "Iran", ""),
        (10002, "", "Dubai", "United Arab Emirates", "Sample address."),
    ]
    event = AuditEvent.objects.get(action="screening.sanctions_list.imported")
    assert event.after["entries"] == 4 and event.after["published_on"] == "2026-06-15"
    assert event.after["source"] == "SDN.CSV"


def test_importing_the_same_files_again_writes_nothing():
    first = _import()
    again = _import(published_on=date(2026, 6, 16))

    assert not again.created and again.sanctions_list_id == first.sanctions_list_id
    assert SanctionsList.objects.count() == 1 and SanctionsEntry.objects.count() == 4
    assert SanctionsBirthDate.objects.count() == 3
    assert AuditEvent.objects.filter(action="screening.sanctions_list.imported").count() == 1


def test_a_second_publication_is_new_rows_and_the_first_is_kept():
    _import()
    prim = (
        SAMPLES / "SDN.CSV"
    ).read_bytes() + b'10005,"NEW SAMPLE",-0- ,"SDGT",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- \r\n'
    second = _import(files=_sample_files(prim=prim), published_on=date(2026, 6, 16))

    assert second.created and second.entries == 5
    assert list(SanctionsList.objects.order_by("published_on").values_list("published_on", "entries_count")) == [
        (date(2026, 6, 15), 4),
        (date(2026, 6, 16), 5),
    ]
    assert SanctionsEntry.objects.count() == 9
    assert SanctionsAlias.objects.count() == 4


def test_the_same_files_as_another_list_are_a_publication_of_that_list():
    _import()
    _import(list_kind="non_sdn")
    assert sorted(SanctionsList.objects.values_list("list_kind", flat=True)) == ["non_sdn", "sdn"]


@pytest.mark.parametrize(
    ("changes", "reason"),
    [
        ({"prim": b'10001,"ONLY TWO"\r\n'}, "prim file line 1: 2 columns, expected 12"),
        (
            {"prim": b'X1,"A",-0- ,"SDGT",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- \r\n'},
            "prim file line 1: ent_num 'X1' is not a whole number",
        ),
        ({"prim": b""}, "prim file has no rows"),
        ({"add": b'99999,1,"x","y","z",-0- \r\n'}, "address file line 1: ent_num 99999 is not in the prim file"),
        ({"alt": b'99999,1,"aka","x",-0- \r\n'}, "alias file line 1: ent_num 99999 is not in the prim file"),
        ({"alt": b'10001,1,"aka"\r\n'}, "alias file line 1: 3 columns, expected 5"),
    ],
)
def test_a_malformed_file_is_refused_with_its_reason_and_writes_nothing(changes, reason):
    with pytest.raises(SanctionsFileInvalid) as refused:
        _import(files=_sample_files(**changes))
    assert refused.value.message == reason
    _nothing_written()


def test_a_file_larger_than_the_limit_is_refused(settings):
    settings.SANCTIONS_MAX_FILE_BYTES = 100
    with pytest.raises(SanctionsFileInvalid) as refused:
        _import()
    assert refused.value.message == "prim file is larger than 100 bytes"
    _nothing_written()


def test_the_list_in_force_is_the_latest_publication_on_or_before_the_day():
    first = _import()
    prim = (
        SAMPLES / "SDN.CSV"
    ).read_bytes() + b'10005,"NEW SAMPLE",-0- ,"SDGT",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- \r\n'
    second = _import(files=_sample_files(prim=prim), published_on=date(2026, 6, 16))

    assert sanctions_list_in_force(list_kind="sdn").pk == second.sanctions_list_id
    assert sanctions_list_in_force(list_kind="sdn", on=date(2026, 6, 15)).pk == first.sanctions_list_id
    assert sanctions_list_in_force(list_kind="sdn", on=date(2026, 6, 14)) is None
    assert sanctions_list_in_force(list_kind="non_sdn") is None
