"""The OECD DPI XML message (``DPI_OECD``, schema v1.0) from plain data, and its validation.

Built from dataclasses so that the shape of the file is tested apart from the database.
Amounts arrive in minor units and are written in whole units of their currency (the
schema's ``MonAmnt_Type`` is an integer), rounded half up by ``payouts.money``.

Nothing is written that does not validate: ``dpi_message_xml`` checks what the schema
cannot (a seller without a TIN needs a place of birth) and then the schema itself, read
from ``settings.DPI_SCHEMA_DIR``, and raises ``DpiInvalid`` with every error found.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from functools import lru_cache
from pathlib import Path

from django.conf import settings
from lxml import etree

from config.errors import ApplicationError
from payouts.money import MoneyError, from_minor, round_minor

NS = "urn:oecd:ties:dpi:v1"
STF = "urn:oecd:ties:dpistf:v1"
ISO = "urn:oecd:ties:isodpitypes:v1"
NSMAP = {"dpi": NS, "stf": STF, "iso": ISO}
SCHEMA_FILE = "DPIXML_v1.0.xsd"


class MessageTypeIndic:
    NEW = "DPI401"
    CORRECTION = "DPI402"
    NOTHING_TO_REPORT = "DPI403"


class DocTypeIndic:
    RESENT = "OECD0"
    NEW = "OECD1"
    CORRECTED = "OECD2"
    DELETED = "OECD3"


class DpiInvalid(ApplicationError):
    def __init__(self, errors: list[str]):
        self.errors = errors
        super().__init__(
            "The DPI file does not validate and was not written: " + "; ".join(errors[:5]), code="dpi_invalid"
        )


@dataclass(frozen=True)
class DpiAddress:
    country_code: str
    city: str
    street: str = ""
    building: str = ""
    post_code: str = ""
    region: str = ""


@dataclass(frozen=True)
class DpiOperator:
    name: str
    tin: str
    res_country: str
    address: DpiAddress
    doc_ref_id: str
    doc_type: str = DocTypeIndic.NEW


@dataclass(frozen=True)
class DpiSeller:
    doc_ref_id: str
    first_name: str
    last_name: str
    res_country: str
    address: DpiAddress
    birth_date: date | None
    currency: str
    consideration_minor: tuple[int, int, int, int]
    activities: tuple[int, int, int, int]
    fees_minor: tuple[int, int, int, int]
    taxes_minor: tuple[int, int, int, int] = (0, 0, 0, 0)
    tin: str = ""
    tin_issued_by: str = ""
    birth_city: str = ""
    birth_country: str = ""
    vat: str = ""
    financial_identifier: str = ""
    doc_type: str = DocTypeIndic.NEW
    corr_doc_ref_id: str = ""


@dataclass(frozen=True)
class DpiMessage:
    message_ref_id: str
    message_type_indic: str
    transmitting_country: str
    receiving_country: str
    year: int
    timestamp: datetime
    operator: DpiOperator
    sellers: list[DpiSeller] = field(default_factory=list)
    sending_entity_in: str = ""


def _el(parent, tag: str, text: str | None = None, ns: str = NS, **attrs):
    element = etree.SubElement(parent, f"{{{ns}}}{tag}", {k: v for k, v in attrs.items() if v is not None})
    if text is not None:
        element.text = text
    return element


def _whole_units(amount_minor: int, currency: str) -> str:
    try:
        return str(round_minor(from_minor(amount_minor, currency)))
    except MoneyError:
        # Not a currency code: written as it is, for the schema to name the fault.
        return str(amount_minor)


def _address(parent, address: DpiAddress, legal_type: str) -> None:
    node = _el(parent, "Address", legalAddressType=legal_type)
    _el(node, "CountryCode", address.country_code)
    fix = _el(node, "AddressFix")
    if address.street:
        _el(fix, "Street", address.street)
    if address.building:
        _el(fix, "BuildingIdentifier", address.building)
    if address.post_code:
        _el(fix, "PostCode", address.post_code)
    _el(fix, "City", address.city)
    if address.region:
        _el(fix, "CountrySubentity", address.region)


def _doc_spec(parent, *, doc_type: str, doc_ref_id: str, corr_doc_ref_id: str = "") -> None:
    spec = _el(parent, "DocSpec")
    _el(spec, "DocTypeIndic", doc_type, ns=STF)
    _el(spec, "DocRefId", doc_ref_id, ns=STF)
    if corr_doc_ref_id:
        _el(spec, "CorrDocRefId", corr_doc_ref_id, ns=STF)


def _quarters(parent, tag: str, prefix: str, values, currency: str | None) -> None:
    node = _el(parent, tag)
    for n, value in enumerate(values, start=1):
        if currency is None:
            _el(node, f"{prefix}Q{n}", str(value))
        else:
            _el(node, f"{prefix}Q{n}", _whole_units(value, currency), currCode=currency)


def _operator(body, operator: DpiOperator) -> None:
    node = _el(body, "PlatformOperator")
    _el(node, "ResCountryCode", operator.res_country)
    _el(node, "TIN", operator.tin, issuedBy=operator.res_country)
    _el(node, "Name", operator.name)
    _address(node, operator.address, "OECD304")
    _el(node, "AssumedReporting", "false")
    _doc_spec(node, doc_type=operator.doc_type, doc_ref_id=operator.doc_ref_id)


def _seller(body, seller: DpiSeller) -> None:
    node = _el(body, "ReportableSeller")
    identity = _el(node, "Identity")
    standard = _el(_el(identity, "IndividualSeller"), "Standard")
    person = _el(standard, "IndSellerID")
    _el(person, "ResCountryCode", seller.res_country)
    if seller.tin:
        _el(person, "TIN", seller.tin, issuedBy=seller.tin_issued_by or seller.res_country)
    else:
        _el(person, "TIN", "NOTIN", unknown="true")
    if seller.vat:
        _el(person, "VAT", seller.vat)
    name = _el(person, "Name")
    _el(name, "FirstName", seller.first_name)
    _el(name, "LastName", seller.last_name)
    _address(person, seller.address, "OECD302")
    birth = _el(person, "BirthInfo")
    _el(birth, "BirthDate", seller.birth_date.isoformat() if seller.birth_date else "")
    if seller.birth_city:
        place = _el(birth, "BirthPlace")
        _el(place, "City", seller.birth_city)
        _el(_el(place, "CountryInfo"), "CountryCode", seller.birth_country)
    if seller.financial_identifier:
        fin = _el(standard, "FinancialIdentifier")
        _el(fin, "Identifier", seller.financial_identifier, AccountNumberType="Other")
    activities = _el(_el(node, "RelevantActivities"), "PersonalServices")
    _quarters(activities, "Consideration", "Cons", seller.consideration_minor, seller.currency)
    _quarters(activities, "NumberOfActivities", "Numb", seller.activities, None)
    _quarters(activities, "Fees", "Fees", seller.fees_minor, seller.currency)
    _quarters(activities, "Taxes", "Tax", seller.taxes_minor, seller.currency)
    _doc_spec(node, doc_type=seller.doc_type, doc_ref_id=seller.doc_ref_id, corr_doc_ref_id=seller.corr_doc_ref_id)


def rule_errors(message: DpiMessage) -> list[str]:
    """What the model rules require that the schema does not check."""
    errors = []
    if message.message_type_indic == MessageTypeIndic.NOTHING_TO_REPORT and message.sellers:
        errors.append("a DPI403 message reports no seller")
    if message.message_type_indic != MessageTypeIndic.NOTHING_TO_REPORT and not message.sellers:
        errors.append(f"a {message.message_type_indic} message reports at least one seller")
    for seller in message.sellers:
        who = f"seller {seller.doc_ref_id}"
        if not seller.tin and not seller.birth_city:
            errors.append(f"{who}: no TIN and no place of birth")
        if seller.birth_date is None:
            errors.append(f"{who}: no date of birth")
        if seller.doc_type in (DocTypeIndic.CORRECTED, DocTypeIndic.DELETED) and not seller.corr_doc_ref_id:
            errors.append(f"{who}: a correction names the DocRefId it corrects")
        if message.message_type_indic == MessageTypeIndic.NEW and seller.doc_type != DocTypeIndic.NEW:
            errors.append(f"{who}: a DPI401 message holds new records only")
        if any(value < 0 for value in seller.activities):
            errors.append(f"{who}: a negative number of activities")
    return errors


def build_dpi_tree(message: DpiMessage) -> etree._Element:
    root = etree.Element(f"{{{NS}}}DPI_OECD", nsmap=NSMAP, version="1.0")
    spec = _el(root, "MessageSpec")
    if message.sending_entity_in:
        _el(spec, "SendingEntityIN", message.sending_entity_in)
    _el(spec, "TransmittingCountry", message.transmitting_country)
    _el(spec, "ReceivingCountry", message.receiving_country)
    _el(spec, "MessageType", "DPI")
    _el(spec, "MessageRefId", message.message_ref_id)
    _el(spec, "MessageTypeIndic", message.message_type_indic)
    _el(spec, "ReportingPeriod", date(message.year, 12, 31).isoformat())
    _el(spec, "Timestamp", message.timestamp.strftime("%Y-%m-%dT%H:%M:%S"))
    body = _el(root, "DPIBody")
    _operator(body, message.operator)
    for seller in message.sellers:
        _seller(body, seller)
    return root


@lru_cache(maxsize=4)
def _schema(directory: str) -> etree.XMLSchema:
    return etree.XMLSchema(etree.parse(str(Path(directory) / SCHEMA_FILE)))


def dpi_schema_errors(content: bytes) -> list[str]:
    """Every way ``content`` breaks the OECD DPI schema (none: it validates)."""
    if not settings.DPI_SCHEMA_DIR:
        return ["DPI_SCHEMA_DIR is not set: no file is written without validating it against the schema"]
    schema = _schema(settings.DPI_SCHEMA_DIR)
    try:
        document = etree.fromstring(content, parser=etree.XMLParser(resolve_entities=False, no_network=True))
    except etree.XMLSyntaxError as exc:
        return [f"not well-formed XML: {exc}"]
    if schema.validate(document):
        return []
    return [f"line {error.line}: {error.message}" for error in schema.error_log]


def dpi_message_xml(message: DpiMessage) -> bytes:
    """The message as UTF-8 XML, or ``DpiInvalid`` listing why not."""
    errors = rule_errors(message)
    content = etree.tostring(build_dpi_tree(message), xml_declaration=True, encoding="UTF-8", pretty_print=True)
    errors += dpi_schema_errors(content)
    if errors:
        raise DpiInvalid(errors)
    return content
