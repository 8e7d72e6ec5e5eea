"""The test template in the local stack: API adapter and authorizer, state machine, schedules, secrets, SES."""

from __future__ import annotations

import base64
import json
import time
import uuid
from types import ModuleType

import boto3
import pytest
import requests

from rsc_local.errors import FunctionError
from rsc_local.stack import LocalStack

from .conftest import SEEDED_SECRET

pytestmark = pytest.mark.stack


# ---------------------------------------------------------------------------------------------- API adapter


def test_route_without_authorizer_gets_a_rest_proxy_event(stack: LocalStack, probe: ModuleType) -> None:
    response = requests.get(f"{stack.api_url}/health?a=1&a=2&b=", headers={"X-Trace": "t1"}, timeout=10)

    assert response.status_code == 200
    assert response.raw.headers.getlist("Set-Cookie") == ["a=1", "b=2"]  # multiValueHeaders
    event = response.json()["event"]
    assert (event["resource"], event["path"], event["httpMethod"]) == ("/health", "/health", "GET")
    assert event["queryStringParameters"] == {"a": "2", "b": ""}
    assert event["multiValueQueryStringParameters"] == {"a": ["1", "2"], "b": [""]}
    assert event["headers"]["X-Trace"] == "t1" and event["multiValueHeaders"]["X-Trace"] == ["t1"]
    assert event["headers"]["X-Forwarded-For"] == "127.0.0.1"
    assert event["pathParameters"] is None and event["body"] is None and event["isBase64Encoded"] is False
    context = event["requestContext"]
    assert context["stage"] == "test" and context["resourcePath"] == "/health" and context["path"] == "/test/health"
    assert context["identity"]["sourceIp"] == "127.0.0.1" and context["domainName"].startswith("127.0.0.1:")
    assert context["apiId"] == stack.physical_id("TestApi") and context["requestId"]
    assert "authorizer" not in context


def test_missing_identity_header_is_401_without_calling_the_authorizer(stack: LocalStack, probe: ModuleType) -> None:
    before = len(probe.records("authorizer"))
    response = requests.get(f"{stack.api_url}/items/42", timeout=10)
    assert response.status_code == 401
    assert response.json() == {"message": "Unauthorized"}
    assert response.headers["x-amzn-ErrorType"] == "UnauthorizedException"
    assert len(probe.records("authorizer")) == before


def test_allowed_request_carries_the_authorizer_context(stack: LocalStack, probe: ModuleType) -> None:
    response = requests.get(f"{stack.api_url}/items/it%20em", headers={"Authorization": "allow-1"}, timeout=10)

    assert response.status_code == 200
    event = response.json()["event"]
    assert event["pathParameters"] == {"itemId": "it em"}
    assert event["path"] == "/items/it%20em"
    assert event["requestContext"]["authorizer"] == {
        "accountId": "acct-1",
        "role": "admin",
        "seats": "3",
        "trial": "false",
        "principalId": "user-7",
        "integrationLatency": event["requestContext"]["authorizer"]["integrationLatency"],
    }
    authorizer_event = probe.records("authorizer", token="allow-1")[-1]["event"]
    assert authorizer_event["type"] == "REQUEST"
    assert authorizer_event["methodArn"] == (
        f"arn:aws:execute-api:us-east-1:123456789012:{stack.physical_id('TestApi')}/test/GET/items/it%20em"
    )
    assert authorizer_event["resource"] == "/items/{itemId}"
    assert authorizer_event["pathParameters"] == {"itemId": "it em"}


@pytest.mark.parametrize(
    ("token", "status", "message"),
    [
        ("deny", 403, "User is not authorized to access this resource with an explicit deny"),
        ("unauthorized", 401, "Unauthorized"),
        ("crash", 500, None),
    ],
)
def test_authorizer_verdicts(stack: LocalStack, token: str, status: int, message: str | None) -> None:
    response = requests.get(f"{stack.api_url}/items/1", headers={"Authorization": token}, timeout=10)
    assert response.status_code == status
    assert response.json() == {"message": message}


def test_unknown_routes_and_stages_answer_like_api_gateway(stack: LocalStack) -> None:
    missing = requests.get(f"{stack.api_url}/nowhere", timeout=10)
    assert missing.status_code == 403 and missing.json() == {"message": "Missing Authentication Token"}
    wrong_method = requests.delete(f"{stack.api_url}/health", timeout=10)
    assert wrong_method.status_code == 403
    wrong_stage = requests.get(stack.api_url.rsplit("/", 1)[0] + "/prod/health", timeout=10)
    assert wrong_stage.status_code == 403 and wrong_stage.json() == {"message": "Forbidden"}


