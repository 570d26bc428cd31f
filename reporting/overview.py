"""What operations follow in January: what is due by when, who is missing a form or a
TIN among the experts who will be reportable, and which files were generated and filed."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from config.errors import ApplicationError
from contributors.models import Contributor

from .identities import DAC7_JURISDICTIONS, experts_resident_in
from .models import ReportFile, ReportRecord
from .selectors import paid_in_year
from .services.dac7 import dac7_due
from .services.form1099 import form_1099_due


@dataclass
class Missing:
    contributor_id: int
    name: str
    form: str
    jurisdiction: str
    why: str


@dataclass
class Due:
    form: str
    jurisdiction: str
    due_on: date
    reportable: int
    reported: int
    missing: int


def _names(ids: set[int]) -> dict[int, str]:
    return dict(Contributor.objects.filter(pk__in=ids).values_list("pk", "legal_name"))


def reporting_overview(*, year: int) -> dict:
    """Per form and jurisdiction: reportable experts, those already in a file, those missing data."""
    deadline = date(year + 1, 1, 31)
    dues: list[Due] = []
    missing: list[Missing] = []
    try:
        threshold, due_1099, missing_1099 = form_1099_due(year=year)
    except ApplicationError as error:
        # A year with no threshold on file: the page says so instead of failing.
        if error.code != "no_threshold":
            raise
        threshold, due_1099, missing_1099, no_threshold = None, [], [], error.message
    else:
        no_threshold = ""
    reported = ReportRecord.objects.filter(year=year).exclude(status="corrected")
    reported_1099 = set(reported.filter(form="1099-NEC").values_list("contributor_id", flat=True))
    dues.append(
        Due(
            form="1099-NEC",
            jurisdiction="US",
            due_on=deadline,
            reportable=len(due_1099) + len(missing_1099),
            reported=len(reported_1099 & {p.contributor_id for p in due_1099}),
            missing=len(missing_1099),
        )
    )
    missing += [Missing(cid, "", "1099-NEC", "US", why) for cid, why in missing_1099]
    paid_ids = [cid for cid, _ in paid_in_year(year=year)]
    countries = set(Contributor.objects.filter(pk__in=paid_ids).values_list("country", flat=True))
    for jurisdiction in sorted(countries & DAC7_JURISDICTIONS):
        _due, lacking = dac7_due(year=year, jurisdiction=jurisdiction)
        done = set(reported.filter(form="DAC7", jurisdiction=jurisdiction).values_list("contributor_id", flat=True))
        residents = experts_resident_in(country=jurisdiction, contributor_ids=paid_ids)
        dues.append(
            Due(
                form="DAC7",
                jurisdiction=jurisdiction,
                due_on=deadline,
                reportable=len(residents),
                reported=len(done & residents),
                missing=len(lacking),
            )
        )
        missing += [Missing(cid, "", "DAC7", jurisdiction, why) for cid, why in lacking]
    names = _names({m.contributor_id for m in missing})
    for item in missing:
        item.name = names.get(item.contributor_id, "")
    return {
        "year": year,
        "threshold_minor": threshold,
        "no_threshold": no_threshold,
        "dues": dues,
        "missing": missing,
        "files": list(ReportFile.objects.filter(year=year).defer("content").select_related("created_by", "filed_by")),
    }


@dataclass
class RunOutcome:
    """What a run from the page did, for operations to read: the counts, who is missing
    what, and the files (kept, or with a dry run only named)."""

    form: str
    jurisdiction: str
    year: int
    dry_run: bool
    new: int
    corrected: int
    unchanged: int
    missing: list[Missing]
    files: list[ReportFile]
    filenames: list[str]


def run_outcome(*, form: str, jurisdiction: str, result) -> RunOutcome:
    """A ``Form1099Result`` or ``Dac7Result`` in the words of the tax reporting page."""
    names = _names({cid for cid, _ in result.missing})
    return RunOutcome(
        form=form,
        jurisdiction=jurisdiction,
        year=result.year,
        dry_run=result.dry_run,
        new=len(result.new),
        corrected=len(result.corrected),
        unchanged=result.unchanged,
        missing=[Missing(cid, names.get(cid, ""), form, jurisdiction, why) for cid, why in result.missing],
        files=list(result.files),
        filenames=[name for name, _ in result.contents],
    )
