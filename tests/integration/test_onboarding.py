"""Onboarding logic against moto (DynamoDB, Secrets Manager) and the LinkedIn emulator."""

from __future__ import annotations

import threading
from typing import Any

import pytest
import requests

from rsc_connector.adapters.dynamodb import DynamoStateRepository
from rsc_connector.adapters.secrets import SecretsManagerStore
from rsc_connector.auth.claims import Caller
from rsc_connector.clock import FixedClock
from rsc_connector.domain import ContractStatus
from rsc_connector.errors import InvalidOAuthState, NotFound, RequirementNotMet
from rsc_connector.linkedin.api import integration_request_from_widget
from rsc_connector.linkedin.http import LinkedInHttp
from rsc_connector.onboarding import Onboarding
from rsc_connector.settings import Settings
from tests.helpers import add_member, member_clicks_request, redirect_params

BASE = "https://rsc.example.test/test"
ADMIN = Caller(account_id="acct-1", user_id="u-admin", role="admin", plan="enterprise")


@pytest.fixture
def clock() -> FixedClock:
    import time

    return FixedClock(time.time())


@pytest.fixture
def onboarding(aws: Any, env: dict[str, str], linkedin: Any, clock: FixedClock) -> Onboarding:
    settings = Settings.model_validate(
        {**env, "LINKEDIN_API_BASE_URL": linkedin.api_base_url, "LINKEDIN_OAUTH_BASE_URL": linkedin.oauth_base_url}
    )
    add_member(linkedin.base_url)
    return Onboarding(
        settings=settings,
        repo=DynamoStateRepository(settings.TABLE_NAME),
        secrets=SecretsManagerStore(),
        linkedin=LinkedInHttp(settings.LINKEDIN_API_BASE_URL, settings.LINKEDIN_OAUTH_BASE_URL, sleep=lambda _: None),
        clock=clock,
    )


def emulator_requests(linkedin: Any, path_part: str, method: str | None = None) -> list[dict[str, Any]]:
    recorded = requests.get(f"{linkedin.base_url}/_control/requests", timeout=5).json()
    items = recorded["requests"] if isinstance(recorded, dict) else recorded
    return [r for r in items if path_part in r["path"] and (method is None or r["method"] == method)]


def table_items(aws: Any, env: dict[str, str]) -> list[dict[str, Any]]:
    return aws["dynamodb"].scan(TableName=env["TABLE_NAME"])["Items"]  # type: ignore[no-any-return]


def activate_and_request(onboarding: Onboarding) -> tuple[dict[str, Any], dict[str, str]]:
    started = onboarding.activate(ADMIN, "acct-1", "Acme Corp", BASE)
    params = redirect_params(member_clicks_request(started["authorizationUrl"]))
    return started, params


def test_the_whole_onboarding_reaches_partner_ready(onboarding: Onboarding, linkedin: Any) -> None:
    # Given an Enterprise admin who clicked ACTIVATE and then Request at LinkedIn
    started, params = activate_and_request(onboarding)
    assert started["childApplication"]["created"] is True
    assert params["state"] == started["state"]
    # When LinkedIn redirects back to our callback
    location = onboarding.oauth_callback(params, BASE)
    # Then the contract is Partner ready and the browser goes back to the ATS page
    assert "linkedin=partner_ready" in location and "contract=7001" in location
    contract = onboarding.repo.get_contract("acct-1", "7001")
    assert contract is not None and contract.status == ContractStatus.PARTNER_READY
    assert contract.organization_urn == "urn:li:organization:5001"
    # And LinkedIn holds the four named integrations and our configurations
    state = requests.get(f"{linkedin.base_url}/_control/state", timeout=5).json()
    text = str(state)
    for label in ("One-Click Export", "ATS Indicator", "Profile Plugin", "CSA_API"):
        assert f"Acme Corp LinkedIn Recruiter {label} Integration" in text
    assert f"{BASE}/linkedin/notifications/acct-1" in text
    assert "ALL_PRODUCT_USERS" in text


