"""Importing a publication of one of OFAC's sanctions lists.

One import is one transaction with one audit event. The same files (by SHA-256) import
nothing the second time; a new publication is a new ``SanctionsList`` with its own rows,
and earlier publications stay as they were (see ``screening.models``).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from audit.services import audit_record
from config.errors import ApplicationError

from ..models import (
    ListKind,
    SanctionsAddress,
    SanctionsAlias,
    SanctionsBirthDate,
    SanctionsEntry,
    SanctionsList,
)
from ..ofac_csv import Entry, parse_ofac_files
from .subjects import screening_rescreen_task

# Serialises imports, so that the schedule and a command never race for the same files.
_IMPORT_LOCK_KEY = 0x5344_4E5F_494D  # "SDN_IM"
_BATCH_SIZE = 2000


@dataclass(frozen=True)
class SanctionsFiles:
    prim: bytes
    add: bytes | None = None
    alt: bytes | None = None

    def sha256(self) -> str:
        return ":".join(hashlib.sha256(f).hexdigest() if f is not None else "" for f in (self.prim, self.add, self.alt))


@dataclass(frozen=True)
class SanctionsImport:
    list_kind: str
    published_on: date
    source: str
    created: bool
    entries: int
    aliases: int
    addresses: int
    sanctions_list_id: int | None

    def summary(self) -> dict:
        return {
            "list_kind": self.list_kind,
            "published_on": self.published_on.isoformat(),
            "source": self.source,
            "created": self.created,
            "entries": self.entries,
            "aliases": self.aliases,
            "addresses": self.addresses,
        }


def sanctions_files_parse(*, files: SanctionsFiles) -> list[Entry]:
    """The entries of ``files``; raises ``SanctionsFileInvalid`` for any fault."""
    return parse_ofac_files(prim=files.prim, add=files.add, alt=files.alt, max_bytes=settings.SANCTIONS_MAX_FILE_BYTES)


def sanctions_list_import(
    *, actor, list_kind: str, files: SanctionsFiles, published_on: date, source: str
) -> SanctionsImport:
    """Store one publication of a list (see the module's docstring).

    A file with any fault raises ``SanctionsFileInvalid`` (one line) having written nothing.
    """
    if list_kind not in ListKind.values:
        raise ApplicationError(f"unknown list {list_kind!r}; use one of {', '.join(ListKind.values)}")
    entries = sanctions_files_parse(files=files)
    digest = files.sha256()
    source = source[:500]
    with transaction.atomic(durable=True):
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_IMPORT_LOCK_KEY])
        existing = SanctionsList.objects.filter(list_kind=list_kind, files_sha256=digest).first()
        if existing is not None:
            return SanctionsImport(
                list_kind=list_kind,
                published_on=existing.published_on,
                source=existing.source,
                created=False,
                entries=existing.entries_count,
                aliases=existing.aliases_count,
                addresses=existing.addresses_count,
                sanctions_list_id=existing.pk,
            )
        publication = SanctionsList.objects.create(
            list_kind=list_kind,
            published_on=published_on,
            source=source,
            files_sha256=digest,
            imported_at=timezone.now(),
            entries_count=len(entries),
            aliases_count=sum(len(e.aliases) for e in entries),
            addresses_count=sum(len(e.addresses) for e in entries),
        )
        _store_entries(publication=publication, entries=entries)
        result = SanctionsImport(
            list_kind=list_kind,
            published_on=published_on,
            source=source,
            created=True,
            entries=publication.entries_count,
            aliases=publication.aliases_count,
            addresses=publication.addresses_count,
            sanctions_list_id=publication.pk,
        )
        audit_record(
            actor=actor, action="screening.sanctions_list.imported", target=publication, after=result.summary()
        )
        # Everyone is screened again against the new publication, once it is committed.
        transaction.on_commit(screening_rescreen_task.delay, robust=True)
    return result


def sanctions_list_import_failed(*, actor, list_kind: str, source: str, reason: str) -> None:
    """Audit an import that wrote nothing: a download that failed, or a file refused."""
    with transaction.atomic():
        audit_record(
            actor=actor,
            action="screening.sanctions_list.import_failed",
            after={"list_kind": list_kind, "source": source[:500]},
            reason=reason[:500],
        )


def _store_entries(*, publication: SanctionsList, entries: list[Entry]) -> None:
    for start in range(0, len(entries), _BATCH_SIZE):
        batch = entries[start : start + _BATCH_SIZE]
        rows = SanctionsEntry.objects.bulk_create(
            SanctionsEntry(
                sanctions_list=publication,
                ent_num=e.ent_num,
                name=e.name,
                entry_type=e.entry_type,
                programs=e.programs,
                title=e.title,
                remarks=e.remarks,
                countries=e.countries,
            )
            for e in batch
        )
        SanctionsBirthDate.objects.bulk_create(
            SanctionsBirthDate(entry=row, born_on=b.born_on, precision=b.precision)
            for row, e in zip(rows, batch, strict=True)
            for b in e.birth_dates
        )
        SanctionsAlias.objects.bulk_create(
            SanctionsAlias(entry=row, alt_num=a.alt_num, alias_type=a.alias_type, name=a.name, remarks=a.remarks)
            for row, e in zip(rows, batch, strict=True)
            for a in e.aliases
        )
        SanctionsAddress.objects.bulk_create(
            SanctionsAddress(
                entry=row,
                add_num=a.add_num,
                address=a.address,
                city_state_postal=a.city_state_postal,
                country=a.country,
                remarks=a.remarks,
            )
            for row, e in zip(rows, batch, strict=True)
            for a in e.addresses
        )
