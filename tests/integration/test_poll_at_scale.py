"""The enablement poll over many customers (issue 7's 5,000-contract load check, `python -m rsc_demo.poll_load`):
a run costs a constant number of DynamoDB requests per 100 BATCH_GETs, whatever it polls, with the same budgets,
conditional writes and outcomes as polling one contract at a time."""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Iterator
from typing import Any

import pytest
import requests

from rsc_connector.adapters.dynamodb import DynamoStateRepository
from rsc_connector.clock import FixedClock
from rsc_connector.domain import Account, ChildApp, Contract, ContractStatus
from rsc_connector.enablement import POLL_DAILY_BUDGET, Enablement, utc_day
from rsc_connector.linkedin.http import LinkedInHttp
from tests.integration.test_enablement import World


class Customers(World):
    """Customers written as the onboarding leaves them (see rsc_demo.poll_load.Seeder._write), fast: each with its
    own child application at the emulator, its secret, its account and one Partner-ready contract per id."""

    def customer(self, index: int, contracts: int = 1) -> tuple[Account, list[Contract]]:
        account_id = f"acct-{index:04d}"
        state = self.linkedin.state
        app = state.create_app(
            {
                "uniqueForeignId": f"test-{account_id}",
                "name": f"JobScore - Customer {index}",
                "description": "test",
                "oauth2AuthorizedCallbackUrls": ["https://rsc.example.test/test/oauth/linkedin/callback"],
                "validJsSdkDomains": ["https://app.example.test"],
            }
        )
        secret_name = f"{self.settings.CUSTOMER_SECRET_PREFIX}{account_id}"
        self.secrets.put_json(
            secret_name, {"client_id": app.client_id, "client_secret": app.client_secret, "key": app.key}
        )
        now = self.clock.now()
        account = Account(
            account_id=account_id,
            company_name=f"Customer {index}",
            created_at=now,
            child_app=ChildApp(
                key=app.key, client_id=app.client_id, unique_foreign_id=f"test-{account_id}", secret_name=secret_name
            ),
        )
        self.repo.save_account(account)
        organization_id = str(50_000 + index)
        ids = [str(70_000 + index * 100 + k) for k in range(contracts)]
        member = f"m-{account_id}"
        self.linkedin.add_member(
            member,
            contracts=[
                {"contractId": c, "name": "Recruiter", "type": "RECRUITER_CORPORATE", "organizationId": organization_id}
                for c in ids
            ],
        )
        written = []
        for contract_id in ids:
            request = self.linkedin.widget_request(app.client_id, member, f"urn:li:contract:{contract_id}")
            with state.lock:  # what the onboarding's naming call does to them (REQUESTED -> PARTNER_READY)
                for integration in state.integrations.values():
                    if integration.owner == app.client_id and integration.integration_name is None:
                        state.rename_integration(integration, f"Customer {index} integration")
            written.append(
                self.repo.create_contract_if_absent(
                    Contract(
                        account_id=account_id,
                        contract_id=contract_id,
                        contract_urn=f"urn:li:contract:{contract_id}",
                        organization_urn=f"urn:li:organization:{organization_id}",
                        status=ContractStatus.PARTNER_READY,
                        request_id=request["requestId"],
                        created_at=now,
                        updated_at=now,
                        partner_ready_at=now,
                        next_poll_at=now + 60,
                        version=2,
                    )
                )
            )
        return account, written

    def enable_company_level(self, contract: Contract) -> None:
        self.control("integrations/status", {"organization": contract.organization_urn, "companyLevel": True})


@pytest.fixture
def world(aws: Any, env: dict[str, str], linkedin: Any) -> Customers:
    world = Customers(env, linkedin, FixedClock(time.time()))
    world.control("push-settings", {"mode": "drop"})  # the poll alone notices
    return world


@pytest.fixture
def aws_requests(monkeypatch: pytest.MonkeyPatch) -> Iterator[Counter[str]]:
    """Every AWS request made in this process, by operation, from when the test asks for it."""
    from botocore.client import BaseClient

    seen: Counter[str] = Counter()
    original = BaseClient._make_api_call
    lock = threading.Lock()

    def counted(client: Any, operation: str, params: dict[str, Any]) -> Any:
        with lock:
            seen[operation] += 1
        return original(client, operation, params)

    monkeypatch.setattr(BaseClient, "_make_api_call", counted)
    yield seen


def batch_gets_per_app(world: World) -> Counter[str]:
    """atsIntegrations GETs as the emulator counted them, per child application (client id)."""
    counted: Counter[str] = Counter()
    for entry in world.control("requests"):
        override = {k.lower(): v for k, v in entry["headers"].items()}.get("x-http-method-override")
        if entry["path"] == "/v2/atsIntegrations" and (override or entry["method"]) == "GET":
            counted[entry["app"]] += 1
    return counted


