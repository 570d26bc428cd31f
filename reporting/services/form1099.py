"""Form 1099-NEC: US persons paid at least the year's threshold, from the ledger.

Cash basis: what the ledger paid an expert in USD in the calendar year, net of reversals
(``reporting.selectors.paid_in_year``), against the threshold for payments made that year
(``ReportingThreshold``: $600 before 2026, $2,000 from 2026). An expert is reportable when
their tax form in force is a W-9. A run writes one IRIS file of original records for
experts not reported yet, and one of corrected records for experts whose amount or
identity changed since their record; nothing when nothing changed.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from config.errors import ApplicationError
from contributors.models import Contributor
from reporting.identities import Payee, is_w9, payee_tin, payees
from reporting.iris_xml import IrisPayer, IrisRecord, UsAddress, iris_1099nec_xml
from reporting.models import ReportFile, ReportFileKind, ReportForm, ReportRecord, ReportRecordStatus
from reporting.selectors import paid_in_year, reporting_threshold_for_year

from .common import check_run, new_ref
from .files import report_file_store, report_record_write, report_run_audit

USD = "USD"


@dataclass
class Payee1099:
    contributor_id: int
    total_minor: int
    identity: dict


@dataclass
class Form1099Result:
    year: int
    threshold_minor: int
    dry_run: bool
    new: list[Payee1099] = field(default_factory=list)
    corrected: list[tuple[Payee1099, ReportRecord]] = field(default_factory=list)
    unchanged: int = 0
    missing: list[tuple[int, str]] = field(default_factory=list)
    files: list[ReportFile] = field(default_factory=list)
    contents: list[tuple[str, bytes]] = field(default_factory=list)

    def summary(self) -> str:
        kept = ", ".join(f.filename for f in self.files) or ("none (dry run)" if self.dry_run else "none")
        return (
            f"1099-NEC {self.year} (threshold {self.threshold_minor / 100:.2f} USD): {len(self.new)} new, "
            f"{len(self.corrected)} corrected, {self.unchanged} unchanged, {len(self.missing)} missing a W-9 or "
            f"TIN; files: {kept}"
        )


def _why_missing(payee: Payee | None, country: str) -> str:
    if payee is None:
        return "no tax form in force" if country == "US" else ""
    if not is_w9(payee):
        return "a W-8BEN, not a W-9, but reported as a US person" if country == "US" else ""
    if not payee.tin_last4:
        return "no TIN on the W-9"
    if not payee.address_line1 or not payee.region or not payee.postal_code:
        return "no complete US address on the W-9"
    return ""


def form_1099_due(*, year: int) -> tuple[int, list[Payee1099], list[tuple[int, str]]]:
    """The threshold, the payees at or above it with a W-9, and those who lack a form or TIN."""
    threshold = reporting_threshold_for_year(year=year)
    if threshold is None:
        raise ApplicationError(f"No 1099-NEC threshold is known for {year}.", code="no_threshold")
    paid = {cid: item for (cid, currency), item in paid_in_year(year=year).items() if currency == USD}
    over = {cid: item.total_minor for cid, item in paid.items() if item.total_minor >= threshold.amount_minor}
    forms = payees(contributor_ids=list(over), on=timezone.now().date())
    countries = dict(Contributor.objects.filter(pk__in=list(over)).values_list("pk", "country"))
    due, missing = [], []
    for cid, total in sorted(over.items()):
        payee = forms.get(cid)
        why = _why_missing(payee, countries.get(cid, ""))
        if why:
            missing.append((cid, why))
        elif is_w9(payee):
            due.append(Payee1099(contributor_id=cid, total_minor=total, identity=payee.shown()))
    return threshold.amount_minor, due, missing


def _payer() -> IrisPayer:
    return IrisPayer(
        name=settings.REPORTING_PAYER_NAME,
        tin=settings.REPORTING_PAYER_TIN,
        address=UsAddress(
            line1=settings.REPORTING_PAYER_ADDRESS,
            city=settings.REPORTING_PAYER_CITY,
            state=settings.REPORTING_PAYER_REGION,
            zip_code=settings.REPORTING_PAYER_POSTAL_CODE,
        ),
        phone=settings.REPORTING_PAYER_PHONE,
        tcc=settings.REPORTING_IRIS_TCC,
    )


def _record(payee: Payee1099, *, record_id: str, tin: str, original: str = "") -> IrisRecord:
    identity = payee.identity
    name = identity["legal_name"]
    return IrisRecord(
        record_id=record_id,
        tin=tin,
        tin_kind=identity["tin_kind"],
        first_name=name.rsplit(" ", 1)[0],
        last_name=name.rsplit(" ", 1)[-1],
        business_name=identity["business_name"],
        address=UsAddress(
            line1=identity["address_line1"],
            line2=identity["address_line2"],
            city=identity["city"],
            state=identity["region"],
            zip_code=identity["postal_code"],
        ),
        compensation_minor=payee.total_minor,
        corrected=bool(original),
        original_record_id=original,
    )


def tax_forms_1099(*, year: int, actor, dry_run: bool = False) -> Form1099Result:
    """Generate (or, with ``dry_run``, only build) the year's 1099-NEC IRIS files."""
    check_run(year=year, actor=actor)
    with transaction.atomic():
        threshold, due, missing = form_1099_due(year=year)
        result = Form1099Result(year=year, threshold_minor=threshold, dry_run=dry_run, missing=missing)
        current = {
            record.contributor_id: record
            for record in ReportRecord.objects.select_for_update()
            .filter(form=ReportForm.FORM_1099_NEC, year=year, jurisdiction="US")
            .exclude(status=ReportRecordStatus.CORRECTED)
        }
        for payee in due:
            before = current.pop(payee.contributor_id, None)
            if before is None:
                result.new.append(payee)
            elif before.total_minor != payee.total_minor or before.identity != payee.identity:
                result.corrected.append((payee, before))
            else:
                result.unchanged += 1
        # Reported before and now under the threshold (a reversal): corrected to what was paid.
        if current:
            paid = paid_in_year(year=year, contributor_ids=list(current))
            for cid, before in current.items():
                total = paid[(cid, USD)].total_minor if (cid, USD) in paid else 0
                if total != before.total_minor:
                    result.corrected.append(
                        (Payee1099(contributor_id=cid, total_minor=max(total, 0), identity=before.identity), before)
                    )
        forms = payees(
            contributor_ids=[p.contributor_id for p in result.new] + [p.contributor_id for p, _ in result.corrected],
            on=timezone.now().date(),
        )

        def tin_of(payee: Payee1099) -> str:
            if dry_run or payee.contributor_id not in forms:
                return "000000000" if dry_run else ""
            return payee_tin(payee=forms[payee.contributor_id], actor=actor, purpose=f"Form 1099-NEC {year}")

        batches = []
        if result.new:
            batches.append(("ORIGINAL", [(p, None) for p in result.new]))
        if result.corrected:
            batches.append(("CORRECTED", result.corrected))
        for message_type, items in batches:
            transmission = new_ref("")
            records = []
            for n, (payee, before) in enumerate(items, start=1):
                record_id = str(n)
                records.append(
                    (
                        payee,
                        before,
                        f"{transmission}:{record_id}",
                        _record(
                            payee,
                            record_id=record_id,
                            tin=tin_of(payee),
                            original=before.record_ref if before is not None else "",
                        ),
                    )
                )
            content = iris_1099nec_xml(
                payer=_payer(),
                records=[r for *_, r in records],
                year=year,
                transmission_id=transmission,
                timestamp=timezone.now(),
            )
            filename = f"iris-1099nec-{year}-{message_type.lower()}-{transmission[-8:]}.xml"
            result.contents.append((filename, content))
            if dry_run:
                continue
            report = report_file_store(
                actor=actor,
                kind=ReportFileKind.IRIS_1099_NEC,
                year=year,
                jurisdiction="US",
                message_type=message_type,
                message_ref_id=transmission,
                filename=filename,
                content=content,
                records_count=len(records),
            )
            result.files.append(report)
            for payee, before, ref, _ in records:
                report_record_write(
                    form=ReportForm.FORM_1099_NEC,
                    contributor_id=payee.contributor_id,
                    year=year,
                    jurisdiction="US",
                    file=report,
                    record_ref=ref,
                    corrects=before,
                    currency=USD,
                    total_minor=payee.total_minor,
                    amounts={"box1_minor": payee.total_minor},
                    identity=payee.identity,
                )
        if not dry_run:
            report_run_audit(actor=actor, action="reporting.form1099.run", result=result, threshold_minor=threshold)
    return result
