"""docs/automated-decisions.md says what the public page says."""

from pathlib import Path

from oversight.systems import NOT_PROCESSED, SYSTEMS

DOC = Path(__file__).resolve().parents[2] / "docs" / "automated-decisions.md"


def _words(text: str) -> str:
    return " ".join(text.split())


def test_the_document_describes_every_system_as_the_page_does():
    doc = _words(DOC.read_text())
    assert _words(NOT_PROCESSED) in doc
    for system in SYSTEMS:
        for text in (system.name, system.decides, system.data_used, system.overridden_by, system.how_to_review):
            assert _words(text) in doc, f"{system.key}: {text[:60]}"
        assert f"`{system.code}`" in doc
