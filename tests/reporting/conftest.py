import pytest

from reporting import documents


def _text(document) -> str:
    words = []
    for page in document.pages:
        for box in page._page_box.descendants():
            if hasattr(box, "text") and isinstance(box.text, str):
                words.append(box.text)
    return " ".join(" ".join(words).split())


@pytest.fixture
def pdf_text(monkeypatch):
    """The text laid out in each PDF the product renders, in order (WeasyPrint's own layout)."""
    texts: list[str] = []
    real = documents.render_document

    def spy(template, context):
        document = real(template, context)
        texts.append(_text(document))
        return document

    monkeypatch.setattr(documents, "render_document", spy)
    return texts
