"""Fuzzy matching of names against a sanctions list, set-based.

Names are normalised (accents removed through Unicode decomposition, case folded,
punctuation dropped, words sorted, so "SAMPLE, Ivan" and "ivan sample" are the same) and
compared with rapidfuzz: the larger of ``token_sort_ratio`` and, for names of two words or
more, ``token_set_ratio`` (a middle name missing on one side still matches).

Comparing every subject with every name would be 100,000 by 60,000 comparisons. A blocking
step first pairs a subject only with the names sharing a word, or the first four letters
of a word, with it (a join of two tables of keys, in pandas); words that a large share of
names contain ("al", "co", "ltd") are not used to pair on their own. The pairs are then
scored in one call (``process.cpdist`` over all pairs, on every core), the best name of
each entry kept, and the tie-breakers applied:

- date of birth: agreeing with one of the entry's dates at its precision (day, month or
  year) adds ``DOB_AGREES``; known on both sides and agreeing with none takes away
  ``DOB_CONTRADICTS`` (a near-exact name with another date of birth is then below the
  threshold: a namesake);
- country: the subject's country among the entry's nationalities, citizenships or
  address countries adds ``COUNTRY_AGREES``.

A pair is a possible match when its score reaches the threshold (``SCREENING_MATCH_THRESHOLD``).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from functools import cache

import numpy as np
import pycountry
from rapidfuzz import fuzz, process

DOB_AGREES = 8
DOB_CONTRADICTS = 25
COUNTRY_AGREES = 5
# A key shared by more than this share of all names (and more than COMMON_KEY_MIN of them)
# does not pair on its own: it would pair nearly everyone with nearly everything.
COMMON_KEY_SHARE = 0.02
COMMON_KEY_MIN = 200
PREFIX_LENGTH = 4

_NOT_WORD = re.compile(r"[^0-9a-z]+")
# Words that say what kind of organisation it is, not which one.
_NOISE = frozenset({"the", "of", "and", "co", "company", "ltd", "limited", "llc", "inc", "corp", "corporation", "sa", "gmbh", "jsc", "ooo", "pjsc", "llp", "plc"})  # fmt: skip


def normalise(name: str) -> str:
    """Lower case, no accents, no punctuation, words in alphabetical order."""
    decomposed = unicodedata.normalize("NFKD", name.casefold())
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    plain = plain.replace("ß", "ss").replace("ø", "o").replace("đ", "d").replace("ł", "l").replace("æ", "ae")
    words = [w for w in _NOT_WORD.split(plain) if w and w not in _NOISE]
    return " ".join(sorted(words))


def _keys(normalised: str) -> set[str]:
    keys = set()
    for word in normalised.split():
        if len(word) >= 2:
            keys.add(word)
        if len(word) > PREFIX_LENGTH:
            keys.add(word[:PREFIX_LENGTH] + "*")
    return keys


@dataclass(frozen=True)
class ListedEntry:
    entry_id: int
    key: str  # "sdn:<ent_num>": the entry across publications
    names: tuple[str, ...]
    birth_dates: tuple[tuple[date, str], ...] = ()
    countries: frozenset[str] = frozenset()  # ISO 3166-1 alpha-2


@dataclass(frozen=True)
class Subject:
    subject_id: int
    names: tuple[str, ...]
    country: str = ""
    date_of_birth: date | None = None


@dataclass(frozen=True)
class Match:
    subject_id: int
    entry_id: int
    entry_key: str
    score: int
    name_score: int
    subject_name: str
    matched_name: str
    date_of_birth: str  # screening.models.Evidence values
    country: str


@dataclass
class ListIndex:
    """The names of a list's entries, normalised, with their blocking keys."""

    entries: list[ListedEntry]
    names: list[str] = field(default_factory=list)  # normalised
    raw_names: list[str] = field(default_factory=list)
    name_entry: np.ndarray = field(default_factory=lambda: np.empty(0, dtype=np.int64))
    keys: object = None  # pandas.DataFrame of (key, name)
    name_array: np.ndarray = field(default_factory=lambda: np.empty(0, dtype=object))
    name_words: np.ndarray = field(default_factory=lambda: np.empty(0, dtype=np.int64))

    @classmethod
    def build(cls, entries: Sequence[ListedEntry]) -> ListIndex:
        import pandas as pd  # here, not at import: every process imports this module, few screen

        index = cls(entries=list(entries))
        owners = []
        for position, entry in enumerate(index.entries):
            seen = set()
            for raw in entry.names:
                norm = normalise(raw)
                if norm and norm not in seen:
                    seen.add(norm)
                    index.names.append(norm)
                    index.raw_names.append(raw)
                    owners.append(position)
        index.name_entry = np.asarray(owners, dtype=np.int64)
        index.name_array = np.asarray(index.names, dtype=object)
        index.name_words = np.asarray([n.count(" ") + 1 for n in index.names], dtype=np.int64)
        rows = [(key, i) for i, norm in enumerate(index.names) for key in _keys(norm)]
        keys = pd.DataFrame(rows, columns=["key", "name"]) if rows else pd.DataFrame({"key": [], "name": []})
        counts = keys["key"].value_counts()
        limit = max(COMMON_KEY_MIN, int(len(index.names) * COMMON_KEY_SHARE))
        common = set(counts[counts > limit].index)
        index.keys = keys[~keys["key"].isin(common)].astype({"name": np.int64})
        return index


