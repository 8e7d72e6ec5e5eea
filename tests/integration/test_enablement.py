"""Enablement by poll and by signed push, against moto (in-process) and the LinkedIn emulator."""

from __future__ import annotations

import threading
from typing import Any

import pytest
import requests

from rsc_connector.adapters.dynamodb import DynamoStateRepository
from rsc_connector.adapters.secrets import SecretsManagerStore
from rsc_connector.auth.claims import Caller
from rsc_connector.clock import FixedClock
from rsc_connector.domain import Contract, ContractStatus
from rsc_connector.enablement import Enablement, execution_name
from rsc_connector.errors import Unauthenticated
from rsc_connector.linkedin.http import LinkedInHttp
from rsc_connector.onboarding import Onboarding
from rsc_connector.push import PushReceiver
from rsc_connector.settings import Settings
from rsc_connector.status import contract_view
from tests.helpers import add_member, member_clicks_request, redirect_params

BASE = "https://rsc.example.test/test"
ADMIN = Caller(account_id="acct-1", user_id="u-admin", role="admin", plan="enterprise")
ORG, CONTRACT = "urn:li:organization:5001", "urn:li:contract:7001"


class RecordingSyncStarter:
    """Behaves like StartExecution: the same name starts one execution, however often it is called."""

    def __init__(self) -> None:
        self.calls: list[str] = []
        self.executions: dict[str, dict[str, Any]] = {}
        self.lock = threading.Lock()

    def start(self, name: str, payload: dict[str, Any]) -> str:
        with self.lock:
            self.calls.append(name)
            self.executions.setdefault(name, payload)
        return f"arn:aws:states:us-east-1:123456789012:execution:sync:{name}"


class World:
    def __init__(self, env: dict[str, str], linkedin: Any, clock: FixedClock) -> None:
        self.linkedin = linkedin
        self.clock = clock
        self.settings = Settings.model_validate(
            {**env, "LINKEDIN_API_BASE_URL": linkedin.api_base_url, "LINKEDIN_OAUTH_BASE_URL": linkedin.oauth_base_url}
        )
        self.repo = DynamoStateRepository(self.settings.TABLE_NAME)
        self.secrets = SecretsManagerStore()
        self.sync = RecordingSyncStarter()

    def http(self) -> LinkedInHttp:
        return LinkedInHttp(
            self.settings.LINKEDIN_API_BASE_URL, self.settings.LINKEDIN_OAUTH_BASE_URL, sleep=lambda _: 0
        )

    def onboarding(self) -> Onboarding:
        return Onboarding(self.settings, self.repo, self.secrets, self.http(), self.clock)

    def enablement(self) -> Enablement:
        return Enablement(self.repo, self.secrets, self.http(), self.sync, self.clock)

    def receiver(self) -> PushReceiver:
        return PushReceiver(self.repo, self.secrets, self.enablement(), self.clock)

    def control(self, path: str, body: dict[str, Any] | None = None) -> Any:
        url = f"{self.linkedin.base_url}/_control/{path}"
        resp = requests.post(url, json=body, timeout=5) if body is not None else requests.get(url, timeout=5)
        resp.raise_for_status()
        return resp.json()

    def partner_ready(self, account_id: str = "acct-1", contract_id: str = "7001", org_id: str = "5001") -> Contract:
        caller = ADMIN.model_copy(update={"account_id": account_id})
        member = f"m-{account_id}-{contract_id}"
        add_member(
            self.linkedin.base_url,
            member,
            [{"contractId": contract_id, "name": "Recruiter", "type": "RECRUITER_CORPORATE", "organizationId": org_id}],
            email=f"{member}@customer.example",
        )
        onboarding = self.onboarding()
        started = onboarding.activate(caller, account_id, f"Company {account_id}", BASE)
        params = redirect_params(
            member_clicks_request(started["authorizationUrl"], member, f"urn:li:contract:{contract_id}")
        )
        onboarding.oauth_callback(params, BASE)
        contract = self.repo.get_contract(account_id, contract_id)
        assert contract is not None and contract.status == ContractStatus.PARTNER_READY
        return contract

    def recruiter_admin(self, company: bool | None, contract: bool | None, org: str = ORG, urn: str = CONTRACT) -> Any:
        body: dict[str, Any] = {"organization": org, "contract": urn, "wait": True}
        if company is not None:
            body["companyLevel"] = company
        if contract is not None:
            body["contractLevel"] = contract
        return self.control("integrations/status", body)

    def last_push(self) -> dict[str, Any]:
        return self.control("pushes")[-1]  # type: ignore[no-any-return]

    def deliver(self, push: dict[str, Any], account_id: str = "acct-1", signature: str | None = None) -> dict[str, Any]:
        headers = {"X-LI-Signature": signature if signature is not None else push["signature"]}
        return self.receiver().receive(account_id, headers, push["body"].encode())

    def contract(self, account_id: str = "acct-1", contract_id: str = "7001") -> Contract:
        contract = self.repo.get_contract(account_id, contract_id)
        assert contract is not None
        return contract


