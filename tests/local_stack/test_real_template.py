"""Smoke test: the project's real template.yaml deploys into the local stack, driven by the template itself."""

from __future__ import annotations

import importlib.util
import json
from collections.abc import Iterator
from typing import Any

import pytest
import requests

from rsc_local.config import AtsSettings, LinkedInSettings
from rsc_local.stack import LocalStack
from rsc_local.template import load_template
from rsc_local.testing import PROJECT_ROOT, local_stack, testing_config

pytestmark = pytest.mark.stack

TEMPLATE = PROJECT_ROOT / "template.yaml"
EMULATOR_AVAILABLE = importlib.util.find_spec("linkedin_emulator") is not None
FAKE_ATS_AVAILABLE = importlib.util.find_spec("fake_ats") is not None


@pytest.fixture(scope="module")
def real_stack() -> Iterator[LocalStack]:
    linkedin = (
        LinkedInSettings(mode="emulator")
        if EMULATOR_AVAILABLE
        else LinkedInSettings(
            mode="external", api_base_url="http://127.0.0.1:9/v2", oauth_base_url="http://127.0.0.1:9/oauth/v2"
        )
    )
    ats = AtsSettings() if FAKE_ATS_AVAILABLE else AtsSettings(service=None, credential={"token": "t"})
    with local_stack(testing_config(TEMPLATE, stack_name="rsc-local-smoke", linkedin=linkedin, ats=ats)) as running:
        yield running


@pytest.fixture(scope="module")
def sam() -> dict[str, Any]:
    return load_template(TEMPLATE)


def _of_type(sam: dict[str, Any], resource_type: str) -> dict[str, dict[str, Any]]:
    return {k: v for k, v in sam["Resources"].items() if v["Type"] == resource_type}


def test_every_function_is_invocable_from_its_code_uri(real_stack: LocalStack, sam: dict[str, Any]) -> None:
    functions = _of_type(sam, "AWS::Serverless::Function")
    assert set(functions) <= set(real_stack.functions)
    for logical_id, resource in functions.items():
        spec = real_stack.functions[logical_id]
        assert spec.code_dir == (PROJECT_ROOT / resource["Properties"]["CodeUri"]).resolve()
        assert spec.handler == resource["Properties"]["Handler"]


def test_every_api_event_is_a_route_with_the_template_auth(real_stack: LocalStack, sam: dict[str, Any]) -> None:
    routes = {(r["method"], r["path"]): r for r in real_stack.routes()}
    apis = _of_type(sam, "AWS::Serverless::Api")
    for logical_id, resource in _of_type(sam, "AWS::Serverless::Function").items():
        for event in (resource["Properties"].get("Events") or {}).values():
            if event["Type"] != "Api":
                continue
            properties = event["Properties"]
            api = apis[properties["RestApiId"]["Ref"]]
            stage = real_stack.deployed.prepared.parameters.get("Stage", "dev")
            method = "ANY" if properties["Method"].lower() == "any" else properties["Method"].upper()
            route = routes[(method, f"/{stage}{properties['Path']}")]
            assert route["function"] == logical_id
            expected = (properties.get("Auth") or {}).get(
                "Authorizer", api["Properties"].get("Auth", {}).get("DefaultAuthorizer")
            )
            assert route["authorizer"] == (None if expected == "NONE" else expected)


def test_resources_exist_in_moto(real_stack: LocalStack, sam: dict[str, Any]) -> None:
    secrets = {s["Name"] for s in real_stack.boto3_client("secretsmanager").list_secrets()["SecretList"]}
    for logical_id in _of_type(sam, "AWS::SecretsManager::Secret"):
        assert real_stack.physical_id(logical_id).split(":secret:")[1].rsplit("-", 1)[0] in secrets
    tables = real_stack.boto3_client("dynamodb").list_tables()["TableNames"]
    for logical_id in _of_type(sam, "AWS::DynamoDB::Table"):
        assert real_stack.physical_id(logical_id) in tables
    sfn = real_stack.boto3_client("stepfunctions")
    for logical_id in _of_type(sam, "AWS::Serverless::StateMachine"):
        assert sfn.describe_state_machine(stateMachineArn=real_stack.physical_id(logical_id))["status"] == "ACTIVE"
    sqs = real_stack.boto3_client("sqs")
    for logical_id in _of_type(sam, "AWS::SQS::Queue"):
        sqs.get_queue_attributes(QueueUrl=real_stack.physical_id(logical_id), AttributeNames=["QueueArn"])
    assert set(sam.get("Outputs", {})) <= set(real_stack.outputs)


def test_event_sources_and_schedules_are_registered(real_stack: LocalStack, sam: dict[str, Any]) -> None:
    sqs_events = {
        f"{logical_id}{name}"
        for logical_id, resource in _of_type(sam, "AWS::Serverless::Function").items()
        for name, event in (resource["Properties"].get("Events") or {}).items()
        if event["Type"] == "SQS"
    } | set(_of_type(sam, "AWS::Lambda::EventSourceMapping"))  # mappings written out in the template
    schedule_events = {
        f"{logical_id}{name}"
        for logical_id, resource in _of_type(sam, "AWS::Serverless::Function").items()
        for name, event in (resource["Properties"].get("Events") or {}).items()
        if event["Type"] == "Schedule"
    }
    assert {p.source.logical_id for p in real_stack.pollers} == sqs_events
    assert set(real_stack.schedules.schedules) == schedule_events


def test_outside_parties_are_wired_in(real_stack: LocalStack) -> None:
    environment = real_stack.environment
    assert environment["PUBLIC_BASE_URL"] == real_stack.api_url
    if EMULATOR_AVAILABLE:
        assert real_stack.linkedin is not None
        assert environment["LINKEDIN_API_BASE_URL"] == real_stack.linkedin.api_base_url
        secret = real_stack.boto3_client("secretsmanager").get_secret_value(SecretId=environment["PARTNER_SECRET_NAME"])
        assert set(json.loads(secret["SecretString"])) == {"client_id", "client_secret"}
    else:
        assert environment["LINKEDIN_API_BASE_URL"] == "http://127.0.0.1:9/v2"
    ats_secret = real_stack.boto3_client("secretsmanager").get_secret_value(SecretId=environment["ATS_API_SECRET_NAME"])
    assert "token" in json.loads(ats_secret["SecretString"])
    if FAKE_ATS_AVAILABLE:
        assert real_stack.ats is not None and environment["ATS_BASE_URL"] == real_stack.ats.base_url
    sender = real_stack.deployed.prepared.parameters["SenderEmail"]
    assert sender in real_stack.boto3_client("ses").list_identities()["Identities"]


def test_unknown_route_is_rejected_like_api_gateway(real_stack: LocalStack) -> None:
    """API Gateway's MISSING_AUTHENTICATION_TOKEN, as the template's GatewayResponses reshape it (404, our error)."""
    response = requests.get(f"{real_stack.api_url}/definitely/not/a/route", timeout=10)
    assert response.status_code == 404
    assert response.json() == {"error": {"code": "NOT_FOUND", "message": "No such route.", "details": None}}
    assert response.headers["x-amzn-ErrorType"] == "MissingAuthenticationTokenException"
