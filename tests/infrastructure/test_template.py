"""template.yaml as a contract: runtime, routes, authorization, and least-privilege policies."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.helpers import ROOT, template


def functions() -> dict[str, dict[str, Any]]:
    return {k: v for k, v in template()["Resources"].items() if v["Type"] == "AWS::Serverless::Function"}


def test_globals_pin_runtime_architecture_and_tracing() -> None:
    fn = template()["Globals"]["Function"]
    assert fn["Runtime"] == "python3.13"
    assert fn["Architectures"] == ["arm64"]
    assert fn["Tracing"] == "Active"
    assert "POWERTOOLS_SERVICE_NAME" in fn["Environment"]["Variables"]


@pytest.mark.parametrize("name", sorted(functions()))
def test_every_function_has_code_and_a_handler_file(name: str) -> None:
    props = functions()[name]["Properties"]
    module, func = props["Handler"].split(".")
    source = ROOT / props["CodeUri"] / f"{module}.py"
    assert source.exists()
    assert f"def {func}(" in source.read_text()
    assert "Runtime" not in props, "runtime comes from Globals only"


@pytest.mark.parametrize("name", sorted(functions()))
def test_handlers_stay_thin_wiring(name: str) -> None:
    props = functions()[name]["Properties"]
    source = (ROOT / props["CodeUri"] / "app.py").read_text()
    assert len(source.splitlines()) <= 60
    assert "boto3" not in source and "os.environ" not in source


def test_only_linkedins_redirect_and_push_routes_skip_the_ats_authorizer() -> None:
    api = template()["Resources"]["RscApi"]["Properties"]
    assert api["Auth"]["DefaultAuthorizer"] == "AtsJwtAuthorizer"
    open_routes = set()
    for fn in functions().values():
        for event in fn["Properties"].get("Events", {}).values():
            if event["Type"] == "Api" and event["Properties"].get("Auth", {}).get("Authorizer") == "NONE":
                open_routes.add(event["Properties"]["Path"])
    assert open_routes <= {"/oauth/linkedin/callback", "/linkedin/notifications/{accountId}"}


def _statements(policies: list[Any]) -> list[dict[str, Any]]:
    out = []
    for policy in policies:
        if isinstance(policy, dict) and "Statement" in policy:
            out.extend(policy["Statement"])
    return out


@pytest.mark.parametrize("name", sorted(functions()))
def test_policies_never_grant_star_resources(name: str) -> None:
    policies = functions()[name]["Properties"].get("Policies", [])
    assert isinstance(policies, list) and policies, f"{name} needs explicit least-privilege policies"
    for policy in policies:
        assert not isinstance(policy, str), f"{name}: managed policy {policy} is too broad"
    for statement in _statements(policies):
        resources = statement["Resource"] if isinstance(statement["Resource"], list) else [statement["Resource"]]
        for resource in resources:
            assert resource != "*", f"{name}: {statement.get('Sid')} grants '*'"
        actions = statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
        assert not any(a.endswith(":*") or a == "*" for a in actions)


def test_customer_secrets_are_scoped_to_the_customer_prefix() -> None:
    for name in ("KickoffFunction", "OAuthCallbackFunction"):
        for statement in _statements(functions()[name]["Properties"]["Policies"]):
            if statement.get("Sid") == "CustomerAppCredentials":
                assert "/customers/*" in json.dumps(statement["Resource"])


def test_translated_template_keeps_every_function_and_route() -> None:
    from devtools.validate_template import translate

    translated = translate()["Resources"]
    lambdas = [r for r in translated.values() if r["Type"] == "AWS::Lambda::Function"]
    assert len(lambdas) == len(functions())
    body = next(r for r in translated.values() if r["Type"] == "AWS::ApiGateway::RestApi")["Properties"]["Body"]
    assert "/accounts/{accountId}/linkedin/activation" in body["paths"]
    assert "/oauth/linkedin/callback" in body["paths"]


def test_sample_events_exist_for_every_api_function() -> None:
    names = {p.stem for p in (ROOT / "events").glob("*.json")}
    for fn in ("kickoff", "oauth_callback", "status", "authorizer", "linkedin_webhook", "enablement_poll"):
        assert any(n.startswith(fn + "_") for n in names), f"events/{fn}_*.json missing"


def test_events_are_valid_json() -> None:
    for path in Path(ROOT / "events").glob("*.json"):
        json.loads(path.read_text())


def test_openapi_document_is_generated_from_the_code() -> None:
    from devtools.openapi import build

    committed = json.loads((ROOT / "docs" / "openapi.json").read_text())
    assert committed == json.loads(build()), "docs/openapi.json is stale: run `make openapi`"


def test_every_template_route_is_served_by_its_functions_routes() -> None:
    import importlib

    from aws_lambda_powertools.event_handler import APIGatewayRestResolver

    from rsc_connector.api import routes

    groups = {
        "KickoffFunction": routes.kickoff_routes,
        "OAuthCallbackFunction": routes.oauth_callback_routes,
        "StatusFunction": lambda app: (routes.status_routes(app), routes.sync_routes(app)),
        "LinkedInWebhookFunction": routes.webhook_routes,
        "SeatLinkingFunction": routes.seat_linking_routes,
        "ChangesFunction": routes.changes_routes,
        "DeactivationFunction": routes.deactivation_routes,
    }
    importlib.import_module("rsc_connector.api.resolver")
    for name, fn in functions().items():
        events = [e for e in fn["Properties"].get("Events", {}).values() if e["Type"] == "Api"]
        if not events:
            continue
        app = APIGatewayRestResolver(enable_validation=True)
        groups[name](app)
        spec = json.loads(app.get_openapi_json_schema())
        for event in events:
            path, method = event["Properties"]["Path"], event["Properties"]["Method"].lower()
            assert method in spec["paths"].get(path, {}), f"{name} does not serve {method.upper()} {path}"


def test_the_poll_runs_one_at_a_time_within_the_timeout_the_poll_load_check_holds_it_to() -> None:
    from rsc_demo.poll_load import FUNCTION_TIMEOUT_SECONDS, SCHEDULE_SECONDS

    # A run longer than the schedule's minute must delay the next run, not overlap it (no contract polled twice)
    props = functions()["EnablementPollFunction"]["Properties"]
    assert props["ReservedConcurrentExecutions"] == 1
    assert props["Timeout"] == FUNCTION_TIMEOUT_SECONDS
    assert props["Events"]["EveryMinute"]["Properties"]["Schedule"] == f"rate({SCHEDULE_SECONDS / 60:.0f} minute)"
