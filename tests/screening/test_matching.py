"""Fuzzy matching of names against a list: normalising, aliases, tie-breakers, blocking."""

from datetime import date

import pytest

from screening.matching import ListedEntry, ListIndex, Subject, country_code, normalise, screen

THRESHOLD = 88


def _index(*entries: ListedEntry) -> ListIndex:
    return ListIndex.build(entries)


IVAN = ListedEntry(
    entry_id=1,
    key="sdn:10001",
    names=("SAMPLE, Ivan Testovich", "SAMPLOV, Ivan"),
    birth_dates=((date(1970, 1, 1), "day"), (date(1971, 3, 1), "month"), (date(1972, 1, 1), "year")),
    countries=frozenset({"IR", "RU"}),
)
NAMESAKE_FREE = ListedEntry(entry_id=2, key="sdn:10005", names=("DOE, Jane",))


def _scores(subjects, *entries, threshold=THRESHOLD):
    return {
        (m.subject_id, m.entry_key): m for m in screen(_index(*(entries or (IVAN,))), subjects, threshold=threshold)
    }


def test_names_are_normalised_for_case_accents_punctuation_and_word_order():
    assert normalise("SAMPLE, Ivan Testovich") == normalise("ivan  testovich-sample") == "ivan sample testovich"
    assert normalise("Íván Sámplé") == "ivan sample"
    assert normalise("Müller-Lüdenscheidt, Jürgen") == "jurgen ludenscheidt muller"
    assert normalise("Example Trading Co. Ltd.") == "example trading"


@pytest.mark.parametrize(
    "name",
    ["Ivan Sample", "Ivan Testovich Sample", "SAMPLE Ivan", "Íván Sâmple", "Ivan Sampel Testovich", "Ivan Samplov"],
)
def test_accents_word_order_a_missing_middle_name_a_typo_and_aliases_match(name):
    [match] = screen(_index(IVAN), [Subject(subject_id=7, names=(name,))], threshold=THRESHOLD)
    assert match.entry_key == "sdn:10001" and match.score >= THRESHOLD
    assert match.subject_name == name


def test_other_names_of_the_subject_are_screened_too():
    [match] = screen(_index(IVAN), [Subject(7, ("Ada Example", "Ivan Samplov"))], threshold=THRESHOLD)
    assert (match.subject_name, match.matched_name) == ("Ivan Samplov", "SAMPLOV, Ivan")


def test_different_people_do_not_match():
    found = _scores([Subject(1, ("Ada Example",)), Subject(2, ("Ivana Simple",)), Subject(3, ("Ivan",))])
    assert found == {}


def test_a_date_of_birth_agreeing_at_the_entry_s_precision_raises_the_score():
    found = _scores(
        [
            Subject(1, ("Ivan Sample",), date_of_birth=date(1970, 1, 1)),  # the day
            Subject(2, ("Ivan Sample",), date_of_birth=date(1971, 3, 20)),  # the month
            Subject(3, ("Ivan Sample",), date_of_birth=date(1972, 11, 5)),  # the year
        ]
    )
    assert {found[(i, "sdn:10001")].date_of_birth for i in (1, 2, 3)} == {"agrees"}


def test_a_contradicting_date_of_birth_rules_a_namesake_out():
    subject = Subject(1, ("Ivan Sample",), date_of_birth=date(1985, 6, 1))
    assert _scores([subject]) == {}
    # Without a date of birth the same name is a possible match, to be looked at.
    [match] = screen(_index(IVAN), [Subject(1, ("Ivan Sample",))], threshold=THRESHOLD)
    assert match.date_of_birth == "unknown"


def test_country_breaks_a_tie_near_the_threshold():
    near = "Ivan Sampelo"  # two letters off: just under the threshold on the name alone
    entry = ListedEntry(entry_id=3, key="sdn:3", names=("SAMPLE, Ivan",), countries=frozenset({"IR"}))
    alone = screen(_index(entry), [Subject(1, (near,), country="DE")], threshold=THRESHOLD)
    with_country = screen(_index(entry), [Subject(1, (near,), country="IR")], threshold=THRESHOLD)
    assert alone == []
    assert [(m.country, m.name_score < THRESHOLD <= m.score) for m in with_country] == [("agrees", True)]


def test_a_higher_threshold_matches_less():
    subject = [Subject(1, ("Ivan Sampel Testovich",))]
    assert _scores(subject, threshold=80)
    assert not _scores(subject, threshold=100)


def test_blocking_does_not_pair_on_words_most_names_share_but_still_finds_the_rare_one():
    # 1,000 entries called "Ali something": "ali" alone pairs nobody with them all.
    crowd = [ListedEntry(entry_id=100 + i, key=f"sdn:{100 + i}", names=(f"ALI, Name{i:04d}x",)) for i in range(1000)]
    target = ListedEntry(entry_id=5, key="sdn:5", names=("ALI, Zubeyde Karimova",))
    index = _index(*crowd, target)
    assert "ali" not in set(index.keys["key"])
    [match] = screen(index, [Subject(1, ("Zubeyde Karimova Ali",))], threshold=THRESHOLD)
    assert match.entry_key == "sdn:5"


def test_ofac_country_names_become_iso_codes():
    assert [country_code(n) for n in ("Iran", "Russia", "Korea, North", "United Arab Emirates", "")] == [
        "IR",
        "RU",
        "KP",
        "AE",
        "",
    ]
