"""run-event policy gate: ``POST /api/app/run_event/v1`` and the Automation Manager endpoints.

The origin's acceptance cases for the gate, every error code, and the held launch end to end."""

import pytest

from approvals.models import Approval, ApprovalKind, ApprovalStatus
from approvals.services import approval_resolve
from governance.models import AutomationPolicy, PolicyDecision
from runs.models import Run, RunState, Workflow
from tests.factories import TeamFactory, api_client, api_key_for, member
from tests.runs.engine.graphs import linear, transform

URL = "/api/app/run_event/v1"
HIGH_DENIED = (
    "Failed to launch job: Automation policy denied job launch: Human approval required for risk level: high"
)


@pytest.fixture
def workflow(tenant):
    return Workflow.objects.create(
        tenant=tenant,
        name="Deploy",
        category="ops",
        risk_level="high",
        graph=linear(transform("t", {"ok": True})),
    )


def enforce(tenant, **fields):
    return AutomationPolicy.objects.create(tenant=tenant, mode=fields.pop("mode", "enforced"), **fields)


@pytest.mark.django_db
def test_enforced_high_risk_without_approval_is_denied_with_the_reason(keyed_client, tenant, workflow):
    enforce(tenant)
    response = keyed_client.post(URL, {"id": str(workflow.pk)}, format="json")
    assert response.status_code == 403
    assert response.json() == {
        "code": "event",
        "description": HIGH_DENIED,
        "automation_policy": {
            "allowed": False,
            "mode": "enforced",
            "risk_level": "high",
            "reason": "Human approval required for risk level: high",
            "requires_human_approval": True,
            "human_approved": False,
        },
    }
    assert not Run.objects.exists()
    denied = PolicyDecision.objects.get()
    assert (denied.allowed, denied.task_title, denied.run_id) == (False, "Deploy", "")


@pytest.mark.django_db
def test_enforced_high_risk_with_approval_launches_and_the_run_shows_the_decision(
    keyed_client, tenant, workflow
):
    enforce(tenant)
    response = keyed_client.post(
        URL, {"title": "Deploy", "human_approved": True, "params": {"env": "prod"}}, format="json"
    )
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body == {"code": 0, "id": body["id"]} and body["id"].startswith("run_")
    run = Run.objects.get(run_id=body["id"])
    assert run.input == {"params": {"env": "prod"}, "input": {}}
    expected = {
        "allowed": True,
        "mode": "enforced",
        "risk_level": "high",
        "reason": "Allowed by policy",
        "requires_human_approval": True,
        "human_approved": True,
    }
    assert run.automation_policy == expected
    assert keyed_client.get(f"/v1/runs/{run.run_id}").json()["automation_policy"] == expected
    assert PolicyDecision.objects.get().run_id == run.run_id


@pytest.mark.django_db
@pytest.mark.parametrize("claim", ["false", "true", 1, None])
def test_only_a_json_true_counts_as_approved(keyed_client, tenant, workflow, claim):
    enforce(tenant)
    response = keyed_client.post(URL, {"id": str(workflow.pk), "human_approved": claim}, format="json")
    assert (response.status_code, response.json()["description"]) == (403, HIGH_DENIED)


@pytest.mark.django_db
def test_a_caller_who_cannot_decide_approvals_cannot_assert_one(tenant, workflow):
    enforce(tenant)
    executor = api_client(tenant=tenant, role="executor")
    response = executor.post(URL, {"id": str(workflow.pk), "human_approved": True}, format="json")
    assert (response.status_code, response.json()["code"]) == (403, "event")
    assert not Run.objects.exists()


@pytest.mark.django_db
def test_advisory_mode_allows_and_records_the_advice(keyed_client, tenant, workflow):
    enforce(tenant, mode="advisory")
    response = keyed_client.post(URL, {"id": str(workflow.pk)}, format="json")
    assert response.status_code == 200
    run = Run.objects.get(run_id=response.json()["id"])
    assert run.automation_policy["allowed"] is True
    assert run.automation_policy["reason"] == "Advisory mode: human approval recommended for risk level: high"


@pytest.mark.django_db
@pytest.mark.parametrize("risk", ["low", "medium"])
def test_low_and_medium_risk_launch_in_enforced_mode(keyed_client, tenant, workflow, risk):
    enforce(tenant)
    response = keyed_client.post(URL, {"id": str(workflow.pk), "risk_level": risk}, format="json")
    assert response.status_code == 200
    assert Run.objects.get().automation_policy["risk_level"] == risk


@pytest.mark.django_db
def test_a_test_run_bypasses_the_gate_without_side_effects(keyed_client, tenant, workflow):
    enforce(tenant)
    workflow.enabled = False
    workflow.save()
    response = keyed_client.post(URL, {"id": str(workflow.pk), "test": True}, format="json")
    assert response.status_code == 200
    assert response.json()["code"] == 0 and response.json()["id"] is None
    assert response.json()["automation_policy"]["allowed"] is False  # what a real launch would meet
    assert not Run.objects.exists() and not PolicyDecision.objects.exists() and not Approval.objects.exists()


