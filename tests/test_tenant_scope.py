"""core.tenant_scope: ``for_tenant`` scopes every read of selectors and background tasks, and the
reads that span tenants are named with ``across_tenants`` and a reason, each one reviewed here."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from core.tenant_scope import across_tenants, for_tenant, is_tenant_owned, tenant_owned_models
from governance.models import Credential, KillSwitch
from governance.services import credential_create
from tests.factories import TenantFactory

ROOT = Path(__file__).resolve().parent.parent
APPS = ("approvals", "automation", "builds", "core", "governance", "ops", "runs", "tenancy")
# Modules whose every read of a tenant-owned model goes through the helper: the selectors (the
# reads behind every page and endpoint), the background tasks (no request, so no tenant), and the
# modules that open secrets for them.
SCANNED = ("selectors.py", "tasks.py")
SCANNED_PATHS = ("automation/webhook_secrets.py",)
SCANNED_PACKAGES = ("builds/reads",)  # selector packages: every module in them
WRITES = {"create", "bulk_create", "get_or_create", "update_or_create"}

# Every deliberate read across tenants, by module and reason: a new one is added here on review.
CROSS_TENANT_REVIEWED = {
    ("approvals/tasks.py", "expiry sweep: every tenant's overdue approvals"),
    ("automation/api/views.py", "inbound webhook: the token decides"),
    ("automation/tasks.py", "a queued trigger task names its rule"),
    ("automation/webhook_secrets.py", "key rotation: every tenant's webhook secrets"),
    ("governance/services.py", "key rotation: every tenant's credentials"),
    ("runs/engine/runner.py", "stalled-run sweep"),
}


def app_modules():
    for app in APPS:
        for path in sorted((ROOT / app).rglob("*.py")):
            if "migrations" not in path.parts:
                yield path


def _model_names(tree: ast.AST) -> set[str]:
    """Tenant-owned model names, plus the aliases this module imports them under."""
    names = {model.__name__ for model in tenant_owned_models()}
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            names |= {a.asname for a in node.names if a.asname and a.name in names}
    return names


def unscoped_reads(path: Path) -> list[str]:
    """``Model.objects.<read>`` on a tenant-owned model: each should be ``for_tenant(Model, tenant)``
    or ``across_tenants(Model, reason=...)``."""
    source = path.read_text()
    tree = ast.parse(source)
    names, lines = _model_names(tree), source.splitlines()
    found = []
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Attribute) and isinstance(node.value, ast.Attribute)):
            continue
        manager = node.value
        if (
            manager.attr in ("objects", "_default_manager")
            and isinstance(manager.value, ast.Name)
            and manager.value.id in names
            and node.attr not in WRITES
        ):
            found.append(f"{path.relative_to(ROOT)}:{node.lineno}: {lines[node.lineno - 1].strip()}")
    return found


def cross_tenant_reads() -> set[tuple[str, str]]:
    found = set()
    for path in app_modules():
        if path.name == "tenant_scope.py":
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "across_tenants":
                reason = next((k.value for k in node.keywords if k.arg == "reason"), None)
                literal = isinstance(reason, ast.Constant) and isinstance(reason.value, str)
                found.add((str(path.relative_to(ROOT)), reason.value if literal else "<not a literal>"))
    return found


# -- the helper ----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_for_tenant_reads_only_that_tenants_rows():
    mine, theirs = TenantFactory(), TenantFactory()
    credential_create(tenant=mine, name="mine", value="s1")
    credential_create(tenant=theirs, name="theirs", value="s2")
    assert list(for_tenant(Credential, mine).values_list("name", flat=True)) == ["mine"]
    assert list(for_tenant(Credential, theirs.pk).values_list("name", flat=True)) == ["theirs"]
    narrowed = Credential.objects.filter(name__in=["mine", "theirs"])
    assert list(for_tenant(narrowed, mine).values_list("name", flat=True)) == ["mine"]
    everyone = across_tenants(Credential, reason="this test")
    assert sorted(everyone.values_list("name", flat=True)) == ["mine", "theirs"]


@pytest.mark.parametrize("tenant", [None, ""])
def test_a_missing_tenant_is_an_error_not_every_tenant(tenant):
    with pytest.raises(ValueError, match="needs a tenant"):
        for_tenant(Credential, tenant)


def test_a_model_no_tenant_owns_is_refused():
    assert not is_tenant_owned(KillSwitch)
    with pytest.raises(TypeError, match="KillSwitch has no tenant"):
        for_tenant(KillSwitch, "t")
    with pytest.raises(TypeError, match="Expected a model or a queryset"):
        for_tenant("Credential", "t")


@pytest.mark.parametrize("reason", ["", "  ", None])
def test_a_cross_tenant_read_needs_a_reason(reason):
    with pytest.raises(ValueError, match="needs a reason"):
        across_tenants(Credential, reason=reason)


def test_the_tenant_owned_models_are_found_by_their_tenant_key():
    labels = {model._meta.label for model in tenant_owned_models()}
    assert {"runs.Run", "runs.RunEvent", "approvals.Approval", "governance.Credential"} <= labels
    assert {"tenancy.ApiKey", "automation.AutomationRule", "runs.Workflow"} <= labels
    assert "runs.Template" not in labels  # the catalogue: every tenant's (its publisher is no owner)


# -- the code base ---------------------------------------------------------------------------------


def scanned(path: Path) -> bool:
    relative = path.relative_to(ROOT)
    in_package = any(relative.is_relative_to(package) for package in SCANNED_PACKAGES)
    return path.name in SCANNED or str(relative) in SCANNED_PATHS or in_package


def test_selectors_and_tasks_read_tenant_rows_only_through_the_helper():
    assert all((ROOT / name).is_file() for name in SCANNED_PATHS)
    assert all((ROOT / name).is_dir() for name in SCANNED_PACKAGES)
    offending = [line for path in app_modules() if scanned(path) for line in unscoped_reads(path)]
    assert not offending, "Use for_tenant(...) or across_tenants(..., reason=...):\n" + "\n".join(offending)


def test_the_scan_finds_a_hand_written_read(tmp_path, monkeypatch):
    """The check above can fail: a selector written the old way is reported with its line."""
    monkeypatch.setattr(f"{__name__}.ROOT", tmp_path)
    module = tmp_path / "selectors.py"
    module.write_text(
        "from runs.models import Run as R, RunEvent\n"
        "def a(t):\n    return R.objects.filter(tenant=t)\n"
        "def b():\n    return RunEvent.objects.all()\n"
        "def c(t):\n    return RunEvent.objects.create(tenant=t)\n"
    )
    assert unscoped_reads(module) == [
        "selectors.py:3: return R.objects.filter(tenant=t)",
        "selectors.py:5: return RunEvent.objects.all()",
    ]


def test_every_cross_tenant_read_is_a_reviewed_one():
    assert cross_tenant_reads() == CROSS_TENANT_REVIEWED
