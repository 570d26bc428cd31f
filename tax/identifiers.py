"""Taxpayer identification numbers: checked, explained in plain words, and reduced to one form.

US numbers (SSN, EIN, ITIN) and the foreign numbers of the countries in ``FOREIGN_TINS``
are checked with python-stdnum, check digit included; a country it does not know is
accepted in a bounded free format (letters, digits and the usual separators), and the form
says that it could not be checked. Every number is compacted (separators removed,
upper case) before it is encrypted and fingerprinted, so "123-45-6789" and "123456789"
are the same identifier.
"""

from __future__ import annotations

import importlib
import re
from dataclasses import dataclass
from types import ModuleType

from stdnum import exceptions as stdnum_errors
from stdnum.eu import vat as eu_vat
from stdnum.us import ein, itin, ssn

from .models import TinKind

# The identifier a country issues its residents for tax, by ISO 3166-1 alpha-2 code:
# (python-stdnum module, what people call it).
FOREIGN_TINS: dict[str, tuple[str, str]] = {
    "AR": ("stdnum.ar.cuit", "Argentine tax ID (CUIT)"),
    "AT": ("stdnum.at.tin", "Austrian tax number (Abgabenkontonummer)"),
    "AU": ("stdnum.au.tfn", "Australian tax file number (TFN)"),
    "BE": ("stdnum.be.nn", "Belgian national number"),
    "BR": ("stdnum.br.cpf", "Brazilian CPF"),
    "CA": ("stdnum.ca.sin", "Canadian social insurance number (SIN)"),
    "CH": ("stdnum.ch.ssn", "Swiss social security number (AHV)"),
    "CL": ("stdnum.cl.rut", "Chilean RUT"),
    "CN": ("stdnum.cn.ric", "Chinese resident identity card number"),
    "CO": ("stdnum.co.nit", "Colombian tax ID (NIT)"),
    "CZ": ("stdnum.cz.rc", "Czech birth number (rodné číslo)"),
    "DE": ("stdnum.de.idnr", "German tax ID (Steuer-ID)"),
    "DK": ("stdnum.dk.cpr", "Danish CPR number"),
    "EE": ("stdnum.ee.ik", "Estonian personal code (isikukood)"),
    "ES": ("stdnum.es.nif", "Spanish tax ID (NIF)"),
    "FI": ("stdnum.fi.hetu", "Finnish personal identity code (HETU)"),
    "FR": ("stdnum.fr.nif", "French tax number (numéro fiscal)"),
    "GB": ("stdnum.gb.utr", "UK Unique Taxpayer Reference (UTR)"),
    "HR": ("stdnum.hr.oib", "Croatian personal ID (OIB)"),
    "IE": ("stdnum.ie.pps", "Irish PPS number"),
    "IN": ("stdnum.in_.pan", "Indian PAN"),
    "IT": ("stdnum.it.codicefiscale", "Italian fiscal code (codice fiscale)"),
    "KE": ("stdnum.ke.pin", "Kenyan KRA PIN"),
    "MX": ("stdnum.mx.rfc", "Mexican tax ID (RFC)"),
    "NL": ("stdnum.nl.bsn", "Dutch citizen service number (BSN)"),
    "NO": ("stdnum.no.fodselsnummer", "Norwegian national identity number (fødselsnummer)"),
    "NZ": ("stdnum.nz.ird", "New Zealand IRD number"),
    "PL": ("stdnum.pl.pesel", "Polish PESEL"),
    "PT": ("stdnum.pt.nif", "Portuguese tax number (NIF)"),
    "RO": ("stdnum.ro.cnp", "Romanian personal numeric code (CNP)"),
    "SE": ("stdnum.se.personnummer", "Swedish personal identity number (personnummer)"),
    "TR": ("stdnum.tr.tckimlik", "Turkish identity number (T.C. Kimlik No.)"),
    "ZA": ("stdnum.za.tin", "South African tax reference number"),
}