@pytest.fixture
def world(aws: Any, env: dict[str, str], linkedin: Any) -> World:
    import time

    return World(env, linkedin, FixedClock(time.time()))


def test_partner_ready_contract_is_scheduled_for_polling(world: World) -> None:
    contract = world.partner_ready()
    assert contract.next_poll_at is not None and contract.next_poll_at > world.clock.now()
    assert world.repo.contracts_due_for_poll(world.clock.now(), 10) == []
    world.clock.advance(70)
    assert [c.contract_id for c in world.repo.contracts_due_for_poll(world.clock.now(), 10)] == ["7001"]


def test_poll_sees_both_levels_enabled_and_starts_one_sync(world: World) -> None:
    world.partner_ready()
    world.control("push-settings", {"mode": "drop"})  # the poll path alone
    world.recruiter_admin(company=True, contract=True)
    world.clock.advance(70)
    report = world.enablement().poll()
    assert report.linkedin_calls == 1 and report.contracts_polled == 1
    contract = world.contract()
    assert contract.status == ContractStatus.ENABLED
    assert contract.company_level and contract.contract_level
    assert list(world.sync.executions) == [execution_name("acct-1", "7001", contract.sync_id or "")]
    assert world.sync.executions[next(iter(world.sync.executions))]["contractUrn"] == CONTRACT
    # a later poll sees the same state: no second start
    world.clock.advance(4000)
    world.enablement().poll()
    assert len(world.sync.calls) == 1


def test_signed_push_enables_at_once(world: World) -> None:
    world.partner_ready()
    world.recruiter_admin(company=True, contract=True)
    outcome = world.deliver(world.last_push())
    assert outcome["status"] == "processed" and outcome["contracts"] == {"7001": "ENABLED"}
    assert world.contract().status == ContractStatus.ENABLED
    assert world.contract().last_push_at is not None
    assert len(world.sync.executions) == 1


def test_replayed_push_is_acknowledged_and_changes_nothing(world: World) -> None:
    world.partner_ready()
    world.recruiter_admin(company=True, contract=True)
    push = world.last_push()
    world.deliver(push)
    before = world.contract()
    assert world.deliver(push)["status"] == "duplicate"
    assert world.contract() == before
    assert len(world.sync.calls) == 1


@pytest.mark.parametrize(
    "signature",
    ["", "hmacsha256=" + "0" * 64, "sha1=abc", "hmacsha256=deadbeef"],
)
def test_push_with_bad_signature_is_401_and_changes_nothing(world: World, signature: str) -> None:
    world.partner_ready()
    world.recruiter_admin(company=True, contract=True)
    before = world.contract()
    with pytest.raises(Unauthenticated) as err:
        world.deliver(world.last_push(), signature=signature)
    assert err.value.code == "INVALID_SIGNATURE"
    assert world.contract() == before and world.sync.calls == []


def test_push_signed_with_another_customers_secret_is_refused(world: World) -> None:
    world.partner_ready()
    world.partner_ready("acct-2", "7002", "5002")
    world.recruiter_admin(company=True, contract=True, org="urn:li:organization:5002", urn="urn:li:contract:7002")
    push = world.last_push()  # signed for acct-2
    with pytest.raises(Unauthenticated):
        world.deliver(push, account_id="acct-1")
    assert world.contract().status == ContractStatus.PARTNER_READY


def test_push_for_an_unknown_account_is_401(world: World) -> None:
    world.partner_ready()
    world.recruiter_admin(company=True, contract=True)
    with pytest.raises(Unauthenticated):
        world.deliver(world.last_push(), account_id="no-such-account")


def test_unknown_push_types_are_acknowledged(world: World) -> None:
    from rsc_connector.push import signature as sign

    world.partner_ready()
    secret = world.secrets.get_json(f"{world.settings.CUSTOMER_SECRET_PREFIX}acct-1")["client_secret"]
    body = b'{"id": "evt-77", "type": "SOMETHING_NEW", "expiresAt": 1}'
    outcome = world.receiver().receive("acct-1", {"x-li-signature": sign(body, secret)}, body)
    assert outcome == {"status": "ignored", "type": "SOMETHING_NEW", "id": "evt-77"}


def test_poll_and_push_racing_on_the_same_change_start_one_execution(world: World) -> None:
    world.partner_ready()
    world.recruiter_admin(company=True, contract=True)
    push = world.last_push()
    world.clock.advance(70)
    barrier = threading.Barrier(4)
    errors: list[BaseException] = []

    def run(kind: str) -> None:
        barrier.wait()
        try:
            if kind == "push":
                world.deliver(push)
            else:
                world.enablement().poll()
        except BaseException as exc:  # pragma: no cover - asserted below
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(k,)) for k in ("push", "poll", "push", "poll")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert len(world.sync.executions) == 1
    assert len(set(world.sync.calls)) == 1
    assert world.contract().sync_execution_arn is not None