def test_handler_crash_is_502(stack: LocalStack) -> None:
    response = requests.get(f"{stack.api_url}/items/boom", headers={"Authorization": "allow"}, timeout=10)
    assert response.status_code == 502
    assert response.json() == {"message": "Internal server error"}


def test_binary_bodies_follow_the_binary_media_types(stack: LocalStack, probe: ModuleType) -> None:
    # A binary request body reaches the handler base64-encoded (greedy path, ANY method)
    response = requests.put(
        f"{stack.api_url}/files/a/b.bin",
        data=b"\xff\x00",
        headers={"Authorization": "allow", "Content-Type": "application/octet-stream"},
        timeout=10,
    )
    event = response.json()["event"]
    assert event["pathParameters"] == {"proxy": "a/b.bin"} and event["resource"] == "/files/{proxy+}"
    assert event["isBase64Encoded"] is True and base64.b64decode(event["body"]) == b"\xff\x00"

    # A base64 response is decoded only when the client accepts a binary media type
    url = f"{stack.api_url}/items/binary"
    binary = requests.get(url, headers={"Authorization": "allow", "Accept": "application/octet-stream"}, timeout=10)
    assert binary.content == b"\x00\x01\xfe\xff"
    text = requests.get(url, headers={"Authorization": "allow", "Accept": "application/json"}, timeout=10)
    assert text.content == base64.b64encode(b"\x00\x01\xfe\xff")


def test_public_base_url_parameter_points_at_the_adapter(stack: LocalStack) -> None:
    assert stack.environment["PUBLIC_BASE_URL"] == stack.api_url
    assert stack.api_url.startswith("http://127.0.0.1:") and stack.api_url.endswith("/test")


# ---------------------------------------------------------------------------------------------- the rest


def test_state_machine_runs_the_real_handlers(stack: LocalStack, probe: ModuleType) -> None:
    sfn = stack.boto3_client("stepfunctions")
    item_id = f"item-{uuid.uuid4().hex[:8]}"
    arn = sfn.start_execution(
        stateMachineArn=stack.outputs["FlowArn"], name=item_id, input=json.dumps({"id": item_id, "value": 21})
    )["executionArn"]

    description = stack.wait_for_execution(arn, timeout=30)

    assert description["status"] == "SUCCEEDED"
    output = json.loads(description["output"])
    assert output["doubled"] == {"value": 42} and output["described"] == {"text": "test:42"}
    item = stack.boto3_client("dynamodb").get_item(
        TableName=stack.physical_id("DataTable"), Key={"pk": {"S": item_id}}
    )["Item"]
    # $$.Execution.Name survived the DefinitionSubstitutions; an unknown ${...} stays literal, as in CloudFormation
    assert item == {
        "pk": {"S": item_id},
        "text": {"S": "test:42"},
        "execution": {"S": item_id},
        "note": {"S": "${NotASubstitution}"},
    }
    assert [r["event"]["op"] for r in probe.records("step") if r["event"].get("value") in (21, 42)][-2:] == [
        "double",
        "describe",
    ]


def test_state_machine_sees_handler_errors_as_lambda_errors(stack: LocalStack) -> None:
    sfn = stack.boto3_client("stepfunctions")
    arn = sfn.start_execution(stateMachineArn=stack.outputs["FlowArn"], input=json.dumps({"id": "neg", "value": -1}))[
        "executionArn"
    ]
    description = stack.wait_for_execution(arn, timeout=30)
    assert description["status"] == "FAILED"
    assert description["error"] == "ValueError"
    assert "negative values cannot be doubled" in description["cause"]


def test_lambda_invoke_api_runs_the_real_handler(stack: LocalStack) -> None:
    client = stack.boto3_client("lambda")
    name = stack.functions["StepFunction"].name
    ok = client.invoke(FunctionName=name, Payload=json.dumps({"op": "double", "value": 4}))
    assert json.loads(ok["Payload"].read()) == {"value": 8} and "FunctionError" not in ok
    failed = client.invoke(FunctionName=name, Payload=json.dumps({"op": "double", "value": -4}))
    assert failed["FunctionError"] == "Unhandled"
    error = json.loads(failed["Payload"].read())
    assert error["errorType"] == "ValueError" and error["errorMessage"] == "negative values cannot be doubled"


def test_asynchronous_lambda_invoke_runs_in_the_background(stack: LocalStack, probe: ModuleType) -> None:
    marker = uuid.uuid4().hex
    response = stack.boto3_client("lambda").invoke(
        FunctionName=stack.functions["StepFunction"].name,
        InvocationType="Event",
        Payload=json.dumps({"op": "describe", "value": marker}),
    )
    assert response["StatusCode"] == 202
    deadline = time.monotonic() + 5
    while not [r for r in probe.records("step") if r["event"].get("value") == marker]:
        assert time.monotonic() < deadline, "the asynchronous invocation never ran"
        time.sleep(0.05)


