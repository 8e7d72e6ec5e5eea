"""The initial-sync state machine: static checks of the ASL and its real execution in moto."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

import pytest

from tests.conftest import REGION
from tests.helpers import ROOT, template

ASL_PATH = ROOT / "statemachine" / "initial_sync.asl.json"


def substitutions() -> dict[str, Any]:
    return template()["Resources"]["InitialSyncStateMachine"]["Properties"]["DefinitionSubstitutions"]  # type: ignore[no-any-return]


def test_placeholders_are_exactly_the_templates_substitutions() -> None:
    text = ASL_PATH.read_text()
    assert set(re.findall(r"\$\{(\w+)\}", text)) == set(substitutions())


def test_no_hard_coded_arns_or_account_ids() -> None:
    text = ASL_PATH.read_text()
    assert "arn:aws" not in text
    assert not re.search(r"\b\d{12}\b", text)


def test_every_transition_points_at_a_state() -> None:
    definition = json.loads(ASL_PATH.read_text())
    states = definition["States"]
    assert definition["StartAt"] in states
    for name, state in states.items():
        targets = [state.get("Next"), state.get("Default")]
        targets += [c.get("Next") for c in state.get("Catch", []) + state.get("Choices", [])]
        for target in filter(None, targets):
            assert target in states, f"{name} -> {target}"
        if state["Type"] == "Task":
            assert state.get("Catch"), f"task {name} has no Catch"


def _walk(states: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    for name, state in states.items():
        yield name, state
        processor = state.get("ItemProcessor") or state.get("Iterator")
        if processor:
            yield from _walk(processor["States"])


LAMBDA_ERRORS = {
    "Lambda.ServiceException",
    "Lambda.AWSLambdaException",
    "Lambda.SdkClientException",
    "Lambda.TooManyRequestsException",
}


def test_every_lambda_task_retries_the_lambda_service_exceptions() -> None:
    definition = json.loads(ASL_PATH.read_text())
    tasks = [(n, s) for n, s in _walk(definition["States"]) if s["Type"] == "Task"]
    assert len(tasks) >= 5
    for name, state in tasks:
        retried = {e for r in state.get("Retry", []) for e in r["ErrorEquals"]}
        assert retried >= LAMBDA_ERRORS, f"{name} does not retry the Lambda service exceptions"


def test_failures_lead_to_the_failure_path() -> None:
    definition = json.loads(ASL_PATH.read_text())
    top = definition["States"]
    for name in ("Begin", "Phases", "SettleJobTasks", "Complete"):
        assert any(c["Next"] == "Failed" for c in top[name]["Catch"]), name
    assert top["Failed"]["Next"] == "SyncFailed" and top["SyncFailed"]["Type"] == "Fail"


def test_nested_transitions_point_at_states() -> None:
    definition = json.loads(ASL_PATH.read_text())

    def check(states: dict[str, Any]) -> None:
        for name, state in states.items():
            for target in filter(
                None,
                [state.get("Next"), state.get("Default")]
                + [c.get("Next") for c in state.get("Catch", []) + state.get("Choices", [])],
            ):
                assert target in states, f"{name} -> {target}"
            processor = state.get("ItemProcessor")
            if processor:
                assert processor["StartAt"] in processor["States"]
                check(processor["States"])

    check(definition["States"])


@pytest.fixture
def sfn(aws: dict[str, Any], env: dict[str, str]) -> Iterator[Any]:
    """The real ASL (substitutions applied) created in moto's executing Step Functions."""
    import boto3
    from moto.core.config import default_user_config

    saved = dict(default_user_config.get("stepfunctions", {}))
    default_user_config["stepfunctions"] = {"execute_state_machine": True}
    try:
        client = boto3.client("stepfunctions", region_name=REGION)
        definition = ASL_PATH.read_text()
        values = {
            "LambdaInvoke": "arn:aws:states:::lambda:invoke",
            "SyncStepsFunctionArn": "arn:aws:lambda:us-east-1:123456789012:function:steps",
            "SyncPlannerFunctionArn": "arn:aws:lambda:us-east-1:123456789012:function:planner",
        }
        for key, value in values.items():
            definition = definition.replace("${" + key + "}", value)
        arn = client.create_state_machine(
            name="rsc-connector-initial-sync-test", definition=definition, roleArn="arn:aws:iam::123456789012:role/sfn"
        )["stateMachineArn"]
        yield client, arn
    finally:
        default_user_config["stepfunctions"] = saved


PAYLOAD = {
    "accountId": "acct-1",
    "contractId": "7001",
    "syncId": "initial-1",
    "organizationUrn": "o",
    "contractUrn": "c",
}


def test_the_definition_parses_in_moto(sfn: Any) -> None:
    client, arn = sfn
    assert client.describe_state_machine(stateMachineArn=arn)["status"] == "ACTIVE"


def test_the_sync_starter_adapter_is_idempotent_by_name(sfn: Any) -> None:
    from rsc_connector.adapters.stepfunctions import StepFunctionsSyncStarter

    client, arn = sfn
    starter = StepFunctionsSyncStarter(arn, client)
    a = starter.start("acct-1-7001-initial-1", PAYLOAD)
    b = starter.start("acct-1-7001-initial-1", PAYLOAD)
    c = starter.start("acct-1-7001-initial-1", {**PAYLOAD, "organizationUrn": "changed"})
    assert a == b == c
    assert len(client.list_executions(stateMachineArn=arn)["executions"]) == 1
