"""Sanctions screening at scale: 100,000 subjects against a list of 20,000 entries.

Generates an SDN-format list of 20,000 invented entries (nine in ten individuals with two
aliases, a date of birth for seven in ten and a nationality; one in ten entities), from
200 given names and 2,000 surnames so that common words are shared by hundreds of names as
on the real list, and imports it (once; the same files import nothing the second time).
Generates 100,000 expert subjects with invented names (once), one in a hundred a listed
name with a typo, a word order changed or an accent added. Then times:

- building the index of the list's individuals (``screening.services.subjects.list_index``:
  reading entries, aliases, dates of birth and countries, normalising and keying names);
- the matching alone (``screening.matching.screen``: the blocking join, ``cpdist`` over the
  candidate pairs, the tie-breakers);
- the whole service (``screening_subjects_screen`` for all subjects: the matching, 100,000
  records and their matches written, reviews opened and audited), in a transaction rolled
  back at the end, so a second run measures the same work.

The generated list and subjects are deleted at the end, so that they are never in force
for the other benchmarks (a payout batch screens its experts against the list in force).

    make bench                          # or:
    .venv/bin/python bench/sanctions.py --entries 20000 --subjects 100000
"""

import argparse
import random
import time
from datetime import date

import _django

GIVEN = [
    "Ali", "Mohammed", "Ivan", "Olga", "Hassan", "Fatima", "Sergei", "Elena", "Ahmad", "Maria", "Juan", "Li", "Wei",
    "Kim", "Omar", "Nadia", "Pavel", "Irina", "Yusuf", "Aisha",
]  # fmt: skip
PREFIX = "Screenbench"


def _words(rng: random.Random, n: int, length: tuple[int, int]) -> list[str]:
    letters = "abcdefghijklmnoprstuvyz"
    vowels = "aeiou"
    out = set()
    while len(out) < n:
        k = rng.randint(*length)
        out.add("".join(rng.choice(vowels if i % 2 else letters) for i in range(k)).capitalize())
    return sorted(out)


def generate_list(entries: int, seed: int = 7) -> tuple[bytes, bytes, list[str]]:
    rng = random.Random(seed)
    given = GIVEN + _words(rng, 180, (4, 7))
    surnames = _words(rng, 2000, (5, 9))
    prim, alt, names = [], [], []
    alt_num = 1
    for ent in range(1, entries + 1):
        if ent % 10 == 0:
            name = f"{rng.choice(surnames).upper()} {rng.choice(['TRADING', 'SHIPPING', 'BANK', 'HOLDING'])} LLC"
            prim.append(f'{ent},"{name}",-0- ,"SDGT",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ')
            continue
        last, first, middle = rng.choice(surnames), rng.choice(given), rng.choice(given)
        name = f"{last.upper()}, {first} {middle}"
        names.append(f"{first} {last}")
        remarks = []
        if rng.random() < 0.7:
            remarks.append(f"DOB {rng.randint(1, 28):02d} Mar {rng.randint(1940, 2000)}")
        remarks.append(f"nationality {rng.choice(['Iran', 'Russia', 'Syria', 'Venezuela', 'China'])}")
        prim.append(f'{ent},"{name}","individual","SDGT",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,"{"; ".join(remarks)}."')
        for _ in range(2):
            alt.append(f'{ent},{alt_num},"aka","{rng.choice(surnames).upper()}, {first}",-0- ')
            alt_num += 1
    return ("\n".join(prim) + "\n").encode(), ("\n".join(alt) + "\n").encode(), names


def variant(rng: random.Random, name: str) -> str:
    first, last = name.split(" ", 1)
    kind = rng.randrange(3)
    if kind == 0:
        i = rng.randrange(1, len(last) - 1)
        return f"{first} {last[:i]}{last[i + 1]}{last[i]}{last[i + 2 :]}"
    if kind == 1:
        return f"{last} {first}"
    return f"{first.replace('a', 'á', 1)} {last}"


# Bench subjects carry ids no expert or lab has.
FIRST_REF_ID = 10**12


