"""Pages through the Django test client: signed-in sessions, and a page read as a person reads it."""

import html
import re

from django.test import Client

from tests.helpers.factories import PASSWORD, totp_code


def log_in(user) -> Client:
    browser = Client()
    response = browser.post("/accounts/login/", {"login": user.email, "password": PASSWORD})
    assert response.status_code == 302, response.content
    return browser


def ops_browser(user, secret) -> Client:
    """A session signed in with password and TOTP, as operations staff must."""
    browser = Client()
    assert browser.post("/accounts/login/", {"login": user.email, "password": PASSWORD}).status_code == 302
    assert browser.post("/accounts/2fa/authenticate/", {"code": totp_code(secret)}).status_code == 302
    return browser


def text_of(response) -> str:
    """The page as a person reads it: tags dropped, entities decoded, spaces collapsed."""
    body = re.sub(r"<[^>]+>", " ", response.content.decode())
    return re.sub(r"\s+", " ", html.unescape(body))


def readable_text(response) -> str:
    """The page as a person reads it, en dashes as hyphens (5 May - 11 May 2025)."""
    # Inline markup joins the words around it; every other tag separates them.
    body = re.sub(r"</?(?:strong|em|a|span)\b[^>]*>", "", response.content.decode())
    body = re.sub(r"<[^>]+>", " ", body)
    return re.sub(r"\s+", " ", html.unescape(body)).replace("\N{EN DASH}", "-")


def field_error(response, field: str) -> str:
    match = re.search(rf'id="id_{field}_error"[^>]*>(.*?)</ul>', response.content.decode(), re.S)
    assert match, f"no error shown for {field}"
    return html.unescape(re.sub(r"<[^>]+>", " ", match.group(1)))
