"""The 1099-NEC filing for the IRS's Information Returns Intake System (IRIS), built as
XML for its Application-to-Application (A2A) channel, tax year 2026.

The element names follow the published IRIS A2A layout (Publication 5717/5718: a
transmission manifest, one submission per issuer and form with its header, and one
``Form1099NECDetail`` per recipient). The official XSD is distributed to registered
transmitters only and is not part of this repository, so the file is not validated
against it here: docs/tax-reporting.md lists what must be checked in the IRS's test
environment (ATS) before the first production filing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from lxml import etree

from config.errors import ApplicationError
from payouts.money import from_minor

IRIS_NS = "urn:us:gov:treasury:irs:ir"


class IrisInvalid(ApplicationError):
    def __init__(self, errors: list[str]):
        self.errors = errors
        super().__init__("The IRIS file was not written: " + "; ".join(errors[:5]), code="iris_invalid")


@dataclass(frozen=True)
class UsAddress:
    line1: str
    city: str
    state: str
    zip_code: str
    line2: str = ""


@dataclass(frozen=True)
class IrisPayer:
    name: str
    tin: str
    address: UsAddress
    phone: str
    tcc: str


@dataclass(frozen=True)
class IrisRecord:
    record_id: str
    tin: str
    tin_kind: str  # "ssn" or "ein"
    first_name: str
    last_name: str
    business_name: str
    address: UsAddress
    compensation_minor: int
    corrected: bool = False
    original_record_id: str = ""


def _el(parent, tag: str, text: str | None = None):
    element = etree.SubElement(parent, f"{{{IRIS_NS}}}{tag}")
    if text is not None:
        element.text = text
    return element


def _digits(value: str) -> str:
    return "".join(ch for ch in value if ch.isdigit())


def _dollars(amount_minor: int) -> str:
    # Dollars with two places, exactly the cents the ledger holds.
    return f"{from_minor(amount_minor, 'USD'):.2f}"


def _name_control(name: str) -> str:
    letters = "".join(ch for ch in name.upper() if ch.isalnum() or ch in "-&")
    return letters[:4]


def _address(parent, address: UsAddress) -> None:
    us = _el(_el(parent, "MailingAddressGrp"), "USAddress")
    _el(us, "AddressLine1Txt", address.line1[:35])
    if address.line2:
        _el(us, "AddressLine2Txt", address.line2[:35])
    _el(us, "CityNm", address.city[:22])
    _el(us, "StateAbbreviationCd", address.state.upper()[:2])
    _el(us, "ZIPCd", _digits(address.zip_code)[:9])


def _errors(payer: IrisPayer, records: list[IrisRecord]) -> list[str]:
    errors = []
    if len(_digits(payer.tin)) != 9:
        errors.append("the payer's TIN is not nine digits (REPORTING_PAYER_TIN)")
    if not payer.name or not payer.address.line1 or not payer.address.city:
        errors.append("the payer's name and address are not set (REPORTING_PAYER_*)")
    if len(payer.tcc) != 5:
        errors.append("the Transmitter Control Code is not five characters (REPORTING_IRIS_TCC)")
    for record in records:
        if len(_digits(record.tin)) != 9:
            errors.append(f"record {record.record_id}: the recipient's TIN is not nine digits")
        if len(record.address.state) != 2 or not record.address.zip_code:
            errors.append(f"record {record.record_id}: no US state and ZIP code")
        if record.corrected and not record.original_record_id:
            errors.append(f"record {record.record_id}: a correction names the record it corrects")
        if record.compensation_minor < 0:
            errors.append(f"record {record.record_id}: a negative amount")
    return errors


def iris_1099nec_xml(
    *, payer: IrisPayer, records: list[IrisRecord], year: int, transmission_id: str, timestamp: datetime
) -> bytes:
    """One transmission with one submission of ``records`` for the payer."""
    errors = _errors(payer, records)
    if errors:
        raise IrisInvalid(errors)
    root = etree.Element(f"{{{IRIS_NS}}}IRTransmission", nsmap={None: IRIS_NS})
    manifest = _el(root, "IRTransmissionManifest")
    _el(manifest, "SchemaVersionNum", "1.0")
    _el(manifest, "UniqueTransmissionId", f"{transmission_id}:IRIS:{payer.tcc}::A")
    _el(manifest, "TaxYr", str(year))
    _el(manifest, "PriorYearDataInd", "0")
    _el(manifest, "TransmissionTypeCd", "C" if any(r.corrected for r in records) else "O")
    _el(manifest, "TestCd", "P")
    transmitter = _el(manifest, "TransmitterGrp")
    _el(transmitter, "TIN", _digits(payer.tin))
    _el(transmitter, "TINSubmittedTypeCd", "BUSINESS_TIN")
    _el(transmitter, "TransmitterControlCd", payer.tcc)
    company = _el(transmitter, "CompanyGrp")
    _el(_el(company, "BusinessName"), "BusinessNameLine1Txt", payer.name[:75])
    _address(company, payer.address)
    _el(manifest, "PaymentYr", str(year))
    _el(manifest, "TotalIssuerFormCnt", "1")
    _el(manifest, "TotalRecipientFormCnt", str(len(records)))
    _el(manifest, "TransmissionTs", timestamp.strftime("%Y-%m-%dT%H:%M:%SZ"))

    group = _el(root, "IRSubmission1Grp")
    header = _el(group, "IRSubmission1Header")
    _el(header, "SubmissionId", "1")
    _el(header, "TaxYr", str(year))
    issuer = _el(header, "IssuerDetail")
    _el(issuer, "ForeignEntityInd", "0")
    _el(issuer, "TIN", _digits(payer.tin))
    _el(issuer, "TINSubmittedTypeCd", "BUSINESS_TIN")
    _el(issuer, "BusinessNameControlTxt", _name_control(payer.name))
    _el(_el(issuer, "BusinessName"), "BusinessNameLine1Txt", payer.name[:75])
    _address(issuer, payer.address)
    _el(issuer, "PhoneNum", _digits(payer.phone)[:10])
    _el(header, "FormTypeCd", "1099NEC")
    _el(header, "TotalReportedRcpntFormCnt", str(len(records)))
    totals = _el(_el(header, "IRSubmission1FormTotals"), "Form1099NECTotalAmtGrp")
    _el(totals, "NonemployeeCompensationAmt", _dollars(sum(r.compensation_minor for r in records)))

    detail = _el(group, "IRSubmission1Detail")
    for record in records:
        form = _el(detail, "Form1099NECDetail")
        _el(form, "TaxYr", str(year))
        _el(form, "RecordId", record.record_id)
        _el(form, "VoidInd", "0")
        _el(form, "CorrectedInd", "1" if record.corrected else "0")
        if record.corrected:
            _el(_el(form, "PrevSubmittedRecRecipientGrp"), "UniqueRecordId", record.original_record_id)
        recipient = _el(form, "RecipientDetail")
        _el(recipient, "TIN", _digits(record.tin))
        _el(recipient, "TINSubmittedTypeCd", "BUSINESS_TIN" if record.tin_kind == "ein" else "INDIVIDUAL_TIN")
        if record.business_name:
            _el(recipient, "BusinessNameControlTxt", _name_control(record.business_name))
            _el(_el(recipient, "BusinessName"), "BusinessNameLine1Txt", record.business_name[:75])
        else:
            _el(recipient, "PersonNameControlTxt", _name_control(record.last_name))
            person = _el(recipient, "PersonName")
            _el(person, "PersonFirstNm", record.first_name[:35])
            _el(person, "PersonLastNm", record.last_name[:35])
        _address(recipient, record.address)
        _el(form, "NonemployeeCompensationAmt", _dollars(record.compensation_minor))
        _el(form, "DirectSalesInd", "0")
        _el(form, "FederalIncomeTaxWithheldAmt", "0.00")
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)