def test_direct_invoke(stack: LocalStack) -> None:
    assert stack.invoke("StepFunction", {"op": "double", "value": 5}) == {"value": 10}
    with pytest.raises(FunctionError) as raised:
        stack.invoke("StepFunction", {"op": "double", "value": -5})
    assert raised.value.error_type == "ValueError" and isinstance(raised.value.__cause__, ValueError)


def test_schedules_fire_with_eventbridge_payloads(stack: LocalStack, probe: ModuleType) -> None:
    nightly = stack.fire_schedule("ScheduledFunctionNightly")
    assert nightly.ok and nightly.result == {"ok": True}
    assert probe.records("scheduled")[-1]["event"] == {"job": "nightly"}

    hourly = stack.fire_schedule("ScheduledFunctionHourly")
    event = probe.records("scheduled")[-1]["event"]
    assert hourly.ok
    assert event["detail-type"] == "Scheduled Event" and event["source"] == "aws.events" and event["detail"] == {}
    assert event["resources"][0].startswith("arn:aws:events:us-east-1:123456789012:rule/")


def test_schedule_can_start_a_state_machine(stack: LocalStack) -> None:
    fired = stack.fire_schedule("FlowDaily")
    assert fired.ok
    description = stack.wait_for_execution(fired.result, timeout=30)
    assert description["status"] == "SUCCEEDED"
    assert json.loads(description["output"])["described"] == {"text": "test:10"}


def test_background_scheduler_runs_on_a_scaled_clock(stack: LocalStack, probe: ModuleType) -> None:
    # rate(1 hour) at 7200x fires every 0.5 s; the nightly cron fires at most once in that time
    before = len(probe.records("scheduled"))
    stack.start_scheduler(time_scale=7200)
    try:
        time.sleep(1.3)
    finally:
        stack.stop_scheduler()
    hourly = [r for r in probe.records("scheduled")[before:] if r["event"].get("detail-type") == "Scheduled Event"]
    assert 2 <= len(hourly) <= 3


def test_generated_and_seeded_secrets(stack: LocalStack) -> None:
    secrets = stack.boto3_client("secretsmanager")
    generated = json.loads(secrets.get_secret_value(SecretId="rsc-local-test/test/signing")["SecretString"])
    assert generated["issuer"] == "tests" and len(generated["signing_key"]) == 32 and generated["signing_key"].isalnum()
    assert stack.physical_id("SigningSecret").startswith("arn:aws:secretsmanager:us-east-1:123456789012:secret:")
    seeded = json.loads(secrets.get_secret_value(SecretId=SEEDED_SECRET)["SecretString"])
    assert seeded == {"token": "s3cret"}


def test_handlers_send_email_through_moto_ses(stack: LocalStack) -> None:
    response = requests.post(
        f"{stack.api_url}/notify",
        json={"to": "admin@customer.example", "subject": "Sync finished"},
        headers={"Authorization": "allow"},
        timeout=10,
    )
    assert response.status_code == 202
    sent = [e for e in stack.read_emails() if e.subject == "Sync finished"]
    assert sent and sent[-1].source == "noreply@example.com" and sent[-1].to == ["admin@customer.example"]


def test_handlers_and_tests_see_the_same_moto(stack: LocalStack) -> None:
    # the handlers' boto3 goes to moto through AWS_ENDPOINT_URL; so does a plain client in this process
    plain = boto3.client("dynamodb")
    assert stack.physical_id("DataTable") in plain.list_tables()["TableNames"]
    assert stack.environment["TABLE_NAME"] == stack.physical_id("DataTable")


def test_reset_data_empties_tables_and_restores_secrets(stack: LocalStack) -> None:
    dynamodb = stack.boto3_client("dynamodb")
    secrets = stack.boto3_client("secretsmanager")
    table = stack.physical_id("DataTable")
    dynamodb.put_item(TableName=table, Item={"pk": {"S": "doomed"}})
    secrets.create_secret(Name="rsc-local-test/test/customers/c1", SecretString="{}")
    secrets.put_secret_value(SecretId=SEEDED_SECRET, SecretString='{"token": "changed"}')

    stack.reset_data()

    assert dynamodb.scan(TableName=table)["Count"] == 0
    names = {s["Name"] for s in secrets.list_secrets()["SecretList"]}
    assert "rsc-local-test/test/customers/c1" not in names and "rsc-local-test/test/signing" in names
    assert json.loads(secrets.get_secret_value(SecretId=SEEDED_SECRET)["SecretString"]) == {"token": "s3cret"}
    assert stack.read_emails() == []
    assert stack.invoke("StepFunction", {"op": "double", "value": 1}) == {"value": 2}  # cold start after reset
