"""Countries and regions under comprehensive US sanctions: nobody there signs up or is paid.

Reference data with its source and the days it is in force. ``code`` is an ISO 3166-1
country or an ISO 3166-2 subdivision. As of late 2026:

- Cuba: Cuban Assets Control Regulations, 31 CFR part 515 (since 1963).
- Iran: Iranian Transactions and Sanctions Regulations, 31 CFR part 560.
- North Korea: North Korea Sanctions Regulations, 31 CFR part 510.
- Crimea (UA-43 Autonomous Republic of Crimea, UA-40 Sevastopol), and the so-called
  Donetsk (UA-14) and Luhansk (UA-09) People's Republics: Executive Orders 13685 (2014)
  and 14065 (21 February 2022).
- Syria is no longer listed: its comprehensive program (31 CFR part 542) was lifted by
  Executive Order 14312 of 30 June 2025, in force from 1 July 2025. Its row stays, ended,
  so that a decision made before then can still be explained.

Changing this list is a code change, reviewed and deployed like any other; it is read on
sign-up, on a change of country, and before every payout.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date


@dataclass(frozen=True)
class SanctionedPlace:
    code: str
    name: str
    program: str
    source: str
    effective_from: date
    effective_to: date | None = None  # the last day it applied; None while it still does

    def in_force(self, on: date) -> bool:
        return self.effective_from <= on and (self.effective_to is None or on <= self.effective_to)


SANCTIONED_PLACES: tuple[SanctionedPlace, ...] = (
    SanctionedPlace("CU", "Cuba", "CACR", "31 CFR part 515", date(1963, 7, 8)),
    SanctionedPlace("IR", "Iran", "ITSR", "31 CFR part 560", date(1995, 5, 6)),
    SanctionedPlace("KP", "North Korea", "NKSR", "31 CFR part 510; Executive Order 13722", date(2016, 3, 15)),
    SanctionedPlace("UA-43", "Crimea", "UKRAINE-EO13685", "Executive Order 13685", date(2014, 12, 19)),
    SanctionedPlace("UA-40", "Sevastopol", "UKRAINE-EO13685", "Executive Order 13685", date(2014, 12, 19)),
    SanctionedPlace(
        "UA-14", "so-called Donetsk People's Republic", "RUSSIA-EO14065", "Executive Order 14065", date(2022, 2, 21)
    ),
    SanctionedPlace(
        "UA-09", "so-called Luhansk People's Republic", "RUSSIA-EO14065", "Executive Order 14065", date(2022, 2, 21)
    ),
    # Lifted by Executive Order 14312 of 30 June 2025 (Providing for the Revocation of Syria Sanctions).
    SanctionedPlace(
        "SY", "Syria", "SySR", "31 CFR part 542; lifted by Executive Order 14312", date(2004, 5, 11), date(2025, 6, 30)
    ),
)


def sanctioned_place(*, country: str, subdivision: str = "", on: date) -> SanctionedPlace | None:
    """The comprehensive sanction that covers a country or one of its subdivisions on ``on``."""
    for place in SANCTIONED_PLACES:
        if place.in_force(on) and place.code in {country, subdivision}:
            return place
    return None


def sanctioned_codes(*, on: date) -> tuple[set[str], set[str]]:
    """The countries and the subdivisions under comprehensive sanctions on ``on``."""
    codes = [p.code for p in SANCTIONED_PLACES if p.in_force(on)]
    return {c for c in codes if "-" not in c}, {c for c in codes if "-" in c}