US_TINS: dict[str, tuple[ModuleType, str]] = {
    TinKind.SSN: (ssn, "US Social Security number"),
    TinKind.EIN: (ein, "US employer identification number (EIN)"),
    TinKind.ITIN: (itin, "US individual taxpayer identification number (ITIN)"),
}

# What a number stdnum cannot check may look like: letters, digits, spaces and . - / separators.
FREE_FORMAT = re.compile(r"^[A-Za-z0-9][A-Za-z0-9 ./-]{2,38}[A-Za-z0-9]$")
FREE_FORMAT_NOTE = (
    "We could not check this number's format for {country}; make sure it is exactly as your tax authority writes it."
)

_WHY = {
    stdnum_errors.InvalidChecksum: "its check digit does not match",
    stdnum_errors.InvalidLength: "it has the wrong number of characters",
    stdnum_errors.InvalidFormat: "it contains characters or a layout that do not belong in it",
    stdnum_errors.InvalidComponent: "part of it is never issued",
}


class InvalidIdentifier(ValueError):
    """A number that is not what it claims to be; ``message`` is a sentence for the person who typed it."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class Identifier:
    """A checked identifier in its compact form, with what it is called and any note for the signer."""

    compact: str
    country: str
    label: str
    checked: bool
    note: str = ""

    @property
    def last4(self) -> str:
        return self.compact[-4:]


def _explain(error: stdnum_errors.ValidationError, label: str) -> str:
    for kind, why in _WHY.items():
        if isinstance(error, kind):
            return f"This is not a valid {label}: {why}."
    return f"This is not a valid {label}."


def _checked(module: ModuleType, value: str, *, country: str, label: str) -> Identifier:
    try:
        compact = module.validate(value)
    except stdnum_errors.ValidationError as error:
        raise InvalidIdentifier(_explain(error, label)) from None
    return Identifier(compact=str(compact).upper(), country=country, label=label, checked=True)


def us_tin_validate(value: str, *, kind: str) -> Identifier:
    """An SSN, EIN or ITIN, checked (an SSN such as 000-12-3456 is never issued and is refused)."""
    if kind not in US_TINS:
        raise InvalidIdentifier("Choose whether this is an SSN, an EIN or an ITIN.")
    module, label = US_TINS[kind]
    return _checked(module, value.strip(), country="US", label=label)


def foreign_tin_label(country: str) -> str:
    entry = FOREIGN_TINS.get(country.upper())
    return entry[1] if entry else f"tax identification number of {country.upper()}"


def foreign_tin_validate(value: str, *, country: str) -> Identifier:
    """The tax identifier ``country`` issued, checked where python-stdnum knows the country's number."""
    country = country.upper()
    value = value.strip()
    entry = FOREIGN_TINS.get(country)
    if entry is not None:
        module = importlib.import_module(entry[0])
        return _checked(module, value, country=country, label=entry[1])
    if not FREE_FORMAT.match(value):
        raise InvalidIdentifier(
            "Enter the number as your tax authority writes it: 4 to 40 letters and digits, "
            "with spaces, dots, dashes or slashes between them if it has any."
        )
    compact = re.sub(r"[ ./-]", "", value).upper()
    return Identifier(
        compact=compact,
        country=country,
        label=foreign_tin_label(country),
        checked=False,
        note=FREE_FORMAT_NOTE.format(country=country),
    )


def vat_number_validate(value: str) -> str:
    """An EU VAT number (with its country prefix), compacted; refused with a sentence if it is not one."""
    try:
        return eu_vat.validate(value.strip())
    except stdnum_errors.ValidationError as error:
        raise InvalidIdentifier(_explain(error, "EU VAT number (it starts with the country's two letters)")) from None


def tin_masked(*, kind: str, last4: str) -> str:
    """How an identifier is shown: only its last four characters."""
    if not last4:
        return ""
    if kind == TinKind.SSN or kind == TinKind.ITIN:
        return f"•••-••-{last4}"
    if kind == TinKind.EIN:
        return f"••-•••{last4}"
    return f"••••{last4}"
