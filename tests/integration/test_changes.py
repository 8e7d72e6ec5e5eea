"""Ongoing changes against moto (in-process), the LinkedIn emulator and the fake ATS's records: the route's
validation, order per record whatever the delivery order, duplicates, convergence of concurrent workers, the
Module 5 delete cascade (seen in the emulator's request log), jobs closed, and changes during the initial sync."""

from __future__ import annotations

import copy
import json
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote

import pytest
import requests

import fake_ats
from rsc_connector.adapters.dynamodb import DynamoStateRepository
from rsc_connector.adapters.secrets import SecretsManagerStore
from rsc_connector.api.models import Change
from rsc_connector.auth.claims import Caller
from rsc_connector.domain import ContractStatus
from rsc_connector.linkedin.http import LinkedInHttp
from rsc_connector.linkedin.sync_api import SyncApi
from rsc_connector.sync.change_worker import apply_changes
from rsc_connector.sync.changes import ChangeFeed, ChangeIntake, ChangeStore
from rsc_connector.sync.messages import ChangeMessage, PageMessage, parse_message
from rsc_connector.sync.store import RunKey, SyncStore
from rsc_connector.sync.worker import PageOutcome, RateLimits, Worker
from tests.helpers import (
    FakeLambdaContext,
    add_member,
    load_event,
    load_handler,
    member_clicks_request,
    redirect_params,
)

ORG = "urn:li:organization:5001"
KEY = RunKey("acct-1", "7001", "initial-1")
SPEC = fake_ats.dataset_from_total(300, seed=5)
CALLER = Caller(account_id="acct-1", user_id="u-ats", role="recruiter", plan="enterprise")


def records(entity: str) -> list[dict[str, Any]]:
    return list(fake_ats.records(SPEC, "acct-1", entity))


@dataclass
class World:
    settings: Any
    repo: DynamoStateRepository
    store: SyncStore
    feed: ChangeFeed
    intake: ChangeIntake
    worker: Worker
    sqs: Any
    queue_url: str
    linkedin: Any

    def post(self, *changes: dict[str, Any]) -> dict[str, Any]:
        """What the route does with a valid body (the body's own validation is tested through the handler)."""
        return self.intake.accept(CALLER, "acct-1", [Change(**c).as_change() for c in changes])

    def messages(self) -> list[tuple[Any, int]]:
        """Everything queued (and removed from the queue), in order."""
        out = []
        while True:
            resp = self.sqs.receive_message(
                QueueUrl=self.queue_url, MaxNumberOfMessages=10, AttributeNames=["ApproximateReceiveCount"]
            )
            batch = resp.get("Messages", [])
            if not batch:
                return out
            for m in batch:
                self.sqs.delete_message(QueueUrl=self.queue_url, ReceiptHandle=m["ReceiptHandle"])
                out.append((parse_message(m["Body"]), int(m["Attributes"]["ApproximateReceiveCount"])))

    def process(self, message: Any, receive_count: int = 1) -> PageOutcome:
        if isinstance(message, ChangeMessage):
            return apply_changes(self.worker, message, receive_count)
        return self.worker.process(message, receive_count)

    def drain(self) -> list[PageOutcome]:
        outcomes: list[PageOutcome] = []
        for _ in range(20):
            batch = self.messages()
            if not batch:
                return outcomes
            outcomes += [self.process(m, n) for m, n in batch]
        raise AssertionError("the queue never drained")

    def sync(self, entity: str, index: int = 0, rows: list[dict[str, Any]] | None = None) -> PageOutcome:
        page = rows if rows is not None else records(entity)[index * 100 : (index + 1) * 100]
        return self.worker.process(PageMessage(KEY, entity, index, ORG, page))

    def data(self) -> dict[str, Any]:
        requests.post(f"{self.linkedin.base_url}/_control/job-tasks", json={"completeNow": True}, timeout=5)
        resp = requests.get(f"{self.linkedin.base_url}/_control/data", params={"organization": ORG}, timeout=5)
        resp.raise_for_status()
        return resp.json()  # type: ignore[no-any-return]

    def log(self) -> list[dict[str, Any]]:
        return requests.get(f"{self.linkedin.base_url}/_control/requests", timeout=5).json()  # type: ignore[no-any-return]

    def clear_log(self) -> None:
        requests.delete(f"{self.linkedin.base_url}/_control/requests", timeout=5)

    def item(self, resource: str, ats_id: str) -> dict[str, Any]:
        return self.feed.store.latest("acct-1", ORG, [(resource, ats_id)])[(resource, ats_id)]


