"""The OECD DPI message: every file built validates against the schema v1.0 (read from
``DPI_SCHEMA_DIR``, the copy beside the repository), and each way a file can be wrong
is refused before anything is written."""

from dataclasses import replace
from datetime import UTC, date, datetime

import pytest
from django.test import override_settings
from lxml import etree

from reporting.dpi_xml import (
    NS,
    STF,
    DocTypeIndic,
    DpiAddress,
    DpiInvalid,
    DpiMessage,
    DpiOperator,
    DpiSeller,
    MessageTypeIndic,
    dpi_message_xml,
    dpi_schema_errors,
)

OPERATOR = DpiOperator(
    name="Expert Marketplace Inc.",
    tin="IE1234567T",
    res_country="IE",
    address=DpiAddress(country_code="IE", city="Dublin", street="1 Grand Canal Square", post_code="D02"),
    doc_ref_id="IE2026OP0001",
)
SELLER = DpiSeller(
    doc_ref_id="IE2026S0001",
    first_name="Anna",
    last_name="Schmidt",
    res_country="DE",
    address=DpiAddress(country_code="DE", city="Berlin", street="Unter den Linden 1", post_code="10117"),
    birth_date=date(1988, 4, 2),
    currency="EUR",
    consideration_minor=(93_594, 97_501, 33_333, 71_001),
    activities=(3, 2, 1, 2),
    fees_minor=(0, 0, 0, 0),
    tin="12345678901",
    tin_issued_by="DE",
    financial_identifier="acct_1Example",
)
MESSAGE = DpiMessage(
    message_ref_id="IE2026M0001",
    message_type_indic=MessageTypeIndic.NEW,
    transmitting_country="IE",
    receiving_country="DE",
    year=2026,
    timestamp=datetime(2027, 1, 12, 9, 30, tzinfo=UTC),
    operator=OPERATOR,
    sellers=[SELLER],
)


def _text(content: bytes, path: str) -> list[str]:
    return [node.text for node in etree.fromstring(content).iterfind(path, {"dpi": NS, "stf": STF})]


def test_new_data_validates_and_carries_the_quarters_in_whole_units():
    content = dpi_message_xml(MESSAGE)

    assert dpi_schema_errors(content) == []
    assert _text(content, ".//dpi:MessageTypeIndic") == ["DPI401"]
    assert _text(content, ".//dpi:Consideration/*") == ["936", "975", "333", "710"]
    assert _text(content, ".//dpi:NumberOfActivities/*") == ["3", "2", "1", "2"]
    root = etree.fromstring(content)
    assert {n.get("currCode") for n in root.iterfind(".//dpi:Consideration/*", {"dpi": NS})} == {"EUR"}
    assert _text(content, ".//dpi:ReportableSeller/dpi:DocSpec/stf:DocTypeIndic") == ["OECD1"]


def test_a_correction_names_the_doc_ref_id_it_corrects():
    corrected = replace(
        SELLER, doc_ref_id="IE2026S0002", doc_type=DocTypeIndic.CORRECTED, corr_doc_ref_id="IE2026S0001"
    )
    message = replace(
        MESSAGE,
        message_ref_id="IE2026M0002",
        message_type_indic=MessageTypeIndic.CORRECTION,
        operator=replace(OPERATOR, doc_type=DocTypeIndic.RESENT, doc_ref_id="IE2026OP0002"),
        sellers=[corrected],
    )
    content = dpi_message_xml(message)

    assert _text(content, ".//dpi:ReportableSeller/dpi:DocSpec/stf:CorrDocRefId") == ["IE2026S0001"]
    assert _text(content, ".//dpi:MessageTypeIndic") == ["DPI402"]


def test_nothing_to_report_is_a_dpi403_with_the_operator_only():
    content = dpi_message_xml(replace(MESSAGE, message_type_indic=MessageTypeIndic.NOTHING_TO_REPORT, sellers=[]))

    assert _text(content, ".//dpi:MessageTypeIndic") == ["DPI403"]
    assert _text(content, ".//dpi:ReportableSeller") == []
    assert _text(content, ".//dpi:PlatformOperator/dpi:Name") == ["Expert Marketplace Inc."]


# Each way a file can be wrong, and the words the refusal says it in.
WRONG = {
    "no TIN and no place of birth": (
        replace(MESSAGE, sellers=[replace(SELLER, tin="")]),
        "no TIN and no place of birth",
    ),
    "a country that does not exist": (
        replace(MESSAGE, sellers=[replace(SELLER, res_country="QQ")]),
        "ResCountryCode",
    ),
    "a three-letter country code": (replace(MESSAGE, receiving_country="DEU"), "ReceivingCountry"),
    "an unknown currency": (replace(MESSAGE, sellers=[replace(SELLER, currency="EURO")]), "currCode"),
    "an empty name": (replace(MESSAGE, sellers=[replace(SELLER, first_name="")]), "FirstName"),
    "no date of birth": (replace(MESSAGE, sellers=[replace(SELLER, birth_date=None)]), "no date of birth"),
    "a message reference over 170 characters": (replace(MESSAGE, message_ref_id="M" * 171), "MessageRefId"),
    "a correction that names nothing": (
        replace(
            MESSAGE,
            message_type_indic=MessageTypeIndic.CORRECTION,
            sellers=[replace(SELLER, doc_type=DocTypeIndic.CORRECTED)],
        ),
        "names the DocRefId it corrects",
    ),
    "a correction in a message of new data": (
        replace(MESSAGE, sellers=[replace(SELLER, doc_type=DocTypeIndic.CORRECTED, corr_doc_ref_id="X1")]),
        "new records only",
    ),
    "a DPI403 that reports a seller": (
        replace(MESSAGE, message_type_indic=MessageTypeIndic.NOTHING_TO_REPORT),
        "reports no seller",
    ),
    "a DPI401 with no seller": (replace(MESSAGE, sellers=[]), "at least one seller"),
    "an empty city": (replace(MESSAGE, sellers=[replace(SELLER, address=replace(SELLER.address, city=""))]), "City"),
}


@pytest.mark.parametrize("case", WRONG, ids=list(WRONG))
def test_a_file_that_would_not_validate_is_refused(case):
    message, words = WRONG[case]

    with pytest.raises(DpiInvalid) as refused:
        dpi_message_xml(message)

    assert words in refused.value.message
    assert refused.value.code == "dpi_invalid"


def test_without_the_schema_no_file_is_written():
    with override_settings(DPI_SCHEMA_DIR=""), pytest.raises(DpiInvalid) as refused:
        dpi_message_xml(MESSAGE)
    assert "DPI_SCHEMA_DIR is not set" in refused.value.message


def test_malformed_xml_is_reported_as_such():
    assert dpi_schema_errors(b"<dpi:DPI_OECD")[0].startswith("not well-formed XML")
