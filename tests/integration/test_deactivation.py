"""Deactivation against moto (in-process), the LinkedIn emulator and the fake ATS's records: the route's rules,
the purge driven by the synced-key ledger (children first, jobs closed), an outage mid-way then a resume, one
contract of an organization deactivated while another stays, and a clean re-activation."""

from __future__ import annotations

import json
import time
from typing import Any

import boto3
import pytest
import requests

import fake_ats
from rsc_connector.adapters.secrets import SecretsManagerStore
from rsc_connector.ats.client import AtsPage
from rsc_connector.auth.claims import Caller
from rsc_connector.deactivation.purge import PurgeStalled, counter, purge_view
from rsc_connector.deactivation.service import Deactivation
from rsc_connector.deactivation.steps import DeactivationSteps
from rsc_connector.deactivation.store import DeactivationStore
from rsc_connector.domain import Contract, ContractStatus
from rsc_connector.errors import NotFound, RequirementNotMet
from rsc_connector.linkedin.http import LinkedInHttp
from rsc_connector.seats.store import SeatStore
from rsc_connector.sync.mapping import PHASES
from rsc_connector.sync.messages import PageMessage
from rsc_connector.sync.store import RunKey, SyncStore
from rsc_connector.sync.worker import Worker
from tests.integration.test_enablement import ADMIN, ORG, RecordingSyncStarter
from tests.integration.test_more_contracts import Contracts

SPEC = fake_ats.dataset_from_total(700, seed=11, invalid_share=0.0)
RECRUITER = ADMIN.model_copy(update={"role": "recruiter"})
OTHER = Caller(account_id="acct-2", user_id="u-x", role="admin", plan="enterprise")


class Ats:
    """The fake ATS's export, in process (the deactivation re-reads jobs to close them)."""

    def page(self, account_id: str, resource: str, cursor: str | None = None, limit: int = 100) -> AtsPage:
        items = list(fake_ats.records(SPEC, account_id, resource))
        start = int(cursor or 0)
        more = start + limit < len(items)
        return AtsPage(items[start : start + limit], str(start + limit) if more else None, len(items))


class Mailbox:
    def __init__(self) -> None:
        self.sent: list[tuple[list[str], str, str]] = []

    def send(self, to: list[str], subject: str, text: str) -> None:
        self.sent.append((to, subject, text))


