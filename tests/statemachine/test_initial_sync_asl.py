"""The initial-sync state machine: static checks of the ASL and its real execution in moto."""

from __future__ import annotations

import json
import re
import time
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


@pytest.fixture
def sfn(aws: dict[str, Any], env: dict[str, str]) -> Iterator[Any]:
    """A state machine created from the real ASL, executing in moto's interpreter."""
    import boto3
    from moto.core.config import default_user_config

    saved = dict(default_user_config.get("stepfunctions", {}))
    default_user_config["stepfunctions"] = {"execute_state_machine": True}
    try:
        client = boto3.client("stepfunctions", region_name=REGION)
        definition = ASL_PATH.read_text()
        values = {"StateTable": env["TABLE_NAME"], "DynamoDbPutItem": "arn:aws:states:::dynamodb:putItem"}
        for key, value in values.items():
            definition = definition.replace("${" + key + "}", value)
        arn = client.create_state_machine(
            name="rsc-connector-initial-sync-test",
            definition=definition,
            roleArn="arn:aws:iam::123456789012:role/sfn",
        )["stateMachineArn"]
        yield client, arn
    finally:
        default_user_config["stepfunctions"] = saved


def run(client: Any, arn: str, name: str, payload: dict[str, Any]) -> dict[str, Any]:
    execution = client.start_execution(stateMachineArn=arn, name=name, input=json.dumps(payload, sort_keys=True))
    for _ in range(200):
        described = client.describe_execution(executionArn=execution["executionArn"])
        if described["status"] != "RUNNING":
            return described  # type: ignore[no-any-return]
        time.sleep(0.05)
    raise AssertionError("execution did not finish")


PAYLOAD = {"accountId": "acct-1", "contractId": "7001", "syncId": "initial-1", "organizationUrn": "o", "contractUrn": "c"}


def test_a_start_records_the_sync_run(sfn: Any, aws: dict[str, Any], env: dict[str, str]) -> None:
    client, arn = sfn
    result = run(client, arn, "acct-1-7001-initial-1", PAYLOAD)
    assert result["status"] == "SUCCEEDED"
    item = aws["dynamodb"].get_item(
        TableName=env["TABLE_NAME"], Key={"pk": {"S": "ACCOUNT#acct-1"}, "sk": {"S": "SYNC#7001#initial-1"}}
    )["Item"]
    assert item["status"]["S"] == "STARTED"
    assert item["execution_arn"]["S"].endswith("acct-1-7001-initial-1")


def test_the_same_name_twice_is_one_execution(sfn: Any) -> None:
    client, arn = sfn
    first = client.start_execution(stateMachineArn=arn, name="n1", input=json.dumps(PAYLOAD, sort_keys=True))
    second = client.start_execution(stateMachineArn=arn, name="n1", input=json.dumps(PAYLOAD, sort_keys=True))
    assert first["executionArn"] == second["executionArn"]
    assert len(client.list_executions(stateMachineArn=arn)["executions"]) == 1


def test_a_second_run_of_the_same_sync_id_finds_it_recorded(sfn: Any) -> None:
    client, arn = sfn
    run(client, arn, "first", PAYLOAD)
    again = run(client, arn, "second", PAYLOAD)
    assert again["status"] == "SUCCEEDED"
    history = client.get_execution_history(executionArn=again["executionArn"])["events"]
    entered = [e["stateEnteredEventDetails"]["name"] for e in history if e["type"].endswith("StateEntered")]
    assert entered == ["RecordSyncStarted", "AlreadyRecorded"]


def test_the_sync_starter_adapter_is_idempotent_by_name(sfn: Any) -> None:
    from rsc_connector.adapters.stepfunctions import StepFunctionsSyncStarter

    client, arn = sfn
    starter = StepFunctionsSyncStarter(arn, client)
    a = starter.start("acct-1-7001-initial-1", PAYLOAD)
    b = starter.start("acct-1-7001-initial-1", PAYLOAD)
    c = starter.start("acct-1-7001-initial-1", {**PAYLOAD, "organizationUrn": "changed"})
    assert a == b == c
    assert len(client.list_executions(stateMachineArn=arn)["executions"]) == 1
