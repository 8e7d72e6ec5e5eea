"""The deactivation state machine: static checks of the ASL and its definition accepted by moto's Step Functions."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

import pytest

from tests.conftest import REGION
from tests.helpers import ROOT, template
from tests.statemachine.test_initial_sync_asl import LAMBDA_ERRORS

ASL_PATH = ROOT / "statemachine" / "deactivation.asl.json"


def definition() -> dict[str, Any]:
    return json.loads(ASL_PATH.read_text())  # type: ignore[no-any-return]


def test_placeholders_are_exactly_the_templates_substitutions() -> None:
    substitutions = template()["Resources"]["DeactivationStateMachine"]["Properties"]["DefinitionSubstitutions"]
    assert set(re.findall(r"\$\{(\w+)\}", ASL_PATH.read_text())) == set(substitutions)
    assert "arn:aws" not in ASL_PATH.read_text()


def test_every_transition_points_at_a_state_and_every_task_has_retry_and_catch() -> None:
    states = definition()["States"]
    assert definition()["StartAt"] == "Begin"
    for name, state in states.items():
        targets = [state.get("Next"), state.get("Default")]
        targets += [c.get("Next") for c in state.get("Catch", []) + state.get("Choices", [])]
        for target in filter(None, targets):
            assert target in states, f"{name} -> {target}"
        if state["Type"] == "Task":
            assert state.get("Catch"), name
            retried = {e for r in state.get("Retry", []) for e in r["ErrorEquals"]}
            assert retried >= LAMBDA_ERRORS | {"States.TaskFailed"}, name


def test_the_path_begin_purge_loop_configurations_finish() -> None:
    states = definition()["States"]
    assert states["Begin"]["Next"] == "AlreadyDone?"
    assert states["AlreadyDone?"]["Choices"][0]["Next"] == "Done"
    assert states["LetSyncSettle"]["SecondsPath"] == "$.begin.settleSeconds"
    assert states["Purge"]["Next"] == "Purged?"
    assert states["Purged?"]["Choices"][0] == {
        "Variable": "$.purge.done",
        "BooleanEquals": True,
        "Next": "RemoveConfigurations",
    }
    assert states["Purged?"]["Default"] == "WaitToPurge" and states["WaitToPurge"]["Next"] == "Purge"
    assert states["RemoveConfigurations"]["Next"] == "Finish" and states["Finish"]["Next"] == "Done"
    # the purge and begin know their execution: the purge's lease is held per execution
    assert states["Purge"]["Parameters"]["Payload"]["executionArn.$"] == "$$.Execution.Id"


def test_failures_email_and_fail_and_a_stall_is_not_retried() -> None:
    states = definition()["States"]
    for name in ("Begin", "Purge", "RemoveConfigurations", "Finish"):
        assert [c["Next"] for c in states[name]["Catch"]] == ["Failed"], name
    assert states["Failed"]["Parameters"]["Payload"]["action"] == "fail"
    assert states["Failed"]["Next"] == "DeactivationFailed" and states["DeactivationFailed"]["Type"] == "Fail"
    retries = states["Purge"]["Retry"]
    stalled = next(i for i, r in enumerate(retries) if r["ErrorEquals"] == ["PurgeStalled"])
    task_failed = next(i for i, r in enumerate(retries) if "States.TaskFailed" in r["ErrorEquals"])
    assert retries[stalled]["MaxAttempts"] == 0 and stalled < task_failed
    assert retries[task_failed]["MaxAttempts"] >= 5  # anything else unexpected: generous retries, then fail


def test_the_step_function_serves_every_action() -> None:
    from rsc_connector.deactivation import steps

    actions = {s["Parameters"]["Payload"]["action"] for s in definition()["States"].values() if s["Type"] == "Task"}
    source = (ROOT / "layers/common/rsc_connector/deactivation/steps.py").read_text()
    for action in actions:
        assert f'action == "{action}"' in source, action
    assert steps.handle  # the dispatcher the function calls


@pytest.fixture
def sfn(aws: dict[str, Any], env: dict[str, str]) -> Iterator[Any]:
    import boto3
    from moto.core.config import default_user_config

    saved = dict(default_user_config.get("stepfunctions", {}))
    default_user_config["stepfunctions"] = {"execute_state_machine": True}
    try:
        client = boto3.client("stepfunctions", region_name=REGION)
        text = ASL_PATH.read_text()
        for key, value in {
            "LambdaInvoke": "arn:aws:states:::lambda:invoke",
            "DeactivationStepsFunctionArn": "arn:aws:lambda:us-east-1:123456789012:function:deactivation-steps",
        }.items():
            text = text.replace("${" + key + "}", value)
        arn = client.create_state_machine(
            name="rsc-connector-deactivation-test", definition=text, roleArn="arn:aws:iam::123456789012:role/sfn"
        )["stateMachineArn"]
        yield client, arn
    finally:
        default_user_config["stepfunctions"] = saved


def test_the_definition_parses_in_moto_and_names_are_deterministic(sfn: Any) -> None:
    from rsc_connector.adapters.stepfunctions import StepFunctionsSyncStarter
    from rsc_connector.enablement import execution_name

    client, arn = sfn
    assert client.describe_state_machine(stateMachineArn=arn)["status"] == "ACTIVE"
    starter = StepFunctionsSyncStarter(arn, client)
    name = execution_name("acct-1", "7001", "deactivate-1")
    assert name == "acct-1-7001-deactivate-1"
    payload = {"accountId": "acct-1", "contractId": "7001"}
    assert starter.start(name, payload) == starter.start(name, payload)
    assert len(client.list_executions(stateMachineArn=arn)["executions"]) == 1
