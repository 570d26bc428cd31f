"""An expert asks for a copy of their data, downloads it once, and a second download is refused, in a real Chromium."""

import json
import zipfile

import pytest
from playwright.sync_api import expect

from privacy.models import DataExport

from tests.helpers.browser import UNLABELLED_CONTROLS_JS, log_in, watch_server_errors
from tests.helpers.factories import make_credential, make_expert

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_an_expert_downloads_their_data_once_and_a_second_download_is_refused(
    browser, live_server, page, screenshot, tmp_path
):
    errors = watch_server_errors(page)
    expert = make_expert()
    make_credential(expert)

    log_in(page, expert.user.email)
    page.get_by_role("link", name="Your data").click()
    expect(page.get_by_role("heading", name="Your data", exact=True)).to_be_visible()
    expect(page.get_by_text("You have not asked for a copy yet.")).to_be_visible()
    assert page.evaluate(UNLABELLED_CONTROLS_JS) == []

    page.get_by_role("button", name="Ask for a copy of my data").click()
    expect(page.get_by_text("We are preparing a copy of your data")).to_be_visible()
    # Prepared by a task after the request commits; the page shows it once it is ready.
    page.reload()
    expect(page.get_by_text("Ready to download")).to_be_visible()
    screenshot(page, "your-data-ready")

    # The same page open in a second tab, from before the download.
    other_tab = page.context.new_page()
    other_tab.goto(page.url)

    with page.expect_download() as download_info:
        page.get_by_role("button", name="Download (once)").click()
    download = download_info.value
    assert download.suggested_filename.startswith("my-data-") and download.suggested_filename.endswith(".zip")
    saved = tmp_path / download.suggested_filename
    download.save_as(saved)
    with zipfile.ZipFile(saved) as archive:
        assert "README.txt" in archive.namelist()
        assert json.loads(archive.read("account.json"))[0]["email"] == expert.user.email
        assert json.loads(archive.read("credentials.json"))[0]["title"] == "Medical license"

    page.reload()
    expect(page.locator("tbody tr").first).to_contain_text("Downloaded on")
    expect(page.get_by_role("button", name="Download (once)")).to_have_count(0)

    other_tab.get_by_role("button", name="Download (once)").click()
    expect(other_tab.get_by_text("A copy can be downloaded only once")).to_be_visible()
    screenshot(other_tab, "your-data-second-download-refused")
    assert DataExport.objects.get(user=expert.user).status == "downloaded"
    assert errors == []
