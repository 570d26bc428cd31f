"""Restrictions, suspensions and deactivations are only ever decided by a person.

An expert's standing (``contributors.ContributorStatus``) is the only restriction of a
person the product has: suspended or deactivated. Payout holds withhold money, not the
person's account, and are listed as automated systems with a review by a person.

The proof has three parts:
1. every function that can write a restricting standing is found by reading the code
   (calls of ``contributor_status_set`` with such a standing, and any direct write of the
   column), and it is exactly the deactivation decision of a case;
2. it, and the service beneath it, refuse to run with no person (``actor=None``) and with
   anyone but an operations reviewer;
3. no scheduled task, sweep or management command can reach them (a call graph by name
   over the whole product, which can only over-count).
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from accounts.models import Role
from config.errors import NotPermitted
from contributors.models import ContributorStatus
from contributors.services import RESTRICTING_STATUSES, contributor_status_set
from vetting.services import deactivation_case_decide, deactivation_case_open

from tests.helpers.factories import make_expert, make_lab, make_ops

ROOT = Path(__file__).resolve().parents[2]
SKIP = {".venv", "tests", "migrations", "demo", "stripe_local", "bench", "node_modules", "static", "templates"}
RESTRICTING_NAMES = {status.name for status in RESTRICTING_STATUSES} | {status.value for status in RESTRICTING_STATUSES}
# The functions that decide a restricting standing, each a person of operations: the
# deactivation decision of a case (after warning, notice and the expert's response, with
# an appeal to a different person), and an erasure the person asked for themselves, which
# closes their account (decided by an operations reviewer other than them).
DECIDERS = {"vetting.services.cases.deactivation_case_decide", "privacy.erasure.person_erase"}
# Calls that only read: a ``status=`` among their arguments filters, never writes.
READS = {"Q", "filter", "exclude", "get", "values", "annotate", "aggregate", "count", "exists"}


def _product_modules():
    for path in sorted(ROOT.rglob("*.py")):
        parts = set(path.relative_to(ROOT).parts)
        if parts & SKIP:
            continue
        module = ".".join(path.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__")
        yield module, ast.parse(path.read_text(), filename=str(path))


def _functions(tree):
    """(qualified name within the module, node) for every function, methods included."""
    found = []

    def walk(node, prefix):
        for child in ast.iter_child_nodes(node):
            if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef)):
                found.append((f"{prefix}{child.name}", child))
                walk(child, f"{prefix}{child.name}.")
            elif isinstance(child, ast.ClassDef):
                walk(child, f"{prefix}{child.name}.")

    walk(tree, "")
    return found


def _called_name(call: ast.Call) -> str | None:
    if isinstance(call.func, ast.Name):
        return call.func.id
    if isinstance(call.func, ast.Attribute):
        return call.func.attr
    return None


def _mentions_restricting(node) -> bool:
    for sub in ast.walk(node):
        if isinstance(sub, ast.Attribute) and sub.attr in RESTRICTING_NAMES:
            return True
        if isinstance(sub, ast.Constant) and sub.value in RESTRICTING_NAMES:
            return True
    return False


def _writers() -> set[str]:
    """Functions that set a restricting standing, read from the code."""
    writers = set()
    for module, tree in _product_modules():
        for name, function in _functions(tree):
            read_keywords = {
                id(keyword)
                for call in ast.walk(function)
                if isinstance(call, ast.Call) and _called_name(call) in READS
                for keyword in call.keywords
            }
            for node in ast.walk(function):
                if id(node) in read_keywords:
                    continue
                if isinstance(node, ast.Call) and _called_name(node) == "contributor_status_set":
                    status = next((k.value for k in node.keywords if k.arg == "status"), None)
                    # A status that is not a literal could be anything: count it as restricting.
                    if status is None or _mentions_restricting(status) or not isinstance(status, ast.Attribute):
                        writers.add(f"{module}.{name}")
                elif isinstance(node, (ast.Assign, ast.keyword)) and _mentions_restricting(node.value):
                    targets = node.targets if isinstance(node, ast.Assign) else []
                    keyword_status = isinstance(node, ast.keyword) and node.arg == "status"
                    if keyword_status or any(isinstance(t, ast.Attribute) and t.attr == "status" for t in targets):
                        writers.add(f"{module}.{name}")
    return writers


def test_the_code_that_can_restrict_an_expert_is_exactly_the_case_decision():
    writers = _writers()
    # The case's own status uses the same words (CaseStatus.DEACTIVATED); the expert's
    # standing is written only through contributor_status_set, so the case decision is
    # the one writer, and what it calls is checked below.
    assert writers <= DECIDERS | {"contributors.services.contributor_status_set"}, writers
    assert writers >= DECIDERS


def test_no_sql_in_the_product_writes_an_experts_standing():
    from contributors.models import Contributor

    table = Contributor._meta.db_table
    for module, tree in _product_modules():
        for node in ast.walk(tree):
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and table in node.value:
                text = " ".join(node.value.lower().split())
                assert not ("update" in text and " status" in text), f"{module} writes {table}.status in SQL"


def _call_graph():
    """Name -> names it calls, over every function in the product; and the automated roots."""
    graph: dict[str, set[str]] = {}
    roots: set[str] = set()
    for module, tree in _product_modules():
        for name, function in _functions(tree):
            short = name.rsplit(".", 1)[-1]
            calls = {c for node in ast.walk(function) if isinstance(node, ast.Call) and (c := _called_name(node))}
            graph.setdefault(short, set()).update(calls)
            decorators = {ast.unparse(d) for d in function.decorator_list}
            if any("task" in d for d in decorators):
                roots.add(short)
            if ".management.commands." in module and short == "handle":
                roots.add(f"{module}:handle")
                graph[f"{module}:handle"] = calls
    return graph, roots


def test_no_scheduled_task_or_command_can_reach_a_restriction():
    graph, roots = _call_graph()
    assert "work_auto_approve_task" in roots and "screening_rescreen_task" in roots
    forbidden = {"deactivation_case_decide", "person_erase", "erasure_request_decide"}
    for root in sorted(roots):
        seen, stack, parents = {root}, [root], {}
        while stack:
            name = stack.pop()
            for callee in graph.get(name, ()):
                if callee in forbidden:
                    path = [callee, name]
                    while path[-1] in parents:
                        path.append(parents[path[-1]])
                    pytest.fail(f"{root} can reach {callee}: {' <- '.join(path)}")
                if callee in graph and callee not in seen:
                    seen.add(callee)
                    parents[callee] = name
                    stack.append(callee)


@pytest.mark.django_db
@pytest.mark.parametrize("status", RESTRICTING_STATUSES)
def test_the_standing_service_refuses_anyone_but_a_person_of_operations(status):
    expert = make_expert()
    _lab, lab_owner = make_lab()
    finance, _ = make_ops(Role.OPS_FINANCE)
    for actor in (None, expert.user, lab_owner, finance):
        with pytest.raises(NotPermitted):
            contributor_status_set(actor=actor, contributor=expert, status=status, reason="automatic")
    expert.refresh_from_db()
    assert expert.status != status


@pytest.mark.django_db
def test_a_deactivation_decision_refuses_to_run_without_a_person():
    expert = make_expert()
    reviewer, _ = make_ops(Role.OPS_REVIEWER)
    case = deactivation_case_open(actor=reviewer, contributor=expert, concern="Concern")
    with pytest.raises(NotPermitted):
        deactivation_case_decide(actor=None, case=case, deactivate=True, reason="by a sweep")
    expert.refresh_from_db()
    assert expert.status != ContributorStatus.DEACTIVATED