def screen(index: ListIndex, subjects: Sequence[Subject], *, threshold: int) -> list[Match]:
    """The possible matches of ``subjects`` in ``index``, best first for each subject."""
    if not subjects or not index.names:
        return []
    import pandas as pd

    subject_rows, subject_names, subject_raw = [], [], []
    for position, subject in enumerate(subjects):
        for raw in dict.fromkeys(subject.names):
            norm = normalise(raw)
            if norm:
                subject_rows.append(position)
                subject_names.append(norm)
                subject_raw.append(raw)
    if not subject_names:
        return []
    wanted = pd.DataFrame(
        [(key, i) for i, norm in enumerate(subject_names) for key in _keys(norm)], columns=["key", "query"]
    )
    pairs = wanted.merge(index.keys, on="key")[["query", "name"]].drop_duplicates()
    if pairs.empty:
        return []
    queries = pairs["query"].to_numpy()
    names = pairs["name"].to_numpy()
    # Fancy indexing of object arrays: no Python loop over the (possibly millions of) pairs.
    left = np.asarray(subject_names, dtype=object)[queries]
    right = index.name_array[names]
    # Names are normalised already (sorted words): no processor needed.
    sort_scores = process.cpdist(left, right, scorer=fuzz.token_sort_ratio, workers=-1)
    set_scores = process.cpdist(left, right, scorer=fuzz.token_set_ratio, workers=-1)
    subject_words = np.fromiter((n.count(" ") + 1 for n in subject_names), np.int64, len(subject_names))
    multiword = (subject_words[queries] > 1) & (index.name_words[names] > 1)
    name_scores = np.where(multiword, np.maximum(sort_scores, set_scores), sort_scores)
    # Anything the tie-breakers could lift to the threshold is looked at; the rest is dropped here.
    keep = name_scores >= threshold - DOB_AGREES - COUNTRY_AGREES
    best: dict[tuple[int, int], Match] = {}
    for query, name, name_score in zip(queries[keep], names[keep], name_scores[keep], strict=True):
        subject = subjects[subject_rows[query]]
        entry = index.entries[int(index.name_entry[name])]
        dob = _dob_evidence(subject.date_of_birth, entry.birth_dates)
        country = Evidence_AGREES if subject.country and subject.country in entry.countries else Evidence_UNKNOWN
        score = float(name_score)
        score += DOB_AGREES if dob == Evidence_AGREES else -DOB_CONTRADICTS if dob == Evidence_CONTRADICTS else 0
        score += COUNTRY_AGREES if country == Evidence_AGREES else 0
        score = round(max(0.0, min(100.0, score)))
        if score < threshold:
            continue
        key = (subject.subject_id, entry.entry_id)
        if key not in best or score > best[key].score:
            best[key] = Match(
                subject_id=subject.subject_id,
                entry_id=entry.entry_id,
                entry_key=entry.key,
                score=score,
                name_score=round(float(name_score)),
                subject_name=subject_raw[query],
                matched_name=index.raw_names[name],
                date_of_birth=dob,
                country=country,
            )
    return sorted(best.values(), key=lambda m: (m.subject_id, -m.score, m.entry_id))


# The values of screening.models.Evidence, without importing Django's models here.
Evidence_AGREES = "agrees"
Evidence_CONTRADICTS = "contradicts"
Evidence_UNKNOWN = "unknown"


def _dob_evidence(born: date | None, listed: tuple[tuple[date, str], ...]) -> str:
    if born is None or not listed:
        return Evidence_UNKNOWN
    for day, precision in listed:
        if born.year != day.year:
            continue
        if precision == "year" or (born.month == day.month and (precision == "month" or born.day == day.day)):
            return Evidence_AGREES
    return Evidence_CONTRADICTS


@cache
def country_code(name: str) -> str:
    """ISO 3166-1 alpha-2 of a country as OFAC writes it ("Iran", "Korea, North"), or ""."""
    name = name.strip()
    if not name:
        return ""
    special = {"korea, north": "KP", "korea, south": "KR", "burma": "MM", "russia": "RU", "iran": "IR"}
    if name.casefold() in special:
        return special[name.casefold()]
    try:
        return pycountry.countries.lookup(name).alpha_2
    except LookupError:
        try:
            return pycountry.countries.search_fuzzy(name)[0].alpha_2
        except LookupError:
            return ""