@pytest.fixture
def world(aws: Any, env: dict[str, str], linkedin: Any, monkeypatch: pytest.MonkeyPatch) -> Iterator[World]:
    """acct-1's contract 7001 enabled (company- and contract-level) at LinkedIn and in our table, its initial
    sync run RUNNING, and the sync queue in moto."""
    import boto3

    from rsc_connector.clock import SystemClock
    from rsc_connector.onboarding import Onboarding
    from rsc_connector.settings import Settings

    settings = Settings.model_validate(
        {**env, "LINKEDIN_API_BASE_URL": linkedin.api_base_url, "LINKEDIN_OAUTH_BASE_URL": linkedin.oauth_base_url}
    )
    add_member(linkedin.base_url)
    repo = DynamoStateRepository(settings.TABLE_NAME)
    http = LinkedInHttp(linkedin.api_base_url, linkedin.oauth_base_url)
    onboarding = Onboarding(settings, repo, SecretsManagerStore(), http, SystemClock())
    admin = Caller(account_id="acct-1", user_id="u1", role="admin", plan="enterprise")
    started = onboarding.activate(admin, "acct-1", "Acme", "https://rsc.example.test/test")
    onboarding.oauth_callback(
        redirect_params(member_clicks_request(started["authorizationUrl"])), "https://rsc.example.test/test"
    )
    requests.post(
        f"{linkedin.base_url}/_control/integrations/status",
        json={"organization": ORG, "contract": "urn:li:contract:7001", "companyLevel": True, "contractLevel": True},
        timeout=5,
    ).raise_for_status()
    contract = repo.get_contract("acct-1", "7001")
    assert contract is not None
    repo.update_contract(
        contract.model_copy(
            update={
                "status": ContractStatus.ENABLED,
                "company_level": True,
                "contract_level": True,
                "sync_id": "initial-1",
            }
        ),
        allowed_from=frozenset({contract.status}),
        expected_version=contract.version,
    )
    sqs = boto3.client("sqs", region_name="us-east-1")
    queue_url = sqs.create_queue(QueueName="sync")["QueueUrl"]
    monkeypatch.setenv("SYNC_QUEUE_URL", queue_url)
    s3 = boto3.client("s3", region_name="us-east-1")
    s3.create_bucket(Bucket="claims")
    store = SyncStore(settings.TABLE_NAME)
    store.put_run(KEY, {"status": "RUNNING", "contract_id": "7001", "sync_id": "initial-1", "started_at": time.time()})
    feed = ChangeFeed(ChangeStore(settings.TABLE_NAME), sqs, queue_url)
    worker_http = LinkedInHttp(linkedin.api_base_url, linkedin.oauth_base_url, max_attempts=2, sleep=lambda _: None)
    worker = Worker(store, repo, SecretsManagerStore(), worker_http, s3, "claims", RateLimits(), changes=feed)
    requests.delete(f"{linkedin.base_url}/_control/requests", timeout=5)
    yield World(settings, repo, store, feed, ChangeIntake(repo, feed), worker, sqs, queue_url, linkedin)


