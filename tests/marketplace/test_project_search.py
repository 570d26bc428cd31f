"""Experts search open projects by words and filters; each result says whether they may take part."""

import re
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from marketplace.models import Project, ProjectStatus
from marketplace.payable import effective_hourly_minor, effective_hourly_sql
from marketplace.search import PAGE_SIZE

from tests.helpers.factories import make_lab, make_project, make_vetted_expert
from tests.helpers.pages import log_in, text_of

pytestmark = pytest.mark.django_db


def _open(lab, owner, **data):
    """A project open to applications, without funding it through Stripe (not what is tested here)."""
    project = make_project(lab, owner, domains=data.pop("domains", ("cardiology",)), **data)
    Project.objects.filter(pk=project.pk).update(status=ProjectStatus.OPEN)
    return project


@pytest.fixture
def catalogue():
    lab, owner = make_lab(name="Meridian Labs")
    today = timezone.now().date()
    return {
        "ecg": _open(lab, owner, title="ECG interpretation review", brief="Read twelve-lead ECGs and grade answers."),
        "spanish": _open(
            lab,
            owner,
            title="Clinical triage in Spanish",
            brief="Judge triage advice.",
            languages=["es", "fr"],
            rate_minor=6000,
        ),
        "tasks": _open(
            lab,
            owner,
            title="Radiology report labelling",
            brief="Label findings.",
            pay_model="per_task",
            rate_minor=1500,
            task_estimate_minutes=20,
            weekly_hours=30,
            sensitive_categories=["medical_graphic"],
            starts_on=today + timedelta(days=20),
            ends_on=today + timedelta(days=90),
        ),
        "pounds": _open(lab, owner, title="Guideline comparison", brief="Compare NICE guidelines.", currency="GBP"),
    }


def _titles(page: str) -> list[str]:
    return re.findall(r'<h2 id="project-\d+">([^<]+)</h2>', page)


def test_words_find_projects_by_title_brief_or_domain_and_each_says_what_the_expert_misses(catalogue):
    expert = make_vetted_expert(languages=["en"])
    browser = log_in(expert.user)

    found = browser.get("/expert/projects/", {"q": "ECG"})
    assert found.status_code == 200
    assert _titles(found.content.decode()) == ["ECG interpretation review"]
    assert "1 project matches" in text_of(found)
    assert "You meet every requirement" in text_of(found)

    # "Cardiology" is in no title or brief: it is the projects' domain.
    assert len(_titles(browser.get("/expert/projects/", {"q": "cardiology"}).content.decode())) == 4

    spanish = text_of(browser.get("/expert/projects/", {"q": "triage spanish"}))
    assert "You do not meet every requirement yet" in spanish
    assert "The project needs Spanish, French; your profile does not list them all." in spanish

    only = browser.get("/expert/projects/", {"q": "cardiology", "eligible_only": "on"}).content.decode()
    assert "Clinical triage in Spanish" not in _titles(only) and "ECG interpretation review" in _titles(only)


def test_filters_pay_model_hours_dates_content_and_pay_in_the_experts_currency(catalogue):
    # In the United Kingdom: pay is compared in pounds (its minimum wage's currency).
    expert = make_vetted_expert(country="GB", subdivision="", timezone="Europe/London")
    browser = log_in(expert.user)
    today = timezone.now().date()

    def titles(**query):
        response = browser.get("/expert/projects/", query)
        assert response.status_code == 200, text_of(response)
        return set(_titles(response.content.decode()))

    assert titles(pay_model="per_task") == {"Radiology report labelling"}
    assert "Radiology report labelling" not in titles(max_hours="20")
    assert titles(without="medical_graphic") == {
        "ECG interpretation review",
        "Clinical triage in Spanish",
        "Guideline comparison",
    }
    assert titles(starts_by=str(today + timedelta(days=5))) == titles() - {"Radiology report labelling"}
    assert titles(ends_after=str(today + timedelta(days=80))) == {"Radiology report labelling"}
    # $90.00 an hour is £70.86 at 1.27 dollars a pound, rounded down; £90.00 is £90.00;
    # $15.00 a task of 20 minutes is $45.00 an hour.
    assert titles(min_hourly="70.86") == {"ECG interpretation review", "Guideline comparison"}
    assert titles(min_hourly="70.87") == {"Guideline comparison"}
    page = text_of(browser.get("/expert/projects/", {"q": "ECG"}))
    assert "(about £70.86 an hour in GBP)" in page


def test_bad_search_input_is_a_form_error_and_lists_nothing(catalogue):
    browser = log_in(make_vetted_expert().user)
    for query, field in (
        ({"min_hourly": "-1"}, "min_hourly"),
        ({"max_hours": "61"}, "max_hours"),
        ({"q": "x" * 201}, "q"),
        ({"page": "0"}, "page"),
        ({"starts_by": "not a date"}, "starts_by"),
        ({"pay_model": "barter"}, "pay_model"),
    ):
        response = browser.get("/expert/projects/", query)
        assert response.status_code == 400, query
        assert "Please correct the marked fields." in text_of(response)
        assert _titles(response.content.decode()) == [], field