def test_activating_twice_provisions_one_child_app(onboarding: Onboarding, linkedin: Any) -> None:
    first = onboarding.activate(ADMIN, "acct-1", "Acme Corp", BASE)
    second = onboarding.activate(ADMIN, "acct-1", "Acme Corp", BASE)
    assert first["widget"]["apiKey"] == second["widget"]["apiKey"]
    assert second["childApplication"]["created"] is False
    assert len(emulator_requests(linkedin, "/provisionedApplications", "POST")) == 1
    assert first["state"] != second["state"]


def test_concurrent_activations_provision_one_child_app(
    aws: Any, env: dict[str, str], linkedin: Any, clock: FixedClock
) -> None:
    settings = Settings.model_validate(
        {**env, "LINKEDIN_API_BASE_URL": linkedin.api_base_url, "LINKEDIN_OAUTH_BASE_URL": linkedin.oauth_base_url}
    )
    results: list[dict[str, Any]] = []
    errors: list[BaseException] = []

    def kick() -> None:
        # each "Lambda container" has its own repository, secret cache and token cache
        worker = Onboarding(
            settings=settings,
            repo=DynamoStateRepository(settings.TABLE_NAME),
            secrets=SecretsManagerStore(),
            linkedin=LinkedInHttp(settings.LINKEDIN_API_BASE_URL, settings.LINKEDIN_OAUTH_BASE_URL),
            clock=clock,
        )
        try:
            results.append(worker.activate(ADMIN, "acct-1", "Acme Corp", BASE))
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=kick) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert len({r["widget"]["apiKey"] for r in results}) == 1
    apps = requests.get(f"{linkedin.base_url}/_control/state", timeout=5).json()["apps"]
    assert len(apps) == 1


@pytest.mark.parametrize(
    ("caller", "code"),
    [
        (Caller(account_id="acct-1", user_id="u2", role="admin", plan="plus"), "PLAN_NOT_ENTERPRISE"),
        (Caller(account_id="acct-1", user_id="u3", role="recruiter", plan="enterprise"), "ROLE_NOT_ALLOWED"),
    ],
)
def test_requirements_refuse_with_403_and_change_nothing(
    onboarding: Onboarding, linkedin: Any, aws: Any, env: dict[str, str], caller: Caller, code: str
) -> None:
    with pytest.raises(RequirementNotMet) as err:
        onboarding.activate(caller, "acct-1", "Acme Corp", BASE)
    assert err.value.code == code
    assert emulator_requests(linkedin, "/provisionedApplications") == []
    assert table_items(aws, env) == []


def test_another_accounts_token_cannot_activate(onboarding: Onboarding, aws: Any, env: dict[str, str]) -> None:
    with pytest.raises(NotFound):
        onboarding.activate(ADMIN, "acct-2", "Other Corp", BASE)
    assert table_items(aws, env) == []


def _snapshot(aws: Any, env: dict[str, str]) -> list[Any]:
    return sorted(str(i) for i in table_items(aws, env))


def test_replayed_state_is_rejected_and_changes_nothing(onboarding: Onboarding, aws: Any, env: dict[str, str]) -> None:
    _, params = activate_and_request(onboarding)
    onboarding.oauth_callback(params, BASE)
    before = _snapshot(aws, env)
    with pytest.raises(InvalidOAuthState, match="not valid or was already used"):
        onboarding.oauth_callback(params, BASE)
    assert _snapshot(aws, env) == before


def test_expired_state_is_rejected_and_changes_nothing(
    onboarding: Onboarding, aws: Any, env: dict[str, str], clock: FixedClock
) -> None:
    _, params = activate_and_request(onboarding)
    clock.advance(601)
    before = _snapshot(aws, env)
    with pytest.raises(InvalidOAuthState, match="expired"):
        onboarding.oauth_callback(params, BASE)
    assert _snapshot(aws, env) == before
    assert onboarding.repo.list_contracts("acct-1") == []


def test_forged_state_is_rejected(onboarding: Onboarding, aws: Any, env: dict[str, str]) -> None:
    _, params = activate_and_request(onboarding)
    before = _snapshot(aws, env)
    for forged in ("", "x" * 43, params["state"][:-1] + ("A" if params["state"][-1] != "A" else "B"), "s" * 600):
        with pytest.raises(InvalidOAuthState):
            onboarding.oauth_callback({**params, "state": forged}, BASE)
    assert _snapshot(aws, env) == before