def synced(world: World, entities: tuple[str, ...] = tuple(fake_ats.SYNC_RESOURCES)) -> None:
    """The initial sync of these entities, page by page, then the run succeeded."""
    for entity in entities:
        rows = records(entity)
        for index in range(0, (len(rows) + 99) // 100):
            world.sync(entity, index)
    world.store.update_run(KEY, status="SUCCEEDED")
    world.clear_log()


def candidate(ats_id: str, first_name: str, **extra: Any) -> dict[str, Any]:
    base = next(r for r in records("candidates") if r["id"] == ats_id)
    return {**base, "first_name": first_name, "updated_at": "2026-11-26T12:00:00Z", **extra}


def valid_candidate_ids() -> list[str]:
    invalid = {r.id for r in fake_ats.expected_rejections(SPEC) if r.resource == "candidates"}
    return [r["id"] for r in records("candidates") if r["id"] not in invalid]


def writes(world: World, path_part: str, method: str = "PUT") -> list[dict[str, Any]]:
    return [r for r in world.log() if r["method"] == method and path_part in unquote(r["path"])]


# -- order per record -----------------------------------------------------------------------------------------
def test_an_older_version_arriving_later_is_reported_stale_and_never_applied(world: World) -> None:
    synced(world, ("candidates",))
    cid = valid_candidate_ids()[0]
    two = world.post(
        {"resource": "candidates", "id": cid, "action": "upsert", "version": 2, "record": candidate(cid, "Two")}
    )
    assert two == {"accepted": 1, "stale": [], "queued": 1, "organizations": [ORG]}
    one = world.post(
        {"resource": "candidates", "id": cid, "action": "upsert", "version": 1, "record": candidate(cid, "One")}
    )
    assert one["accepted"] == 0 and one["queued"] == 0
    assert one["stale"] == [{"resource": "candidates", "id": cid, "version": 1}]
    world.drain()
    assert world.data()["candidates"][cid]["firstName"] == "Two"
    assert world.item("candidates", cid)["applied_version"] == 2


def test_a_message_for_an_older_version_processed_after_the_newer_one_changes_nothing(world: World) -> None:
    synced(world, ("candidates",))
    cid = valid_candidate_ids()[1]
    world.post(
        {"resource": "candidates", "id": cid, "action": "upsert", "version": 10, "record": candidate(cid, "Old")}
    )
    world.post(
        {"resource": "candidates", "id": cid, "action": "upsert", "version": 11, "record": candidate(cid, "New")}
    )
    queued = world.messages()
    assert len(queued) == 2
    # SQS delivers the second message first: it applies the latest state (v11); the first then finds it applied.
    first = world.process(queued[1][0])
    second = world.process(queued[0][0])
    assert (first.status, second.status) == ("counted", "duplicate")
    assert world.data()["candidates"][cid]["firstName"] == "New"
    assert len(writes(world, "/atsCandidates")) == 1


def test_one_record_twice_in_a_batch_keeps_its_newest_version(world: World) -> None:
    synced(world, ("candidates",))
    cid = valid_candidate_ids()[8]
    reply = world.post(
        {"resource": "candidates", "id": cid, "action": "upsert", "version": 4, "record": candidate(cid, "Four")},
        {"resource": "candidates", "id": cid, "action": "upsert", "version": 3, "record": candidate(cid, "Three")},
    )
    assert reply["accepted"] == 1 and reply["stale"] == [{"resource": "candidates", "id": cid, "version": 3}]
    world.drain()
    assert world.data()["candidates"][cid]["firstName"] == "Four"


def test_duplicate_deliveries_and_a_retried_call_send_once(world: World) -> None:
    synced(world, ("candidates",))
    cid = valid_candidate_ids()[2]
    change = {"resource": "candidates", "id": cid, "action": "upsert", "version": 5, "record": candidate(cid, "Dup")}
    world.post(change)
    # The ATS lost our reply and sends the same call again: not applied yet, so it is queued again.
    again = world.post(change)
    assert again["accepted"] == 1 and again["stale"] == []
    (m1, _), (m2, _) = world.messages()
    assert world.process(m1).status == "counted"
    assert world.process(m1, receive_count=2).status == "duplicate"  # SQS delivered it twice
    assert world.process(m2).status == "duplicate"
    assert len(writes(world, "/atsCandidates")) == 1
    # Once applied, the same version again is stale.
    assert world.post(change)["stale"] == [{"resource": "candidates", "id": cid, "version": 5}]


def test_a_version_recorded_while_a_worker_is_sending_is_sent_after_it(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two changes in flight: the worker that sent v1 sees v2 recorded meanwhile and queues it, forced, so
    LinkedIn ends with v2 even if v2's own worker's call had landed first."""
    synced(world, ("candidates",))
    cid = valid_candidate_ids()[3]
    world.post({"resource": "candidates", "id": cid, "action": "upsert", "version": 1, "record": candidate(cid, "V1")})
    (v1_message, _) = world.messages()[0]
    original = SyncApi.upsert
    state = {"raced": False}

    def slow_upsert(self: SyncApi, entity: Any, mapped: Any, organization: str) -> Any:
        if not state["raced"]:
            state["raced"] = True
            # v2 arrives and is applied completely while v1's call is still on its way
            world.post(
                {"resource": "candidates", "id": cid, "action": "upsert", "version": 2, "record": candidate(cid, "V2")}
            )
            world.drain()
            assert world.data()["candidates"][cid]["firstName"] == "V2"
        return original(self, entity, mapped, organization)

    monkeypatch.setattr(SyncApi, "upsert", slow_upsert)
    world.process(v1_message)
    assert world.data()["candidates"][cid]["firstName"] == "V1"  # v1 landed last...
    resent = world.messages()
    assert [m.force for m, _ in resent] == [True]
    world.process(resent[0][0])
    assert world.data()["candidates"][cid]["firstName"] == "V2"  # ...and the newest version was sent again


# -- deletes --------------------------------------------------------------------------------------------------
def _family(world: World) -> tuple[str, str]:
    """An application LinkedIn holds with notes, stages and feedback, and a candidate with notes."""
    data = world.data()
    app = next(
        a
        for a in data["applications"]
        if a in data["applicationNotes"]
        and a in data["applicationStages"]
        and a in data["applicationInterviewFeedback"]
    )
    cand = next(c for c in data["candidateNotes"] if c in data["candidates"])
    return app, cand


def _deletes(world: World) -> list[str]:
    """The DELETE calls in order, as "resource/parent" or "resource"."""
    out = []
    for r in world.log():
        if r["method"] != "DELETE":
            continue
        path = unquote(r["path"]).removeprefix("/v2/")
        if "/" in path:
            base, key, sub = path.split("/")
            parent = key.split("&")[0].split("=")[1]
            out.append(f"{base}/{sub}:{parent}")
        else:
            out.append(path)
    return out


def test_deletes_go_children_first_then_the_application_then_the_candidate(world: World) -> None:
    synced(world)
    app, cand = _family(world)
    data = world.data()
    note, stage, feedback = (
        next(iter(data["applicationNotes"][app])),
        next(iter(data["applicationStages"][app])),
        next(iter(data["applicationInterviewFeedback"][app])),
    )
    cnote = next(iter(data["candidateNotes"][cand]))
    reply = world.post(
        {"resource": "candidates", "id": cand, "action": "delete", "version": 9},
        {"resource": "applications", "id": app, "action": "delete", "version": 9},
        {"resource": "interview-feedback", "id": feedback, "action": "delete", "version": 9, "parentId": app},
        {"resource": "stages", "id": stage, "action": "delete", "version": 9, "parentId": app},
        {"resource": "application-notes", "id": note, "action": "delete", "version": 9, "parentId": app},
        {"resource": "candidate-notes", "id": cnote, "action": "delete", "version": 9, "parentId": cand},
    )
    assert reply["accepted"] == 6 and reply["queued"] == 1
    world.drain()
    calls = _deletes(world)
    order = [
        f"atsApplications/notes:{app}",
        f"atsApplications/stages:{app}",
        f"atsApplications/interviewFeedback:{app}",
        "atsApplications",
        "atsCandidates",
    ]
    assert [c for c in calls if c in order] == order, calls
    assert calls.index(f"atsCandidates/notes:{cand}") < calls.index("atsCandidates")
    after = world.data()
    assert app not in after["applications"] and cand not in after["candidates"]
    assert app not in after["applicationStages"] and cand not in after["candidateNotes"]
    assert world.item("applications", app)["result"] == "deleted"
    assert world.item("stages", stage)["result"] == "deleted"


def test_a_parents_delete_first_deletes_the_children_we_know_of(world: World) -> None:
    synced(world)
    app, _ = _family(world)
    data = world.data()
    stage_id = next(iter(data["applicationStages"][app]))
    stage = next(r for r in records("stages") if r["id"] == stage_id)
    # An earlier change told us about one of its stages...
    world.post(
        {"resource": "stages", "id": stage_id, "action": "upsert", "version": 3, "record": {**stage, "name": "Offer"}}
    )
    world.drain()
    world.clear_log()
    # ...so deleting the application alone deletes that stage first (RSC-503), then the application.
    world.post({"resource": "applications", "id": app, "action": "delete", "version": 4})
    world.drain()
    assert _deletes(world) == [f"atsApplications/stages:{app}", "atsApplications"]
    assert app not in world.data()["applications"]


def test_deleting_what_linkedin_does_not_hold_is_not_an_error(world: World) -> None:
    world.post(
        {"resource": "candidates", "id": "cand-never-synced", "action": "delete", "version": 1},
        {"resource": "application-notes", "id": "n-x", "action": "delete", "version": 1, "parentId": "app-x"},
    )
    outcomes = world.drain()
    assert outcomes[0].rejected == 0
    assert world.item("candidates", "cand-never-synced")["result"] == "deleted (was not at LinkedIn)"
    assert world.item("application-notes", "n-x")["applied_version"] == 1


def test_a_deleted_job_is_closed(world: World) -> None:
    synced(world, ("jobs",))
    data = world.data()
    job = next(r for r in records("jobs") if data["jobs"].get(r["id"], {}).get("state") == "LISTED")
    world.post({"resource": "jobs", "id": job["id"], "action": "delete", "version": 7, "record": job})
    world.drain()
    assert world.data()["jobs"][job["id"]]["state"] == "CLOSED"
    assert world.item("jobs", job["id"])["result"] == "closed"


# -- the initial sync -----------------------------------------------------------------------------------------
def test_a_change_while_its_page_is_pending_is_not_overwritten_by_the_sync(world: World) -> None:
    ids = valid_candidate_ids()
    changed, deleted = ids[0], ids[1]
    reply = world.post(
        {
            "resource": "candidates",
            "id": changed,
            "action": "upsert",
            "version": 8,
            "record": candidate(changed, "Newer"),
        },
        {"resource": "candidates", "id": deleted, "action": "delete", "version": 8},
    )
    assert reply["accepted"] == 2
    run = world.store.get_run(KEY) or {}
    assert run.get("changes_at") and run.get("changed_candidates") == {changed, deleted}
    world.drain()  # the change pipeline first: Newer at LinkedIn, the deleted one was never there
    outcome = world.sync("candidates")  # then the page with the ATS's older data for both
    assert outcome.status == "counted"
    data = world.data()
    assert data["candidates"][changed]["firstName"] == "Newer"
    assert deleted not in data["candidates"]
    progress = world.store.progress(KEY, ["candidates"])["candidates"]
    assert progress.superseded == 1 and progress.accepted + progress.rejected + progress.superseded == len(
        records("candidates")
    )
    assert world.messages() == []  # nothing changed during the page's call: nothing to resend


def test_a_change_applied_while_a_page_is_in_flight_is_sent_again_after_it(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The reverse race: the page read no change, the change was applied before the page's call landed."""
    cid = valid_candidate_ids()[4]
    original = SyncApi.upsert
    state = {"raced": False}

    def page_in_flight(self: SyncApi, entity: Any, mapped: Any, organization: str, deadline: Any = None) -> Any:
        if entity.value == "candidates" and not state["raced"]:
            state["raced"] = True
            world.post(
                {
                    "resource": "candidates",
                    "id": cid,
                    "action": "upsert",
                    "version": 3,
                    "record": candidate(cid, "Live"),
                }
            )
            world.drain()
            assert world.data()["candidates"][cid]["firstName"] == "Live"
        return original(self, entity, mapped, organization, deadline)

    monkeypatch.setattr(SyncApi, "upsert", page_in_flight)
    assert world.sync("candidates").status == "counted"
    assert world.data()["candidates"][cid]["firstName"] != "Live"  # the page's old data landed last...
    resent = world.messages()
    assert [(m.force, m.refs) for m, _ in resent] == [(True, [("candidates", cid)])]
    world.process(resent[0][0])
    assert world.data()["candidates"][cid]["firstName"] == "Live"  # ...and the change was sent again


def test_a_redelivered_page_sends_its_deleted_records_deletion_again(world: World) -> None:
    """An earlier delivery may have sent the record after its deletion was applied, then died: delete again."""
    gone = valid_candidate_ids()[9]
    world.post({"resource": "candidates", "id": gone, "action": "delete", "version": 1})
    world.drain()
    rows = records("candidates")[:100]
    assert world.worker.process(PageMessage(KEY, "candidates", 0, ORG, rows), receive_count=2).status == "counted"
    assert gone not in world.data()["candidates"]
    resent = world.messages()
    assert [(m.force, m.refs) for m, _ in resent] == [(True, [("candidates", gone)])]
    world.process(resent[0][0])
    assert world.item("candidates", gone)["result"].startswith("deleted")


def test_changes_recorded_before_the_run_existed_are_listed_on_it_when_it_begins(world: World) -> None:
    from rsc_connector.sync.steps import SyncSteps

    world.store.table.delete_item(Key=world.store.run_key(KEY))
    cid = valid_candidate_ids()[5]
    world.post(
        {"resource": "candidates", "id": cid, "action": "upsert", "version": 1, "record": candidate(cid, "Early")}
    )
    steps = SyncSteps(world.store, world.repo, SecretsManagerStore(), world.worker.linkedin, None, None)
    steps.begin({**KEY.as_dict(), "organizationUrn": ORG}, "arn:exec:1")
    run = world.store.get_run(KEY) or {}
    assert run["changed_candidates"] == {cid} and run["changes_at"]


def test_without_changes_the_sync_reads_no_change_state(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    looked: list[Any] = []
    monkeypatch.setattr(ChangeStore, "latest", lambda *a, **k: looked.append(a) or {})
    assert world.sync("candidates").status == "counted"
    assert looked == [] and world.messages() == []


def test_a_disabled_organization_gets_no_more_changes(world: World) -> None:
    synced(world, ("candidates",))
    cid = valid_candidate_ids()[6]
    world.post(
        {"resource": "candidates", "id": cid, "action": "upsert", "version": 1, "record": candidate(cid, "Late")}
    )
    contract = world.repo.get_contract("acct-1", "7001")
    assert contract is not None
    world.repo.update_contract(
        contract.model_copy(update={"status": ContractStatus.DISABLED}),
        allowed_from=frozenset({contract.status}),
        expected_version=contract.version,
    )
    assert [o.status for o in world.drain()] == ["stopped"]
    assert writes(world, "/atsCandidates") == []


# -- the route ------------------------------------------------------------------------------------------------
def call(body: Any, account: str = "acct-1", raw: str | None = None) -> tuple[int, dict[str, Any]]:
    event = copy.deepcopy(load_event("changes_post"))
    event["body"] = raw if raw is not None else json.dumps(body)
    event["path"] = f"/accounts/{account}/linkedin/changes"
    event["pathParameters"] = {"accountId": account}
    event["requestContext"]["authorizer"]["accountId"] = "acct-1"
    result = load_handler("changes").lambda_handler(event, FakeLambdaContext())
    return result["statusCode"], json.loads(result["body"])


def test_the_route_accepts_a_batch_and_queues_it(world: World) -> None:
    cid = valid_candidate_ids()[7]
    status, body = call(
        {
            "changes": [
                {
                    "resource": "candidates",
                    "id": cid,
                    "action": "upsert",
                    "version": 1,
                    "record": candidate(cid, "Route"),
                },
                {"resource": "stages", "id": "stage-x", "action": "delete", "version": 1, "parentId": "app-x"},
            ]
        }
    )
    assert status == 202, body
    assert body == {"accepted": 2, "stale": [], "queued": 1, "organizations": [ORG]}
    (message, _) = world.messages()[0]
    assert message.refs == [("candidates", cid), ("stages", "stage-x")]


OK_RECORD = {"id": "c1", "first_name": "A", "created_at": "2025-01-01T00:00:00Z"}


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"resource": "users", "id": "c1", "action": "upsert", "version": 1, "record": OK_RECORD}, "resource"),
        ({"resource": "candidates", "id": "c1", "action": "merge", "version": 1, "record": OK_RECORD}, "action"),
        ({"resource": "candidates", "id": "c1", "action": "upsert", "version": 1}, "changes.0"),
        ({"resource": "candidates", "id": "c1", "action": "upsert", "version": "1", "record": OK_RECORD}, "version"),
        ({"resource": "candidates", "id": "c1", "action": "upsert", "version": -1, "record": OK_RECORD}, "version"),
        ({"resource": "candidates", "id": "c2", "action": "upsert", "version": 1, "record": OK_RECORD}, "changes.0"),
        ({"resource": "jobs", "id": "j1", "action": "delete", "version": 1}, "changes.0"),
        ({"resource": "stages", "id": "s1", "action": "delete", "version": 1}, "changes.0"),
        ({"resource": "candidates", "id": "c1", "action": "delete", "version": 1, "extra": 1}, "extra"),
    ],
)
def test_bad_changes_are_422_naming_the_field(world: World, change: dict[str, Any], field: str) -> None:
    status, body = call({"changes": [change]})
    assert status == 422 and body["error"]["code"] == "INVALID_REQUEST"
    assert any(field in d["field"] for d in body["error"]["details"]), body
    assert world.messages() == []


def test_more_than_100_changes_or_none_are_422(world: World) -> None:
    many = [{"resource": "candidates", "id": f"c{i}", "action": "delete", "version": 1} for i in range(101)]
    assert call({"changes": many})[0] == 422
    assert call({"changes": []})[0] == 422


def test_another_accounts_changes_are_404(world: World) -> None:
    status, body = call(
        {"changes": [{"resource": "candidates", "id": "c1", "action": "delete", "version": 1}]}, "acct-2"
    )
    assert status == 404 and body["error"]["code"] == "NOT_FOUND"


def test_changes_before_company_level_access_are_409_naming_why(world: World) -> None:
    contract = world.repo.get_contract("acct-1", "7001")
    assert contract is not None
    world.repo.update_contract(
        contract.model_copy(update={"company_level": False}),
        allowed_from=frozenset({contract.status}),
        expected_version=contract.version,
    )
    status, body = call({"changes": [{"resource": "candidates", "id": "c1", "action": "delete", "version": 1}]})
    assert status == 409 and body["error"]["code"] == "NOT_ENABLED"
    assert "company-level access is off" in body["error"]["message"]
    assert world.messages() == []
