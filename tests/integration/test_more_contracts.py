"""More contracts of one organization: each goes through Request -> Partner ready -> Enabled on its own, the
organization's history is synced once, seats are per contract."""

from __future__ import annotations

from typing import Any

import pytest

from rsc_connector.domain import ContractStatus
from rsc_connector.enablement import Enablement
from rsc_connector.seats.store import SeatStore
from rsc_connector.status import account_status, next_step
from rsc_connector.sync.resync import Resync
from rsc_connector.sync.store import RunKey, SyncStore
from tests.helpers import add_member, member_clicks_request, redirect_params
from tests.integration.test_enablement import ADMIN, BASE, ORG, World

CONTRACTS = [
    {"contractId": "7001", "name": "Acme Recruiter", "type": "RECRUITER_CORPORATE", "organizationId": "5001"},
    {"contractId": "7003", "name": "Acme Agency Desk", "type": "RECRUITER_CORPORATE", "organizationId": "5001"},
]


class Contracts(World):
    def enablement(self) -> Enablement:
        return Enablement(
            self.repo, self.secrets, self.http(), self.sync, self.clock, SeatStore(self.settings.TABLE_NAME)
        )

    def request(self, contract_id: str) -> None:
        add_member(self.linkedin.base_url, "m-ada", CONTRACTS)
        onboarding = self.onboarding()
        started = onboarding.activate(ADMIN, "acct-1", "Acme", BASE)
        params = redirect_params(
            member_clicks_request(started["authorizationUrl"], "m-ada", f"urn:li:contract:{contract_id}")
        )
        onboarding.oauth_callback(params, BASE)

    def enable(self, contract_id: str, company: bool = True, contract: bool = True) -> None:
        self.recruiter_admin(company=company, contract=contract, org=ORG, urn=f"urn:li:contract:{contract_id}")
        self.clock.advance(3600)
        self.enablement().poll()


@pytest.fixture
def world(aws: Any, env: dict[str, str], linkedin: Any) -> Contracts:
    import time

    from rsc_connector.clock import FixedClock

    w = Contracts(env, linkedin, FixedClock(time.time()))
    return w


def test_a_second_contract_is_connected_on_its_own_and_shares_the_organizations_history(world: Contracts) -> None:
    world.request("7001")
    world.enable("7001")
    first = world.contract("acct-1", "7001")
    assert first.status == ContractStatus.ENABLED and len(world.sync.executions) == 1

    world.request("7003")
    assert world.contract("acct-1", "7003").status == ContractStatus.PARTNER_READY
    assert world.contract("acct-1", "7001").status == ContractStatus.ENABLED  # untouched
    world.enable("7003")
    second = world.contract("acct-1", "7003")
    assert second.status == ContractStatus.ENABLED and second.contract_level
    # Company-level data is the organization's: no second sync; the second contract points at the first's.
    assert len(world.sync.executions) == 1
    assert second.history_contract_id == "7001" and second.sync_id == first.sync_id

    store = SyncStore(world.settings.TABLE_NAME)
    store.put_run(RunKey("acct-1", "7001", str(first.sync_id)), {"status": "RUNNING", "started_at": 1.0})
    status = account_status(ADMIN, "acct-1", world.repo, store, SeatStore(world.settings.TABLE_NAME))
    views = {c["contractId"]: c for c in status["contracts"]}
    assert set(views) == {"7001", "7003"}
    assert views["7003"]["initialSync"]["sharedWithContract"] == "7001"
    assert views["7003"]["sync"]["status"] == "RUNNING" and views["7003"]["sync"]["sharedWithContract"] == "7001"
    assert (
        views["7001"]["accessLevels"] == views["7003"]["accessLevels"] == {"companyLevel": True, "contractLevel": True}
    )

    # A re-sync asked on the second contract re-runs the organization's one sync.
    store.update_run(RunKey("acct-1", "7001", str(first.sync_id)), status="FAILED")
    started = Resync(world.repo, store, world.sync).start(ADMIN, "acct-1", "7003")
    assert started["started"] and world.sync.calls[-1].startswith("acct-1-7001-")


def test_seats_are_per_contract_and_a_shared_contract_gets_its_seats_read(world: Contracts) -> None:
    world.request("7001")
    world.enable("7001")
    world.request("7003")
    world.enable("7003")
    seats = SeatStore(world.settings.TABLE_NAME)
    due = seats.contracts_due_for_refresh(world.clock.now() + 1, 10)
    assert due == [("acct-1", "7003")]  # 7001's own sync links its seats when it ends


def test_the_second_contracts_company_level_only_does_not_unlock_its_seats(world: Contracts) -> None:
    world.request("7001")
    world.enable("7001")
    world.request("7003")
    world.enable("7003", company=True, contract=False)
    second = world.contract("acct-1", "7003")
    assert second.company_level and not second.contract_level
    assert "contract-level access" in next_step(second)


def test_a_push_about_the_second_contract_knows_the_organizations_company_level_access(world: Contracts) -> None:
    world.request("7001")
    world.enable("7001")
    world.request("7003")
    # The Recruiter admin turns on 7003; LinkedIn's push names only what changed (7003's CSA_API), since the
    # organization's company-level integrations were on already.
    world.recruiter_admin(company=True, contract=True, org=ORG, urn="urn:li:contract:7003")
    world.deliver(world.last_push())
    second = world.contract("acct-1", "7003")
    assert second.status == ContractStatus.ENABLED
    assert second.company_level and second.contract_level