def test_other_account_state_is_rejected_and_stays_usable(
    onboarding: Onboarding, aws: Any, env: dict[str, str]
) -> None:
    started = onboarding.activate(ADMIN, "acct-1", "Acme Corp", BASE)
    # the member clicked Request in the configuration widget (not the redirect)
    payload = requests.post(
        f"{onboarding.settings.LINKEDIN_API_BASE_URL.rsplit('/v2', 1)[0]}/_control/widget-request",
        json={"clientId": started["widget"]["apiKey"], "member": "m-ada", "contract": "urn:li:contract:7001"},
        timeout=5,
    ).json()
    request = integration_request_from_widget(payload["integrations"], payload["requestId"])
    intruder = Caller(account_id="acct-2", user_id="u-x", role="owner", plan="enterprise")
    before = _snapshot(aws, env)
    with pytest.raises(InvalidOAuthState, match="another account"):
        onboarding.widget_request(intruder, "acct-2", started["state"], request, BASE)
    same_account_other_user = Caller(account_id="acct-1", user_id="u-other", role="admin", plan="enterprise")
    with pytest.raises(InvalidOAuthState, match="another user"):
        onboarding.widget_request(same_account_other_user, "acct-1", started["state"], request, BASE)
    assert _snapshot(aws, env) == before
    # the rightful admin can still use it
    contract = onboarding.widget_request(ADMIN, "acct-1", started["state"], request, BASE)
    assert contract.status == ContractStatus.PARTNER_READY


def test_expired_linkedin_token_is_renewed_once_and_the_call_retried(onboarding: Onboarding, linkedin: Any) -> None:
    # Given a token cached by our client
    onboarding.activate(ADMIN, "acct-1", "Acme Corp", BASE)
    minted_before = onboarding.linkedin.tokens.minted
    # When LinkedIn's clock moves past the token's 30 minutes (ours does not: the token looks fresh to us)
    requests.post(f"{linkedin.base_url}/_control/clock", json={"advanceSeconds": 1801}, timeout=5).raise_for_status()
    onboarding.activate(ADMIN, "acct-1", "Acme Corp", BASE.replace("rsc.", "rsc2."))  # needs a partner call
    # Then one new token was minted and the refused call was retried with it
    assert onboarding.linkedin.tokens.minted == minted_before + 1
    partner_calls = emulator_requests(linkedin, "/provisionedApplications")
    assert [c["status"] for c in partner_calls][-3:-1] == [401, 200]


def test_every_call_still_works_when_query_tunneled(onboarding: Onboarding, linkedin: Any, monkeypatch: Any) -> None:
    # Given a query limit so small that every call with a query goes through Rest.li query tunneling
    import rsc_connector.linkedin.http as http_module

    monkeypatch.setattr(http_module, "MAX_QUERY_BYTES", 10)
    # When the whole onboarding runs (finder GET, batch_partial_update POST, batch_update PUT)
    _, params = activate_and_request(onboarding)
    onboarding.oauth_callback(params, BASE)
    # Then LinkedIn accepted the tunneled forms, and the contract is Partner ready
    assert onboarding.repo.get_contract("acct-1", "7001").status == ContractStatus.PARTNER_READY  # type: ignore[union-attr]
    tunneled = [
        r for r in emulator_requests(linkedin, "/") if "x-http-method-override" in {k.lower() for k in r["headers"]}
    ]
    assert {
        r["headers"].get("X-HTTP-Method-Override") or r["headers"].get("x-http-method-override") for r in tunneled
    } >= {
        "GET",
        "PUT",
        "POST",
    }


def test_the_customers_job_availability_choice_is_kept(onboarding: Onboarding) -> None:
    assert onboarding.activate(ADMIN, "acct-1", "Acme Corp", BASE)["jobAvailability"] == "PRIVATE_TO_ATS_INTEGRATION"
    chosen = onboarding.activate(ADMIN, "acct-1", "Acme Corp", BASE, "PUBLIC")
    assert chosen["jobAvailability"] == "PUBLIC"
    account = onboarding.repo.get_account("acct-1")
    assert account is not None and account.job_availability == "PUBLIC"