def create_subjects(n: int, listed: list[str]) -> list[int]:
    from screening.models import ScreeningSubject

    rng = random.Random(11)
    given = _words(rng, 400, (4, 7))
    surnames = _words(rng, 5000, (5, 9))
    rows = []
    for i in range(n):
        name = variant(rng, rng.choice(listed)) if i % 100 == 0 else f"{rng.choice(given)} {rng.choice(surnames)}"
        country = rng.choice(["US", "DE", "IN", "BR"])
        rows.append(ScreeningSubject(kind="expert", ref_id=FIRST_REF_ID + i, name=name, country=country))
    started = time.perf_counter()
    ScreeningSubject.objects.bulk_create(rows, batch_size=5000)
    print(f"generated {n:,} subjects in {time.perf_counter() - started:.1f} s")
    return [s.pk for s in rows]


def clean_up(list_id: int | None) -> None:
    """The generated list and subjects go (nothing that is kept refers to them: the
    screening's records were rolled back)."""
    from django.db import transaction

    from screening.models import (
        SanctionsAddress,
        SanctionsAlias,
        SanctionsBirthDate,
        SanctionsEntry,
        SanctionsList,
        ScreeningSubject,
    )

    with transaction.atomic():
        ScreeningSubject.objects.filter(ref_id__gte=FIRST_REF_ID).delete()
        if list_id is not None:
            for model in (SanctionsAddress, SanctionsAlias, SanctionsBirthDate):
                model.objects.filter(entry__sanctions_list_id=list_id).delete()
            SanctionsEntry.objects.filter(sanctions_list_id=list_id).delete()
            SanctionsList.objects.filter(pk=list_id).delete()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entries", type=int, default=_django.size(20_000, 500))
    parser.add_argument("--subjects", type=int, default=_django.size(100_000, 2_000))
    args = parser.parse_args()
    _django.setup()

    from screening.services import SanctionsFiles, sanctions_list_import

    prim, alt, listed = generate_list(args.entries)
    clean_up(None)
    result = sanctions_list_import(
        actor=None,
        list_kind="sdn",
        files=SanctionsFiles(prim=prim, alt=alt),
        # Today, so that it is the publication in force (the last imported of the day).
        published_on=date.today(),
        source=f"{PREFIX} {args.entries}",
    )
    try:
        measure(args, result, create_subjects(args.subjects, listed))
    finally:
        clean_up(result.sanctions_list_id)


def measure(args, result, subject_ids: list[int]) -> None:
    from django.conf import settings
    from django.db import transaction

    from screening.matching import Subject, screen
    from screening.models import ScreeningSubject
    from screening.services.subjects import _INDEX_CACHE, list_index, screening_subjects_screen

    _INDEX_CACHE.clear()
    started = time.perf_counter()
    index = list_index(sdn_id=result.sanctions_list_id, non_sdn_id=None, entry_type="individual")
    built = time.perf_counter() - started
    subjects = [
        Subject(subject_id=pk, names=(name,), country=country)
        for pk, name, country in ScreeningSubject.objects.filter(pk__in=subject_ids).values_list(
            "pk", "name", "country"
        )
    ]
    started = time.perf_counter()
    matches = screen(index, subjects, threshold=settings.SCREENING_MATCH_THRESHOLD)
    matched = time.perf_counter() - started
    print(
        f"list: {args.entries:,} entries, {len(index.names):,} individual names and aliases, "
        f"{len(index.keys):,} blocking keys; subjects: {len(subjects):,} ({len(subjects) // 100:,} planted)"
    )
    print(f"index built from the database: {built:.2f} s")
    print(
        f"matching alone: {matched:.2f} s, {len(matches):,} possible matches for {len({m.subject_id for m in matches}):,} subjects"
    )

    class Rollback(Exception):
        pass

    started = time.perf_counter()
    try:
        with transaction.atomic():
            run = screening_subjects_screen(
                actor=None, subject_ids=subject_ids, reason="manual", on=result.published_on
            )
            whole = time.perf_counter() - started
            raise Rollback
    except Rollback:
        pass
    print(
        f"whole service (records, matches, reviews, audit; rolled back): {whole:.2f} s, "
        f"{run.screened:,} screened, {run.reviews_opened:,} reviews opened"
    )


if __name__ == "__main__":
    main()