@pytest.mark.django_db
def test_mode_off_leaves_no_policy_on_the_run(keyed_client, workflow):
    response = keyed_client.post(URL, {"id": str(workflow.pk)}, format="json")
    assert response.status_code == 200
    assert Run.objects.get().automation_policy is None
    assert not PolicyDecision.objects.exists()


@pytest.mark.django_db
def test_without_run_jobs_the_answer_is_access(tenant, workflow):
    raw, _ = api_key_for(member(tenant=tenant, role="viewer"), tenant, name="read only")
    client = api_client(tenant=tenant)
    client.credentials(HTTP_X_API_KEY=raw)
    response = client.post(URL, {"id": str(workflow.pk)}, format="json")
    assert response.status_code == 403
    assert response.json() == {
        "code": "access",
        "description": 'API Key "read only" does not have the "Run Jobs" privilege required '
        "to perform this action.",
    }


@pytest.mark.django_db
def test_a_category_outside_the_caller_s_teams_is_access(tenant, workflow):
    team = TeamFactory(tenant=tenant, workflow_categories=["billing"])
    raw, _ = api_key_for(member(role="operator", team=team), tenant)
    client = api_client(tenant=tenant)
    client.credentials(HTTP_X_API_KEY=raw)
    response = client.post(URL, {"id": str(workflow.pk)}, format="json")
    assert response.status_code == 403
    assert response.json() == {
        "code": "access",
        "description": "You do not have the required account privileges to access category ID ops.",
    }


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("body", "status", "code", "description"),
    [
        (
            {"id": "x", "risk_level": "extreme"},
            400,
            "api",
            "Malformed parameter: risk_level (must be one of low, medium, high, critical, got 'extreme')",
        ),
        ({}, 400, "event", "Failed to locate event: No criteria specified"),
        ({"id": "x", "input": "text"}, 400, "api", "Malformed event parameter: input (must be object)"),
        ({"id": "x", "test": "yes"}, 400, "api", "Malformed event parameter: test (must be boolean)"),
        ({"title": "Nope"}, 404, "event", "Event not found: Nope"),
    ],
)
def test_parameter_and_lookup_errors(keyed_client, workflow, body, status, code, description):
    response = keyed_client.post(URL, body, format="json")
    assert (response.status_code, response.json()) == (status, {"code": code, "description": description})
    assert not Run.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("field", "description"),
    [
        ("enabled", "Event is disabled: Deploy"),
        ("manual_runs", "Event does not allow manual job runs: Deploy"),
    ],
)
def test_disabled_or_non_manual_workflows_are_refused(keyed_client, workflow, field, description):
    setattr(workflow, field, False)
    workflow.save()
    response = keyed_client.post(URL, {"title": "Deploy"}, format="json")
    assert (response.status_code, response.json()) == (409, {"code": "event", "description": description})


@pytest.mark.django_db
def test_no_credentials_is_session(client_api, workflow):
    response = client_api.post(URL, {"id": str(workflow.pk)}, format="json")
    assert (response.status_code, response.json()["code"]) == (401, "session")


@pytest.mark.django_db
def test_another_tenant_s_workflow_is_not_found(workflow):
    stranger = api_client()
    response = stranger.post(URL, {"id": str(workflow.pk)}, format="json")
    assert (response.status_code, response.json()["code"]) == (404, "event")


@pytest.mark.django_db
def test_a_denied_launch_held_for_approval_runs_once_an_operator_approves(
    keyed_client, tenant, workflow, capture
):
    enforce(tenant, on_deny="request_approval")
    response = keyed_client.post(URL, {"id": str(workflow.pk)}, format="json")
    assert response.status_code == 403
    body = response.json()
    assert body["description"] == HIGH_DENIED
    approval = Approval.objects.get(event_id=body["approval_id"])
    assert (approval.kind, approval.status, approval.run.run_id) == (
        ApprovalKind.LAUNCH,
        ApprovalStatus.PENDING,
        body["run_id"],
    )
    held = keyed_client.get(f"/v1/runs/{body['run_id']}").json()
    assert held["waiting"]["reason"] == "launch_approval" and held["steps"] == []
    pending = keyed_client.get("/v1/approvals/pending").json()["approvals"]
    assert [item["event_id"] for item in pending] == [approval.event_id]

    operator = member(tenant=tenant, role="operator")
    with capture(execute=True):
        approval_resolve(
            tenant=tenant,
            event_id=approval.event_id,
            decision="approved",
            approver_id=operator.username,
            reason="checked",
            user=operator,
            acting_for_others=False,
            via="portal",
        )
    run = Run.objects.get(run_id=body["run_id"])
    assert run.state == RunState.SUCCEEDED
    detail = keyed_client.get(f"/v1/runs/{run.run_id}").json()
    assert detail["status"] == "succeeded"
    assert detail["automation_policy"]["human_approved"] is True
    assert detail["automation_policy"]["allowed"] is True
    # the approval launched this run; it cannot launch another
    again = keyed_client.post(URL, {"id": str(workflow.pk), "approval_id": approval.event_id}, format="json")
    assert again.status_code == 400
    assert again.json()["description"] == f"Approval was already used for a launch: {approval.event_id}"