class World(Contracts):
    def __init__(self, *args: Any) -> None:
        super().__init__(*args)
        self.mail = Mailbox()
        self.starter = RecordingSyncStarter()
        self.store = DeactivationStore(self.settings.TABLE_NAME)
        self.sync_store = SyncStore(self.settings.TABLE_NAME)
        self.seats = SeatStore(self.settings.TABLE_NAME)

    def quick_http(self) -> LinkedInHttp:
        return LinkedInHttp(
            self.settings.LINKEDIN_API_BASE_URL,
            self.settings.LINKEDIN_OAUTH_BASE_URL,
            max_attempts=1,
            sleep=lambda _: 0,
        )

    def steps(self, stall_seconds: float = 60.0, work_seconds: float = 30.0) -> DeactivationSteps:
        return DeactivationSteps(
            repo=self.repo,
            sync_store=self.sync_store,
            store=self.store,
            secrets=SecretsManagerStore(),
            linkedin=self.quick_http(),
            mailer=self.mail,
            admins=lambda _: ["olivia@acme.example"],
            ats=Ats,
            seats=self.seats,
            stall_seconds=stall_seconds,
            settle_seconds=0,
            work_seconds=work_seconds,
        )

    def route(self) -> Deactivation:
        return Deactivation(self.repo, self.store, self.starter)

    def synced(self, contract_id: str = "7001") -> Contract:
        """Request, enable, and sync the ATS history of the contract through the real worker (the ledger)."""
        self.request(contract_id)
        self.enable(contract_id)
        contract = self.contract("acct-1", contract_id)
        assert contract.sync_id
        key = RunKey("acct-1", contract.history_contract_id or contract_id, contract.sync_id)
        if self.sync_store.get_run(key) is None:
            self.sync_store.put_run(
                key,
                {
                    "status": "RUNNING",
                    "contract_id": key.contract_id,
                    "sync_id": key.sync_id,
                    "organization_urn": ORG,
                    "job_availability": "PRIVATE_TO_ATS_INTEGRATION",
                    "started_at": time.time(),
                },
            )
            worker = Worker(self.sync_store, self.repo, SecretsManagerStore(), self.quick_http(), None, "")
            for phase in PHASES:
                for entity in phase:
                    records = list(fake_ats.records(SPEC, "acct-1", entity.value))
                    for index in range(0, (len(records) + 99) // 100):
                        page = records[index * 100 : (index + 1) * 100]
                        worker.process(PageMessage(key, entity.value, index, ORG, page))
            self.sync_store.update_run(key, status="SUCCEEDED")
        return contract

    def execute(self, contract_id: str, steps: DeactivationSteps | None = None) -> dict[str, Any]:
        """Play the state machine for the execution the route started last (Begin -> Purge loop -> ... )."""
        steps = steps or self.steps()
        arn = f"arn:aws:states:us-east-1:123456789012:execution:deactivation:{self.starter.calls[-1]}"
        payload = {"accountId": "acct-1", "contractId": contract_id}
        if steps.begin(payload, arn)["alreadyDone"]:
            return {}
        for _ in range(500):
            if steps.purge(payload, arn)["done"]:
                break
            time.sleep(0.05)
        else:
            raise AssertionError("the purge did not end")
        steps.remove_configurations(payload)
        return steps.finish(payload)

    def data(self) -> dict[str, Any]:
        return self.control(f"data?organization={ORG}")  # type: ignore[no-any-return]

    def requests_log(self) -> list[dict[str, Any]]:
        return self.control("requests")  # type: ignore[no-any-return]

    def ledger(self, contract: Contract) -> dict[str, set[str]]:
        key = RunKey("acct-1", contract.contract_id, str(contract.sync_id))
        return {
            e.value: {
                str(i)
                for p in self.sync_store.pages(key, e.value)
                for i in [*(p.get("accepted") or []), *(p.get("tasks_pending") or {})]  # jobs: tasks not settled
            }
            for phase in PHASES
            for e in phase
        }


@pytest.fixture
def world(aws: Any, env: dict[str, str], linkedin: Any) -> World:
    from rsc_connector.clock import FixedClock

    return World(env, linkedin, FixedClock(time.time()))


def only_closed_jobs(data: dict[str, Any]) -> None:
    for name in ("candidates", "candidateNotes", "applications", "applicationNotes", "applicationStages"):
        assert data[name] == {}, name
    assert data["applicationInterviewFeedback"] == {}
    assert data["jobs"] and {j["state"] for j in data["jobs"].values()} == {"CLOSED"}


def test_the_route_checks_role_account_and_contract(world: World) -> None:
    world.synced()
    with pytest.raises(RequirementNotMet) as refused:
        world.route().start(RECRUITER, "acct-1", None)
    assert refused.value.code == "ROLE_NOT_ALLOWED"
    with pytest.raises(NotFound):
        world.route().start(OTHER, "acct-1", None)
    with pytest.raises(NotFound) as unknown:
        world.route().start(ADMIN, "acct-1", "9999")
    assert unknown.value.code == "CONTRACT_NOT_FOUND"
    assert world.starter.calls == [] and world.contract().status == ContractStatus.ENABLED

    status, body = world.route().start(ADMIN, "acct-1", "7001")
    assert status == 202 and body["contracts"][0]["started"] is True
    assert world.starter.calls == ["acct-1-7001-deactivate-1"]
    contract = world.contract()
    assert contract.status == ContractStatus.DEACTIVATING and contract.next_poll_at is None  # no more polling
    # asked again while it starts or runs: the same execution, none started
    status, again = world.route().start(ADMIN, "acct-1", None)
    assert status == 202 and again["contracts"][0]["deactivation"]["execution"] == "acct-1-7001-deactivate-1"
    assert set(world.starter.executions) == {"acct-1-7001-deactivate-1"}
    world.execute("7001")
    status, done = world.route().start(ADMIN, "acct-1", "7001")
    assert status == 200 and done["contracts"][0]["status"] == "DEACTIVATED" and not done["contracts"][0]["started"]
    assert set(world.starter.executions) == {"acct-1-7001-deactivate-1"}


def test_deactivation_deletes_the_ledger_children_first_closes_jobs_and_removes_the_setup(world: World) -> None:
    contract = world.synced()
    ledger = world.ledger(contract)
    held = world.data()
    assert held["candidates"] and held["candidateNotes"] and held["applicationStages"]
    app = world.repo.get_account("acct-1").child_app  # type: ignore[union-attr]
    assert app is not None
    today = time.strftime("%Y-%m-%d", time.gmtime())
    calls_before = world.repo.daily_calls(app.key, "sync", today)
    requests.delete(f"{world.linkedin.base_url}/_control/requests", timeout=5)

    world.route().start(ADMIN, "acct-1", None)
    world.execute("7001")

    only_closed_jobs(world.data())
    assert world.contract().status == ContractStatus.DEACTIVATED
    # what we set at Partner ready is gone
    integrations = world.control("state")["integrations"]
    assert all(not i["configurations"] for i in integrations)
    # children before their parents, jobs closed last (RSC-501, RSC-503)
    # (every /v2 call since the log was cleared is the deactivation's; 100-key deletes are tunneled POSTs)
    deletes = [r["path"] for r in world.requests_log() if r["path"].startswith(("/v2/ats", "/v2/simpleJob"))]

    def first(pred: Any) -> int:
        return next(i for i, p in enumerate(deletes) if pred(p))

    def last(pred: Any) -> int:
        return max(i for i, p in enumerate(deletes) if pred(p))

    assert last(lambda p: p.startswith("/v2/atsCandidates/")) < first(lambda p: p == "/v2/atsCandidates")
    assert last(lambda p: p.startswith("/v2/atsApplications/")) < first(lambda p: p == "/v2/atsApplications")
    assert first(lambda p: "simpleJobPostings" in p) > last(lambda p: p == "/v2/atsApplications")
    # counts: every ledger record deleted once, nothing failed
    purge = world.store.get_purge("acct-1", ORG) or {}
    for entity, ids in ledger.items():
        if entity == "jobs":
            continue
        assert int(purge.get(counter(entity, "deleted"), 0)) == len(ids), entity
        assert int(purge.get(counter(entity, "failed"), 0)) == 0
    assert int(purge.get(counter("jobs", "closed"), 0)) == len(ledger["jobs"])
    # within the customer's budget the sync workers share (calls per day, records per minute)
    assert world.repo.daily_calls(app.key, "sync", today) > calls_before
    # no contract left: the customer's credentials are removed, ACTIVATE will find the app again
    account = world.repo.get_account("acct-1")
    assert account is not None and account.child_app is None
    described = boto3.client("secretsmanager", region_name="us-east-1").describe_secret(SecretId=app.secret_name)
    assert described.get("DeletedDate")  # scheduled for deletion, restorable for 7 days
    to, subject, text = world.mail.sent[-1]
    assert to == ["olivia@acme.example"] and "contract 7001 is deactivated" in subject
    assert f"{len(ledger['candidates']):>10,}" in text and "Jobs:" in text and "closed" in text
    assert "contract data deletion request" in text and "Admin Settings > ATS" in text
    assert "CALLBACK_URL (One-Click Export)" in text and "credentials" in text


def test_an_outage_mid_purge_fails_emails_and_the_route_resumes_without_leaving_anything(world: World) -> None:
    contract = world.synced()
    ledger = world.ledger(contract)
    world.route().start(ADMIN, "acct-1", "7001")
    steps = world.steps(stall_seconds=0.3, work_seconds=0.3)
    payload = {"accountId": "acct-1", "contractId": "7001"}
    first_arn = "arn:aws:states:us-east-1:123456789012:execution:deactivation:acct-1-7001-deactivate-1"
    steps.begin(payload, first_arn)
    while purge_view(world.store.get_purge("acct-1", ORG))["deleted"] < 150:  # type: ignore[index]
        assert not steps.purge(payload, first_arn)["done"]
    # LinkedIn goes down: every call answers 500
    world.control("faults", {"seed": 3, "rates": {"500": 1.0}})
    waited = steps.purge(payload, first_arn)
    assert waited == {"done": False, "wait": waited["wait"]} and waited["wait"] >= 1
    time.sleep(0.4)
    with pytest.raises(PurgeStalled) as stalled:
        steps.purge(payload, first_arn)
    error = {"Error": "PurgeStalled", "Cause": json.dumps({"errorMessage": str(stalled.value)})}
    steps.fail({**payload, "error": error})
    assert world.contract().status == ContractStatus.DEACTIVATING
    _, subject, text = world.mail.sent[-1]
    assert "did not finish" in subject and "resumes where it stopped" in text
    before = world.store.get_purge("acct-1", ORG) or {}
    deleted_before = sum(int(before.get(counter(e, "deleted"), 0)) for e in ledger)
    assert 150 <= deleted_before < sum(len(ids) for e, ids in ledger.items() if e != "jobs")

    # LinkedIn is back; the admin deactivates again: attempt 2 resumes from the cursor
    world.control("faults", {})
    status, body = world.route().start(ADMIN, "acct-1", None)
    assert status == 202 and body["contracts"][0]["started"] and body["contracts"][0]["deactivation"]["attempt"] == 2
    assert world.starter.calls[-1] == "acct-1-7001-deactivate-2"
    world.execute("7001")
    only_closed_jobs(world.data())
    after = world.store.get_purge("acct-1", ORG) or {}
    for entity, ids in ledger.items():
        if entity == "jobs":
            continue
        done = int(after.get(counter(entity, "deleted"), 0)) + int(after.get(counter(entity, "gone"), 0))
        assert done == len(ids), entity  # each once (the page in flight at the outage may answer 404: gone)
        assert int(after.get(counter(entity, "failed"), 0)) == 0
        assert int(after.get(counter(entity, "gone"), 0)) <= 100
    assert world.contract().status == ContractStatus.DEACTIVATED
    assert "is deactivated" in world.mail.sent[-1][1]


def test_one_contract_is_deactivated_while_another_of_the_organization_stays(world: World) -> None:
    world.synced("7001")
    world.request("7003")
    world.enable("7003")
    assert world.contract("acct-1", "7003").history_contract_id == "7001"
    world.seats.postpone_refresh("acct-1", "7003", time.time(), "test")
    held = world.data()

    status, _ = world.route().start(ADMIN, "acct-1", "7003")
    assert status == 202
    world.execute("7003")

    assert world.contract("acct-1", "7003").status == ContractStatus.DEACTIVATED
    assert world.contract("acct-1", "7001").status == ContractStatus.ENABLED
    assert world.data() == held  # the organization's data stays
    assert any(i["configurations"] for i in world.control("state")["integrations"])
    assert "7003" not in world.seats.account("acct-1").meta  # its seat schedule and links are gone
    assert world.repo.get_account("acct-1").child_app is not None  # type: ignore[union-attr]
    _, subject, text = world.mail.sent[-1]
    assert "contract 7003 is deactivated" in subject
    assert "stay at LinkedIn because contract 7001 of the same organization is still connected" in text

    # the last one goes: now the organization's data is deleted
    world.route().start(ADMIN, "acct-1", "7001")
    world.execute("7001")
    only_closed_jobs(world.data())
    assert world.repo.get_account("acct-1").child_app is None  # type: ignore[union-attr]


def test_a_reactivated_contract_starts_cleanly_with_a_new_sync(world: World) -> None:
    first = world.synced()
    world.route().start(ADMIN, "acct-1", None)
    world.execute("7001")
    assert world.contract().status == ContractStatus.DEACTIVATED
    started = len(world.sync.calls)

    # ACTIVATE again finds the application (its secret restored), Request, Partner ready, Enabled
    world.request("7001")
    again = world.contract()
    assert again.status == ContractStatus.PARTNER_READY and again.activation == 2
    assert again.sync_id is None and again.integrations == {}
    assert world.repo.get_account("acct-1").child_app is not None  # type: ignore[union-attr]
    world.enable("7001")
    enabled = world.contract()
    assert enabled.status == ContractStatus.ENABLED and enabled.sync_id == f"{first.sync_id}-a2"
    assert len(world.sync.calls) == started + 1
    assert world.sync.calls[-1] == f"acct-1-7001-{first.sync_id}-a2"
    # and a later deactivation is a new one (attempt 2), deleting what the new sync sent
    world.synced()
    assert world.data()["candidates"]
    status, _ = world.route().start(ADMIN, "acct-1", None)
    assert status == 202 and world.starter.calls[-1] == "acct-1-7001-deactivate-2"
    world.execute("7001")
    only_closed_jobs(world.data())
    assert "already gone" in world.mail.sent[-1][2]


def test_children_recorded_without_their_parent_go_with_the_parent(world: World) -> None:
    """Markers written before parents were recorded: their notes are not sent, LinkedIn's cascade removes them."""
    contract = world.synced()
    key = RunKey("acct-1", "7001", str(contract.sync_id))
    stripped = 0
    for marker in world.sync_store.pages(key, "candidate-notes"):
        world.sync_store.table.update_item(
            Key={"pk": marker["pk"], "sk": marker["sk"]}, UpdateExpression="REMOVE parents"
        )
        stripped += len(marker.get("accepted") or [])
    assert stripped and world.data()["candidateNotes"]
    world.route().start(ADMIN, "acct-1", None)
    world.execute("7001")
    only_closed_jobs(world.data())
    purge = world.store.get_purge("acct-1", ORG) or {}
    assert int(purge.get(counter("candidate-notes", "cascaded"), 0)) == stripped
    assert int(purge.get(counter("candidate-notes", "deleted"), 0)) == 0
    assert "with parent" in world.mail.sent[-1][2]


def test_a_running_sync_is_stopped_first_and_its_failure_is_not_emailed(world: World) -> None:
    from rsc_connector.sync.steps import SyncSteps

    contract = world.synced()
    key = RunKey("acct-1", "7001", str(contract.sync_id))
    world.sync_store.update_run(key, status="RUNNING")  # as if the sync were still going
    world.route().start(ADMIN, "acct-1", None)
    steps = world.steps()
    steps.settle_seconds = 70
    begun = steps.begin({"accountId": "acct-1", "contractId": "7001"}, "arn:execution:x")
    assert begun == {"alreadyDone": False, "purge": True, "settleSeconds": 70}  # in-flight pages land first
    assert (world.sync_store.get_run(key) or {})["status"] == "STOPPED"
    worker = Worker(world.sync_store, world.repo, SecretsManagerStore(), world.quick_http(), None, "")
    records = list(fake_ats.records(SPEC, "acct-1", "candidates"))[:10]
    assert worker.process(PageMessage(key, "candidates", 999, ORG, records)).status == "stopped"
    # the initial sync's own failure path (its drain check saw DEACTIVATING) sends no email of its own
    sync_steps = SyncSteps(world.sync_store, world.repo, SecretsManagerStore(), world.quick_http(), world.mail, None)
    sync_steps.admins = lambda _: ["olivia@acme.example"]
    outcome = sync_steps.fail({**key.as_dict(), "error": {"Error": "SyncStopped", "Cause": "{}"}})
    assert outcome["emailed"] is False and world.mail.sent == []
