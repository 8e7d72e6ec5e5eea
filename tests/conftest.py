"""Fixtures shared by every suite: environment, moto (in-process), the LinkedIn emulator, cache hygiene."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from tests.helpers import JWT_KEY, template

PARTNER = {"client_id": "partner-client-id", "client_secret": "partner-secret-DO-NOT-LOG"}
REGION = "us-east-1"
ENV = {
    "STAGE": "test",
    "TABLE_NAME": "rsc-connector-test",
    "ATS_NAME": "JobScore",
    "PUBLIC_BASE_URL": "https://rsc.example.test/test",
    "ATS_APP_URL": "https://app.example.test/settings/linkedin",
    "ATS_JS_SDK_DOMAIN": "https://app.example.test",
    "SENDER_EMAIL": "linkedin@example.test",
    "PARTNER_SECRET_NAME": "rsc-connector/test/linkedin-partner-app",
    "ATS_JWT_SECRET_NAME": "rsc-connector/test/ats-jwt",
    "ATS_API_SECRET_NAME": "rsc-connector/test/ats-export-api",
    "CUSTOMER_SECRET_PREFIX": "rsc-connector/test/customers/",
    "POWERTOOLS_SERVICE_NAME": "rsc-connector",
    "POWERTOOLS_TRACE_DISABLED": "true",
    "POWERTOOLS_METRICS_NAMESPACE": "RscConnector",
}


@pytest.fixture(autouse=True)
def _fresh_caches() -> Iterator[None]:
    from rsc_connector import services

    services.clear_caches()
    yield
    services.clear_caches()


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    for key, value in ENV.items():
        monkeypatch.setenv(key, value)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    return dict(ENV)


def create_table_from_template(client: Any, name: str) -> None:
    """The state table exactly as template.yaml declares it (keys, GSIs), so tests cannot drift from it."""
    props = template()["Resources"]["StateTable"]["Properties"]
    client.create_table(
        TableName=name,
        BillingMode=props["BillingMode"],
        AttributeDefinitions=props["AttributeDefinitions"],
        KeySchema=props["KeySchema"],
        GlobalSecondaryIndexes=props.get("GlobalSecondaryIndexes", []),
    )


@pytest.fixture
def aws(env: dict[str, str]) -> Iterator[dict[str, Any]]:
    """moto in-process with the table and the partner/JWT secrets the template declares."""
    import boto3
    from moto import mock_aws

    from rsc_local.moto_runtime import patch_dynamodb_transactions

    undo = patch_dynamodb_transactions()
    with mock_aws():
        ddb = boto3.client("dynamodb", region_name=REGION)
        create_table_from_template(ddb, env["TABLE_NAME"])
        sm = boto3.client("secretsmanager", region_name=REGION)
        sm.create_secret(Name=env["PARTNER_SECRET_NAME"], SecretString=json.dumps(PARTNER))
        sm.create_secret(
            Name=env["ATS_JWT_SECRET_NAME"],
            SecretString=json.dumps({"signing_key": JWT_KEY, "issuer": "ats", "audience": "rsc-connector"}),
        )
        yield {"dynamodb": ddb, "secretsmanager": sm}
    undo()


@pytest.fixture(scope="session")
def linkedin_emulator() -> Iterator[Any]:
    from linkedin_emulator import LinkedInEmulator

    emu = LinkedInEmulator(
        host="127.0.0.1",
        port=0,
        partner_client_id=PARTNER["client_id"],
        partner_client_secret=PARTNER["client_secret"],
        allow_insecure_callbacks=True,
    )
    emu.start()
    yield emu
    emu.stop()


@pytest.fixture
def linkedin(linkedin_emulator: Any) -> Any:
    """The session's emulator, emptied for this test."""
    import requests

    requests.post(f"{linkedin_emulator.base_url}/_control/reset", timeout=5).raise_for_status()
    return linkedin_emulator
