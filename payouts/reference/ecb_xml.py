"""The European Central Bank's euro reference rates, read from the XML files it publishes.

The daily file (``eurofxref-daily.xml``), the last 90 days (``eurofxref-hist-90d.xml``)
and the whole history since 1999 (``eurofxref-hist.xml``) share one format: a
``gesmes:Envelope`` holding ``Cube/Cube[@time]/Cube[@currency][@rate]``, each rate in
units of the currency per one euro.

Parsed with lxml rather than the standard library's ElementTree: lxml lets the parser
itself be told never to expand an entity, load a DTD or touch the network
(``resolve_entities=False``, ``load_dtd=False``, ``no_network=True``) and keeps libxml2's
limits on huge documents on (``huge_tree=False``), where ElementTree expands internal
entities as it parses and offers no switch to stop it. A file from the network is
untrusted input all the same: its size is bounded before it is parsed, and a file that
declares a DTD at all is refused, since the ECB's files never do.

Every rule a file breaks is reported as ``EcbFileInvalid`` with one line saying what and
where; nothing of such a file is used.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

import pycountry
from lxml import etree

from config.errors import ApplicationError

GESMES_NS = "http://www.gesmes.org/xml/2002-08-01"
EUROFXREF_NS = "http://www.ecb.int/vocabulary/2002-08-01/eurofxref"
_ENVELOPE = f"{{{GESMES_NS}}}Envelope"
_CUBE = f"{{{EUROFXREF_NS}}}Cube"
_DOCTYPE = b"<!DOCTYPE"
_DTD_REFUSED = "the file declares a DTD; reference-rate files never do, and entities are refused"

# The first day the ECB published reference rates.
FIRST_PUBLICATION = date(1999, 1, 4)
# A rate outside these bounds (units of a currency per euro) is a broken file, not a
# market: the smallest ever published is about 0.4 (the Maltese lira), the largest about
# 2,000,000 (the Turkish lira before its 2005 redenomination).
RATE_MIN = Decimal("0.0001")
RATE_MAX = Decimal("100000000")
# A published rate: digits with an optional fraction of at most the 10 places an FX rate
# keeps (payouts.money.FX_RATE_PLACES), nothing else (no sign, exponent, NaN).
_RATE = re.compile(r"[0-9]{1,12}(\.[0-9]{1,10})?")
# Currencies the ECB published that ISO 4217 has since withdrawn (they joined the euro or
# were redenominated); the historical file still holds them.
_WITHDRAWN_CURRENCIES = {"BGN", "CYP", "EEK", "GRD", "HRK", "LTL", "LVL", "MTL", "ROL", "SIT", "SKK", "TRL"}


class EcbFileInvalid(ApplicationError):
    def __init__(self, message: str):
        super().__init__(message, code="ecb_file_invalid")


@dataclass(frozen=True)
class EcbDay:
    """One publication day: units of each currency per one euro."""

    day: date
    rates: dict[str, Decimal]


@functools.cache
def known_currency(code: str) -> bool:
    return code in _WITHDRAWN_CURRENCIES or pycountry.currencies.get(alpha_3=code) is not None


def _parser() -> etree.XMLParser:
    return etree.XMLParser(
        resolve_entities=False,
        load_dtd=False,
        no_network=True,
        huge_tree=False,
        dtd_validation=False,
        remove_comments=True,
        remove_pis=True,
    )


def _line(message: str) -> str:
    return " ".join(str(message).split())


def parse_ecb_xml(content: bytes, *, max_bytes: int, latest_day: date) -> list[EcbDay]:
    """The days of an ECB reference-rate file, oldest first; ``EcbFileInvalid`` for any fault.

    ``latest_day`` is the last publication date believable now (a file dated later is
    refused); ``max_bytes`` the largest file read at all.
    """
    if len(content) > max_bytes:
        raise EcbFileInvalid(f"the file is larger than {max_bytes} bytes")
    if not content.strip():
        raise EcbFileInvalid("the file is empty")
    # Refused before libxml2 reads a declaration (a DTD is where entity bombs and external
    # entities live); the check after parsing also catches a DTD hidden by another encoding.
    if _DOCTYPE in content:
        raise EcbFileInvalid(_DTD_REFUSED)
    try:
        root = etree.fromstring(content, parser=_parser())
    except etree.XMLSyntaxError as exc:
        raise EcbFileInvalid(f"the file is not well-formed XML: {_line(exc)}") from None
    tree = root.getroottree()
    if tree.docinfo.doctype or tree.docinfo.internalDTD is not None:
        raise EcbFileInvalid(_DTD_REFUSED)
    if root.tag != _ENVELOPE:
        raise EcbFileInvalid(f"the root element is {_qualified(root.tag)}, not gesmes:Envelope ({GESMES_NS})")
    outer = [child for child in root if child.tag == _CUBE]
    if len(outer) != 1:
        raise EcbFileInvalid(f"the envelope holds {len(outer)} Cube elements of {EUROFXREF_NS}, not one")

    days: dict[date, EcbDay] = {}
    for element in outer[0]:
        day = _day(element, latest_day=latest_day)
        if day in days:
            raise EcbFileInvalid(f"the day {day} appears twice")
        days[day] = EcbDay(day=day, rates=_rates(element, day))
    if not days:
        raise EcbFileInvalid("the file holds no publication day")
    return [days[day] for day in sorted(days)]


def _qualified(tag) -> str:
    if not isinstance(tag, str):
        return "a non-element node"
    name = etree.QName(tag)
    return f"{name.localname} ({name.namespace})" if name.namespace else f"{name.localname} (no namespace)"


def _day(element, *, latest_day: date) -> date:
    if element.tag != _CUBE:
        raise EcbFileInvalid(f"unexpected element {_qualified(element.tag)} among the days")
    value = element.get("time")
    if value is None:
        raise EcbFileInvalid("a day's Cube has no time attribute")
    try:
        day = date.fromisoformat(value)
    except ValueError:
        raise EcbFileInvalid(f"the day {value[:40]!r} is not a date (YYYY-MM-DD)") from None
    if len(value) != 10:
        raise EcbFileInvalid(f"the day {value[:40]!r} is not a date (YYYY-MM-DD)")
    if not FIRST_PUBLICATION <= day <= latest_day:
        raise EcbFileInvalid(f"the day {day} is outside {FIRST_PUBLICATION} to {latest_day}")
    return day


def _rates(element, day: date) -> dict[str, Decimal]:
    rates: dict[str, Decimal] = {}
    for cube in element:
        if cube.tag != _CUBE:
            raise EcbFileInvalid(f"unexpected element {_qualified(cube.tag)} on {day}")
        code, value = cube.get("currency"), cube.get("rate")
        if code is None or value is None:
            raise EcbFileInvalid(f"a rate on {day} lacks its currency or rate attribute")
        if not (len(code) == 3 and code.isascii() and code.isalpha() and code.isupper()) or not known_currency(code):
            raise EcbFileInvalid(f"unknown currency code {code[:20]!r} on {day}")
        if code == "EUR":
            raise EcbFileInvalid(f"a rate for EUR itself on {day}")
        if code in rates:
            raise EcbFileInvalid(f"{code} appears twice on {day}")
        if not _RATE.fullmatch(value):
            raise EcbFileInvalid(f"the rate {value[:40]!r} for {code} on {day} is not a positive decimal number")
        rate = Decimal(value)
        if not RATE_MIN <= rate <= RATE_MAX:
            raise EcbFileInvalid(f"the rate {value} for {code} on {day} is outside {RATE_MIN} to {RATE_MAX} per euro")
        rates[code] = rate
    if not rates:
        raise EcbFileInvalid(f"the day {day} has no rates")
    return rates