def test_company_level_only_names_the_missing_toggle(world: World) -> None:
    world.partner_ready()
    world.recruiter_admin(company=True, contract=None)
    world.deliver(world.last_push())
    contract = world.contract()
    assert contract.status == ContractStatus.ENABLED
    assert contract.company_level and not contract.contract_level
    view = contract_view(contract)
    assert "Recruiter seats" in view["features"]["inactive"]
    assert "One-Click Export" in view["features"]["active"]
    assert "contract-level access" in view["nextStep"]
    assert len(world.sync.executions) == 1  # company-level data can sync already


def test_disable_after_enable(world: World) -> None:
    world.partner_ready()
    world.recruiter_admin(company=True, contract=True)
    world.deliver(world.last_push())
    world.recruiter_admin(company=False, contract=False)
    world.deliver(world.last_push())
    contract = world.contract()
    assert contract.status == ContractStatus.DISABLED
    assert not contract.company_level and not contract.contract_level
    assert contract.next_poll_at is None  # disabled contracts are not polled
    assert "turned off" in contract_view(contract)["nextStep"]


def test_a_stale_observation_never_moves_a_contract_backwards(world: World) -> None:
    from rsc_connector.domain import IntegrationType
    from rsc_connector.enablement import Observation

    world.partner_ready()
    world.recruiter_admin(company=True, contract=True)
    world.deliver(world.last_push())
    contract = world.contract()
    newest = max(int(v["lastModifiedAt"]) for v in contract.integrations.values())
    stale = [
        Observation(t, ORG if t != IntegrationType.CSA_API else CONTRACT, "PARTNER_READY", newest - 1000)
        for t in IntegrationType
    ]
    after = world.enablement().observe(contract, stale, "poll")
    assert after.status == ContractStatus.ENABLED and after.company_level and after.contract_level


def test_renotify_resends_setup_idempotently(world: World) -> None:
    world.partner_ready()
    onboarding = world.onboarding()
    first = onboarding.renotify(ADMIN, "acct-1", "7001", BASE)
    second = onboarding.renotify(ADMIN, "acct-1", "7001", BASE)
    assert first.status == second.status == ContractStatus.PARTNER_READY
    assert second.last_linkedin_contact_at and second.last_linkedin_answer_at
    assert second.next_poll_at is not None and second.next_poll_at <= world.clock.now()
    state = world.control("state")
    assert str(state).count(f"{BASE}/linkedin/notifications/acct-1") >= 1


def test_renotify_of_an_enabled_contract_is_a_409(world: World) -> None:
    from rsc_connector.errors import Conflict

    world.partner_ready()
    world.recruiter_admin(company=True, contract=True)
    world.deliver(world.last_push())
    with pytest.raises(Conflict):
        world.onboarding().renotify(ADMIN, "acct-1", "7001", BASE)


def _add_waiting_contracts(world: World, count: int) -> None:
    base = world.contract()
    for i in range(count):
        world.repo.create_contract_if_absent(
            base.model_copy(update={"contract_id": str(8000 + i), "contract_urn": f"urn:li:contract:{8000 + i}"})
        )


def test_one_poll_batches_an_accounts_contracts_into_the_fewest_calls(world: World) -> None:
    world.partner_ready()
    _add_waiting_contracts(world, 29)  # 30 contracts x 4 integrations = 120 keys
    world.clock.advance(70)
    report = world.enablement().poll()
    assert report.contracts_polled == 30
    assert report.linkedin_calls == 2  # 25 contracts (100 keys) per BATCH_GET


def test_a_day_of_polling_waiting_contracts_stays_within_budget(world: World) -> None:
    # Given an application whose contracts wait on their Recruiter admin all day (nobody enables them)
    world.partner_ready()
    _add_waiting_contracts(world, 2)
    requests.delete(f"{world.linkedin.base_url}/_control/requests", timeout=5)
    # When the every-minute schedule runs for 24 hours (runs that find nothing due are skipped over)
    enablement, start, calls = world.enablement(), world.clock.now(), 0
    while world.clock.now() < start + 86400:
        due = [c.next_poll_at for c in world.repo.list_contracts("acct-1") if c.next_poll_at]
        world.clock.t = max(world.clock.now() + 60, min(due))
        calls += enablement.poll().linkedin_calls
    # Then LinkedIn saw one call per due time (three contracts share it), as the schedule says, far below 5,000
    recorded = requests.get(f"{world.linkedin.base_url}/_control/requests", timeout=5).json()
    batch_gets = [r for r in recorded if r["path"].endswith("/atsIntegrations") and r["method"] == "GET"]
    assert len(batch_gets) == calls
    assert 250 <= calls <= 60 + 23 * 12  # every minute for an hour, then every five minutes (minus jitter)
    assert calls < 5_000


def test_the_poll_stops_at_its_daily_budget_and_loses_no_contract(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    import rsc_connector.enablement as enablement_module

    monkeypatch.setattr(enablement_module, "POLL_DAILY_BUDGET", 5)
    world.partner_ready()
    enablement = world.enablement()
    calls = 0
    for _ in range(20):
        world.clock.advance(61)
        calls += enablement.poll().linkedin_calls
    assert calls <= 5
    contract = world.contract()
    assert contract.next_poll_at is not None  # postponed to the next UTC day, not dropped
    world.clock.advance(86400)
    assert enablement.poll().linkedin_calls == 1