@pytest.mark.django_db
def test_a_rejected_held_launch_fails_without_running(keyed_client, tenant, workflow, capture):
    enforce(tenant, on_deny="request_approval")
    body = keyed_client.post(URL, {"id": str(workflow.pk)}, format="json").json()
    operator = member(tenant=tenant, role="operator")
    with capture(execute=True):
        approval_resolve(
            tenant=tenant,
            event_id=body["approval_id"],
            decision="rejected",
            approver_id=operator.username,
            reason="not today",
            user=operator,
            acting_for_others=False,
        )
    run = Run.objects.get(run_id=body["run_id"])
    assert (run.state, run.error) == (RunState.FAILED, "Launch not approved (rejected)")
    assert not run.steps.exists()


@pytest.mark.django_db
def test_the_requester_cannot_approve_their_own_held_launch(tenant, workflow):
    enforce(tenant, on_deny="request_approval")
    requester = member(tenant=tenant, role="admin")
    raw, _ = api_key_for(requester, tenant)
    client = api_client(tenant=tenant)
    client.credentials(HTTP_X_API_KEY=raw)
    body = client.post(URL, {"id": str(workflow.pk)}, format="json").json()
    response = client.post(
        f"/v1/approvals/{body['approval_id']}",
        {"decision": "approved", "approver_id": requester.username},
        format="json",
    )
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "SELF_APPROVAL_FORBIDDEN"
    assert Approval.objects.get().status == ApprovalStatus.PENDING


@pytest.mark.django_db
def test_posting_v1_runs_meets_the_same_gate(keyed_client, tenant, workflow):
    enforce(tenant)
    response = keyed_client.post("/v1/runs", {"workflowId": str(workflow.pk)}, format="json")
    assert response.status_code == 403
    error = response.json()["error"]
    assert (error["code"], error["message"]) == (
        "POLICY_DENIED",
        "Automation policy denied job launch: Human approval required for risk level: high",
    )
    allowed = keyed_client.post(
        "/v1/runs", {"workflowId": str(workflow.pk), "riskLevel": "low"}, format="json"
    )
    assert allowed.status_code == 202


@pytest.mark.django_db
def test_the_manager_lists_recent_decisions_from_the_database(keyed_client, tenant, workflow):
    enforce(tenant, require_human_approval_for=["high"])
    keyed_client.post(URL, {"id": str(workflow.pk)}, format="json")
    evaluated = keyed_client.post(
        "/api/app/evaluate_automation_task/v1", {"title": "Rotate keys", "risk_level": "low"}, format="json"
    )
    assert evaluated.status_code == 200
    assert evaluated.json()["decision"]["reason"] == "Allowed by policy"
    assert evaluated.json()["task"]["title"] == "Rotate keys"
    manager = keyed_client.get("/api/app/get_automation_manager/v1").json()
    assert manager["code"] == 0
    assert (manager["manager"]["enabled"], manager["manager"]["mode"]) == (True, "enforced")
    assert manager["manager"]["require_human_approval_for"] == ["high"]
    assert [d["task_title"] for d in manager["manager"]["recentDecisions"]] == ["Rotate keys", "Deploy"]
    assert manager["manager"]["recentDecisions"][1]["allowed"] is False


@pytest.mark.django_db
def test_the_manager_endpoints_need_their_scopes(tenant):
    viewer = api_client(tenant=tenant, role="viewer")
    response = viewer.post("/api/app/evaluate_automation_task/v1", {"title": "x"}, format="json")
    assert response.status_code == 403


@pytest.mark.django_db
def test_an_unknown_or_undecided_approval_id_is_refused(keyed_client, tenant, workflow):
    enforce(tenant, on_deny="request_approval")
    held = keyed_client.post(URL, {"id": str(workflow.pk)}, format="json").json()
    for approval_id, description in (
        ("apr_nope", "Approval not found: apr_nope"),
        (held["approval_id"], f"Approval is not approved: {held['approval_id']} (pending)"),
    ):
        response = keyed_client.post(URL, {"id": str(workflow.pk), "approval_id": approval_id}, format="json")
        assert (response.status_code, response.json()) == (400, {"code": "api", "description": description})
    assert Run.objects.count() == 1  # only the held one