def test_a_poll_of_many_customers_costs_a_few_dynamodb_requests_per_hundred_calls(
    world: Customers, aws_requests: Counter[str]
) -> None:
    # Given 130 customers, each with its own application and one waiting contract, one of them enabled at LinkedIn
    customers = [world.customer(i) for i in range(130)]
    world.enable_company_level(customers[7][1][0])
    world.clock.advance(61)
    requests.delete(f"{world.linkedin.base_url}/_control/requests", timeout=5).raise_for_status()
    aws_requests.clear()
    # When the scheduled poll runs
    report = world.enablement().poll()
    # Then every contract was polled with one LinkedIn call per application, as before
    assert report.contracts_due == report.contracts_polled == report.linkedin_calls == 130
    assert report.errors == report.skipped_for_budget == 0
    per_app = batch_gets_per_app(world)
    assert len(per_app) == 130 and set(per_app.values()) == {1}
    assert report.transitions == [f"acct-0007/{customers[7][1][0].contract_id}: PARTNER_READY -> ENABLED"]
    assert len(world.sync.executions) == 1
    # And DynamoDB saw a constant number of requests per wave of up to 100 calls: one query, the accounts in one
    # batch read per 100, per wave one budget transaction and one write transaction per 100 contracts; no
    # per-account or per-contract round trip (apart from what the one Enabled contract starts: its history claim,
    # its execution recorded)
    assert aws_requests["Query"] == 1
    assert aws_requests["BatchGetItem"] == 2
    assert aws_requests["TransactWriteItems"] == 2 + 2  # waves of 100 and 30 calls: a budget and a write each
    assert aws_requests["UpdateItem"] == 0
    assert aws_requests["GetItem"] <= 2 and aws_requests["PutItem"] <= 2
    # And each application's budget counted its one call; every contract moved on, version + 1
    repo = world.repo
    day = utc_day(world.clock.now())
    assert {
        repo.daily_calls(account.child_app.key, "atsIntegrations", day) for account, _ in customers if account.child_app
    } == {1}
    for account, (before,) in customers:
        after = repo.get_contract(account.account_id, before.contract_id)
        assert after is not None and after.last_poll_at == world.clock.now()
        assert after.next_poll_at is not None and after.next_poll_at > world.clock.now()
        if account.account_id != "acct-0007":
            assert after.version == before.version + 1 and after.status == ContractStatus.PARTNER_READY


def test_a_second_run_reads_no_secret_while_the_applications_tokens_are_good(
    world: Customers, aws_requests: Counter[str]
) -> None:
    # Given customers polled once (their tokens minted), and a secret cache that has expired since
    for i in range(5):
        world.customer(i)
    http = LinkedInHttp(world.settings.LINKEDIN_API_BASE_URL, world.settings.LINKEDIN_OAUTH_BASE_URL, clock=world.clock)
    enablement = Enablement(world.repo, world.secrets, http, world.sync, world.clock)
    world.clock.advance(61)
    enablement.poll()
    enablement.secrets = type(world.secrets)(max_age_seconds=0)  # what 5 minutes do to the secret cache
    aws_requests.clear()
    # When the next run polls them again
    world.clock.advance(70)
    report = enablement.poll()
    # Then it called LinkedIn for every one of them without reading a secret
    assert report.contracts_polled == report.linkedin_calls == 5
    assert aws_requests["GetSecretValue"] == 0
    # And once their tokens are near expiry, the secret is read again to mint new ones
    world.clock.advance(1800)
    assert enablement.poll().linkedin_calls == 5
    assert aws_requests["GetSecretValue"] == 5


def test_a_contract_changed_after_the_index_read_it_is_observed_again_not_overwritten(world: Customers) -> None:
    # Given a waiting contract that a push updates between the poll's index read and its write
    account, (contract,) = world.customer(1)
    world.clock.advance(61)
    repo = world.repo
    original = DynamoStateRepository.contracts_due_for_poll

    def due_then_changed(self: DynamoStateRepository, now: float, limit: int) -> list[Contract]:
        due = original(self, now, limit)
        current = repo.get_contract(account.account_id, contract.contract_id)
        assert current is not None
        repo.update_contract(
            current.model_copy(update={"last_push_at": now}),
            allowed_from=frozenset({current.status}),
            expected_version=current.version,
        )
        return due

    enablement = world.enablement()
    try:
        DynamoStateRepository.contracts_due_for_poll = due_then_changed  # type: ignore[method-assign]
        report = enablement.poll()
    finally:
        DynamoStateRepository.contracts_due_for_poll = original  # type: ignore[method-assign]
    # Then the poll's write lost its condition, re-read the contract and applied what it saw on top of the change
    assert report.contracts_polled == 1
    after = repo.get_contract(account.account_id, contract.contract_id)
    assert after is not None and after.version == contract.version + 2
    assert after.last_push_at == world.clock.now() and after.last_poll_at == world.clock.now()