def test_results_come_a_page_at_a_time(catalogue):
    lab, owner = make_lab()
    for number in range(PAGE_SIZE + 3):
        _open(lab, owner, title=f"Echo study {number:02}", brief="Measure ejection fraction.")
    browser = log_in(make_vetted_expert().user)

    first = browser.get("/expert/projects/", {"q": "echo", "sort": "starting"}).content.decode()
    second = browser.get("/expert/projects/", {"q": "echo", "sort": "starting", "page": "2"}).content.decode()
    assert len(_titles(first)) == PAGE_SIZE and len(_titles(second)) == 3
    assert not set(_titles(first)) & set(_titles(second))
    assert "Page 1 of 2" in first and 'href="?q=echo&amp;sort=starting&amp;page=2"' in first


def test_an_expert_without_a_profile_searches_too_and_is_told_to_fill_it_in(catalogue):
    from accounts.models import Role

    from tests.helpers.factories import UserFactory

    page = text_of(log_in(UserFactory(role=Role.EXPERT)).get("/expert/projects/", {"q": "guideline"}))
    assert "Guideline comparison" in page and "Fill in your profile to apply" in page
    assert "You meet every requirement" not in page


def test_effective_hourly_pay_is_the_same_rule_in_sql_and_python():
    cases = [("hourly", 4550, None), ("per_task", 1500, 20), ("per_task", 1, 120), ("per_task", 1001, 7)]
    cases += [("per_task", rate, minutes) for rate in (1, 3, 999, 12345) for minutes in (1, 7, 45, 90, 1440)]
    values = ", ".join(f"('{model}', {rate}, {minutes or 'NULL'})" for model, rate, minutes in cases)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {effective_hourly_sql('p')} FROM (VALUES {values}) AS p(pay_model, rate_minor, task_estimate_minutes)"
        )
        from_sql = [row[0] for row in cursor.fetchall()]
    assert from_sql == [
        effective_hourly_minor(pay_model=model, rate_minor=rate, task_estimate_minutes=minutes)
        for model, rate, minutes in cases
    ]


def test_the_api_searches_with_the_same_filters_and_refuses_bad_input_field_by_field(catalogue, client_for):
    expert = make_vetted_expert(languages=["en"])
    client = client_for(expert.user)

    found = client.get("/api/projects/search/", {"q": "cardiology", "sort": "starting"})
    assert found.status_code == 200, found.content
    body = found.json()
    assert body["count"] == 4 and body["page"] == 1 and body["pages"] == 1 and body["currency"] == "USD"
    by_title = {row["project"]["title"]: row for row in body["results"]}
    assert by_title["ECG interpretation review"]["eligible"] is True
    assert by_title["ECG interpretation review"]["hourly_in_currency_minor"] == 9000
    assert by_title["Clinical triage in Spanish"]["eligible"] is False
    assert by_title["Clinical triage in Spanish"]["missing"] == [
        "The project needs Spanish, French; your profile does not list them all."
    ]
    # $15.00 a task estimated at 20 minutes.
    assert by_title["Radiology report labelling"]["hourly_in_currency_minor"] == 4500

    narrowed = client.get("/api/projects/search/", {"without": ["medical_graphic"], "eligible_only": "true"}).json()
    assert {row["project"]["title"] for row in narrowed["results"]} == {
        "ECG interpretation review",
        "Guideline comparison",
    }

    refused = client.get("/api/projects/search/", {"min_hourly": "0", "max_hours": "0", "sort": "cheapest"})
    assert refused.status_code == 400
    assert set(refused.json()["fields"]) >= {"min_hourly", "max_hours", "sort"}


def test_the_rate_a_new_engagement_locks_in_is_the_same_rule_in_sql_and_python(catalogue):
    from marketplace.models import ProjectRateChange
    from marketplace.selectors import PROJECT_RATE_ON_SQL, project_rate_on

    today = timezone.now().date()
    ecg, tasks = catalogue["ecg"], catalogue["tasks"]
    owner = ecg.created_by
    # An announced raise not yet in force: a new engagement still locks the old rate.
    for project, old, new, old_estimate, days in (
        (ecg, 8000, 9000, None, 10),
        (ecg, 7000, 8000, None, 30),
        (tasks, 1200, 1500, 25, -3),
    ):
        ProjectRateChange.objects.create(
            project=project,
            old_rate_minor=old,
            new_rate_minor=new,
            old_task_estimate_minutes=old_estimate,
            new_task_estimate_minutes=project.task_estimate_minutes,
            effective_on=today + timedelta(days=days),
            changed_by=owner,
        )
    projects = list(Project.objects.all())
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT p.id, locked.rate_minor, locked.task_estimate_minutes FROM marketplace_project p "
            f"{PROJECT_RATE_ON_SQL} WHERE p.id = ANY(%(ids)s)",
            {"ids": [p.pk for p in projects], "on": today},
        )
        from_sql = {row[0]: (row[1], row[2]) for row in cursor.fetchall()}
    assert from_sql == {p.pk: project_rate_on(project=p, on=today) for p in projects}
    assert from_sql[ecg.pk] == (8000, None)

    browser = log_in(make_vetted_expert().user)
    page = text_of(browser.get("/expert/projects/", {"q": "ECG"}))
    assert "$80.00 an hour" in page
    assert _titles(browser.get("/expert/projects/", {"q": "ECG", "min_hourly": "85"}).content.decode()) == []
    assert _titles(browser.get("/expert/projects/", {"q": "ECG", "min_hourly": "80"}).content.decode()) == [
        "ECG interpretation review"
    ]
