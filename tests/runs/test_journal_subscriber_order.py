"""The journal's subscribers run in one documented order (settings.OPSGATE_JOURNAL_SUBSCRIBERS),
not in whatever order the apps' ready() hooks happened to run."""

from django.test import override_settings

from approvals.subscriber import approvals_follow_journal, approvals_reconcile
from automation.triggers import rules_follow_journal, rules_reconcile
from runs.engine.follow import engine_follow_journal, engine_reconcile
from runs.engine.launch_gate import launch_follow_journal, launch_reconcile
from runs.journal import append as journal
from runs.journal.subscribers import journal_subscribers_load

PINNED = [
    (engine_follow_journal, engine_reconcile, False),
    (launch_follow_journal, launch_reconcile, False),
    (approvals_follow_journal, approvals_reconcile, False),
    (rules_follow_journal, rules_reconcile, True),  # the rules' work never fails an append
]


def test_the_registered_subscribers_are_the_pinned_ones_in_the_pinned_order():
    assert journal._subscribers == PINNED


def test_loading_again_registers_nothing_twice(monkeypatch):
    monkeypatch.setattr(journal, "_subscribers", list(PINNED))
    journal_subscribers_load()
    assert journal._subscribers == PINNED


def test_the_order_is_the_settings_order(monkeypatch):
    monkeypatch.setattr(journal, "_subscribers", [])
    reversed_entries = [
        {
            "subscriber": "automation.triggers.rules_follow_journal",
            "reconcile": "automation.triggers.rules_reconcile",
        },
        {
            "subscriber": "runs.engine.follow.engine_follow_journal",
            "reconcile": "runs.engine.follow.engine_reconcile",
        },
    ]
    with override_settings(OPSGATE_JOURNAL_SUBSCRIBERS=reversed_entries):
        journal_subscribers_load()
    assert journal._subscribers == [
        (rules_follow_journal, rules_reconcile, False),
        (engine_follow_journal, engine_reconcile, False),
    ]


def test_the_launch_gate_asks_approvals_through_the_lookup_they_registered(monkeypatch):
    """runs never imports approvals: the approvals app hands the gate its answers at ready time."""
    import pytest
    from django.core.exceptions import ImproperlyConfigured

    from approvals.launch_lookup import approval_facts, held_run_approval_id
    from runs.engine import approval_lookup as lookup

    registered = lookup.approval_lookup()
    assert (registered.find, registered.hold_approval_id) == (approval_facts, held_run_approval_id)
    monkeypatch.setattr(lookup, "_lookup", [])
    with pytest.raises(ImproperlyConfigured):
        lookup.approval_lookup()