def test_an_application_that_cannot_afford_all_its_calls_spends_them_one_by_one(
    world: Customers, monkeypatch: pytest.MonkeyPatch
) -> None:
    import rsc_connector.enablement as enablement_module

    # Given a customer with 30 contracts (two BATCH_GETs) whose application has one call left today
    monkeypatch.setattr(enablement_module, "POLL_DAILY_BUDGET", 5)
    account, _ = world.customer(1, contracts=30)
    assert account.child_app is not None
    day = utc_day(world.clock.now())
    assert world.repo.consume_daily_calls(account.child_app.key, "atsIntegrations", day, 4, 5)
    world.clock.advance(61)
    # When the poll runs
    report = world.enablement().poll()
    # Then one call was made (25 contracts), the other five contracts wait for tomorrow, none is lost
    assert report.linkedin_calls == 1 and report.contracts_polled == 25 and report.skipped_for_budget == 5
    assert world.repo.daily_calls(account.child_app.key, "atsIntegrations", day) == 5
    tomorrow = [c for c in world.repo.list_contracts(account.account_id) if c.last_poll_at is None]
    assert len(tomorrow) == 5
    assert all(c.next_poll_at is not None and utc_day(c.next_poll_at) > day for c in tomorrow)


# -- the repository's batch operations ------------------------------------------------------------------------


def test_spending_many_budgets_at_once_counts_only_what_fits(world: Customers) -> None:
    repo = world.repo
    day = "2026-01-02"
    assert repo.consume_daily_calls("app-full", "atsIntegrations", day, 10, 10)
    assert repo.consume_daily_calls("app-one-left", "atsIntegrations", day, 9, 10)
    apps = {"app-full": 1, "app-one-left": 1, "app-two": 2, "app-too-many": 11}
    apps.update({f"app-{n}": 1 for n in range(150)})  # more than one transaction
    granted = repo.consume_daily_calls_many(apps, "atsIntegrations", day, 10)
    assert granted == set(apps) - {"app-full", "app-too-many"}
    assert repo.daily_calls("app-full", "atsIntegrations", day) == 10
    assert repo.daily_calls("app-one-left", "atsIntegrations", day) == 10
    assert repo.daily_calls("app-two", "atsIntegrations", day) == 2
    assert repo.daily_calls("app-too-many", "atsIntegrations", day) == 0
    assert repo.daily_calls("app-149", "atsIntegrations", day) == 1
    # the budget ceiling holds for the batch exactly as for single spends
    assert repo.consume_daily_calls_many({"app-one-left": 1}, "atsIntegrations", day, POLL_DAILY_BUDGET) == {
        "app-one-left"
    }


def test_writing_many_contracts_at_once_keeps_each_ones_condition(world: Customers) -> None:
    repo = world.repo
    _, contracts = world.customer(1, contracts=105)  # more than one transaction
    stale = contracts[3]
    moved = repo.update_contract(stale, allowed_from=frozenset({stale.status}), expected_version=stale.version)
    writes = [(c.model_copy(update={"last_poll_at": 1.0}), frozenset({c.status}), c.version) for c in contracts]
    writes[50] = (contracts[50], frozenset({ContractStatus.ENABLED}), contracts[50].version)  # status not allowed
    saved = repo.update_contracts(writes)
    assert saved[3] is None and saved[50] is None
    assert all(
        s is not None and s.version == c.version + 1
        for i, (s, c) in enumerate(zip(saved, contracts, strict=True))
        if i not in (3, 50)
    )
    assert repo.get_contract(stale.account_id, stale.contract_id) == moved  # the stale write left it alone
    held = repo.get_contract(contracts[50].account_id, contracts[50].contract_id)
    assert held is not None and held.version == contracts[50].version
    kept = repo.get_contract(contracts[104].account_id, contracts[104].contract_id)
    assert kept is not None and kept.last_poll_at == 1.0 and kept.version == contracts[104].version + 1
    # the poll's index sees the written contracts under their new keys only
    assert len(repo.contracts_due_for_poll(time.time() + 120, 500)) == 105


def test_reading_many_accounts_at_once(world: Customers) -> None:
    accounts = [world.customer(i)[0] for i in range(120)]
    found = world.repo.get_accounts([a.account_id for a in accounts] + ["no-such-account"])
    assert found == {a.account_id: a for a in accounts}
    assert world.repo.get_accounts([]) == {}
