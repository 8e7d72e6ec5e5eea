"""The enablement poll load check (`python -m rsc_demo.poll_load`) at a small size, on its own local stack: the
invariants of the 5,000-contract run, not its timing."""

from __future__ import annotations

import io

import pytest

pytestmark = pytest.mark.stack


def test_the_scheduled_poll_over_300_waiting_customers_keeps_its_invariants() -> None:
    from rsc_demo.poll_load import LoadPlan, PollLoad

    # Given 300 customers, each with its own LinkedIn application and one contract waiting in Partner ready, 3 of
    # them enabled at LinkedIn (pushes dropped); their first poll time moved to now instead of waited for, and the
    # third run not waiting for the started syncs to end
    plan = LoadPlan(contracts=300, enabled_share=0.01, wait_for_first_poll=False, settle_syncs=False)
    figures = PollLoad(plan, io.StringIO()).run()

    # The seeded customers look exactly like one the onboarding use cases onboarded
    assert figures["seeding"]["accounts_compared"] == 1 and figures["seeding"]["differences"] == []
    first, again, later = figures["runs"]
    # When the schedule fires: every contract polled, one BATCH_GET per application as counted by LinkedIn
    assert first["ok"] and first["contracts_due"] == first["contracts_polled"] == 300
    assert first["emulator_get_calls"] == first["expected_calls"] == first["apps_called"] == 300
    assert first["max_calls_per_app"] == 1 and first["apps_over_expected"] == 0
    assert first["emulator_integration_calls"] == first["emulator_usage_counted"] == 300
    assert first["errors"] == first["skipped_for_budget"] == 0
    # the three enabled ones, and only they, became Enabled and started one initial sync each
    assert first["transitions"] == first["transitions_to_enabled"] == 3 == figures["enabled_at_emulator"]
    assert first["executions_started"] == 3
    # Fired again at once: nothing due, no LinkedIn call
    assert again["ok"] and again["contracts_due"] == again["emulator_get_calls"] == 0
    # With every next poll moved to now: all polled again with the tokens of the first run (the only mints are
    # the running syncs' own, for the enabled customers), no second execution
    assert later["contracts_polled"] == later["emulator_get_calls"] == 300
    assert later["emulator_token_mints"] <= figures["enabled_at_emulator"]
    assert later["executions_started"] == 0 and later["transitions"] == 0
    assert figures["executions_started"] == figures["expected_executions"] == 3
    assert figures["executions_for_enabled_contracts_only"]
    # No contract lost; Enabled = exactly those enabled at LinkedIn
    for stage in ("after_first_run", "final"):
        assert figures[stage]["lost"] == 0 and figures[stage]["enabled_exactly_those_enabled_at_emulator"]
    # The schedule's worst first day stays far below the budget
    assert figures["schedule"]["first_day_calls_per_app"] <= figures["schedule"]["poll_daily_budget"]
    assert figures["budget_failures"] == []
