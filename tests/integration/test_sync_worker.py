"""The sync worker against moto (in-process), the LinkedIn emulator and the fake ATS's records: exactly-once
counting under duplicate deliveries and crashes, LinkedIn faults that delay pages, the shared rate budget."""

from __future__ import annotations

import json
import threading
import time
from typing import Any

import pytest
import requests

import fake_ats
from rsc_connector.adapters.dynamodb import DynamoStateRepository
from rsc_connector.adapters.secrets import SecretsManagerStore
from rsc_connector.linkedin.http import LinkedInHttp
from rsc_connector.sync.mapping import Entity
from rsc_connector.sync.messages import PageMessage
from rsc_connector.sync.store import PageResult, RunKey, SyncStore
from rsc_connector.sync.worker import RateLimits, RetryLater, Worker
from tests.helpers import add_member, member_clicks_request, redirect_params, run_at_once

ORG = "urn:li:organization:5001"
KEY = RunKey("acct-1", "7001", "initial-1")


@pytest.fixture
def enabled(aws: Any, env: dict[str, str], linkedin: Any) -> dict[str, Any]:
    """An account whose contract is enabled at the emulator (so sync calls are allowed)."""
    from rsc_connector.auth.claims import Caller
    from rsc_connector.clock import SystemClock
    from rsc_connector.onboarding import Onboarding
    from rsc_connector.settings import Settings

    settings = Settings.model_validate(
        {**env, "LINKEDIN_API_BASE_URL": linkedin.api_base_url, "LINKEDIN_OAUTH_BASE_URL": linkedin.oauth_base_url}
    )
    add_member(linkedin.base_url)
    repo = DynamoStateRepository(settings.TABLE_NAME)
    onboarding = Onboarding(
        settings,
        repo,
        SecretsManagerStore(),
        LinkedInHttp(linkedin.api_base_url, linkedin.oauth_base_url),
        SystemClock(),
    )
    caller = Caller(account_id="acct-1", user_id="u1", role="admin", plan="enterprise")
    started = onboarding.activate(caller, "acct-1", "Acme", "https://rsc.example.test/test")
    onboarding.oauth_callback(
        redirect_params(member_clicks_request(started["authorizationUrl"])), "https://rsc.example.test/test"
    )
    requests.post(
        f"{linkedin.base_url}/_control/integrations/status",
        json={"organization": ORG, "contract": "urn:li:contract:7001", "companyLevel": True, "contractLevel": True},
        timeout=5,
    ).raise_for_status()
    requests.delete(f"{linkedin.base_url}/_control/requests", timeout=5)
    aws["s3"] = __import__("boto3").client("s3", region_name="us-east-1")
    aws["s3"].create_bucket(Bucket="claims")
    store = SyncStore(settings.TABLE_NAME)
    store.put_run(KEY, {"status": "RUNNING", "contract_id": "7001", "sync_id": "initial-1", "started_at": time.time()})
    return {"settings": settings, "repo": repo, "store": store, "s3": aws["s3"]}


def worker(ctx: dict[str, Any], linkedin: Any, limits: RateLimits | None = None) -> Worker:
    http = LinkedInHttp(linkedin.api_base_url, linkedin.oauth_base_url, max_attempts=2, sleep=lambda _: None)
    return Worker(ctx["store"], ctx["repo"], SecretsManagerStore(), http, ctx["s3"], "claims", limits or RateLimits())


SPEC = fake_ats.dataset_from_total(3_000, seed=5)


def page(entity: str, index: int, size: int = 100) -> PageMessage:
    records = list(fake_ats.records(SPEC, "acct-1", entity))[index * size : (index + 1) * size]
    return PageMessage(KEY, entity, index, ORG, records)


def linkedin_writes(linkedin: Any) -> list[dict[str, Any]]:
    log = requests.get(f"{linkedin.base_url}/_control/requests", timeout=5).json()
    return [r for r in log if r["method"] in ("PUT", "POST") and "/ats" in r["path"]]


def test_a_page_is_sent_once_and_counted_once(enabled: dict[str, Any], linkedin: Any) -> None:
    w = worker(enabled, linkedin)
    message = page("candidates", 0)
    first = w.process(message)
    assert first.status == "counted" and first.accepted + first.rejected == 100
    # a duplicate delivery: acknowledged without calling LinkedIn, counted nowhere
    assert w.process(message).status == "duplicate"
    writes = linkedin_writes(linkedin)
    assert len(writes) == 1
    # 100 compound keys make a query longer than LinkedIn's 4 KB (414): the PUT went through query tunneling
    tunneled = writes[0]
    assert tunneled["method"] == "POST" or "X-HTTP-Method-Override" in str(tunneled["headers"])
    assert "multipart/mixed" in str(tunneled["headers"])
    progress = enabled["store"].progress(KEY, ["candidates"])["candidates"]
    assert (progress.pages_done, progress.accepted + progress.rejected) == (1, 100)


def test_two_deliveries_at_once_count_once(enabled: dict[str, Any], linkedin: Any) -> None:
    message = page("candidates", 1)
    results: list[str] = []
    barrier = threading.Barrier(2)

    def run() -> None:
        barrier.wait()
        results.append(worker(enabled, linkedin).process(message).status)

    threads = [threading.Thread(target=run) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results) in (["counted", "duplicate"], ["counted", "duplicate"][::-1])
    progress = enabled["store"].progress(KEY, ["candidates"])["candidates"]
    assert progress.pages_done == 1 and progress.accepted + progress.rejected == 100


def test_a_worker_killed_after_linkedin_answered_loses_nothing(
    enabled: dict[str, Any], linkedin: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    message = page("applications", 0)
    w = worker(enabled, linkedin)

    class Killed(BaseException):
        pass

    def die(*_: Any, **__: Any) -> bool:
        raise Killed  # the process dies between LinkedIn's answer and our bookkeeping

    with monkeypatch.context() as patched, pytest.raises(Killed):
        patched.setattr(SyncStore, "record_page", die)
        w.process(message)
    assert enabled["store"].progress(KEY, ["applications"])["applications"].pages_done == 0
    # SQS redelivers the page: it is sent again (full-record upserts) and counted once
    assert worker(enabled, linkedin).process(message, receive_count=2).status == "counted"
    progress = enabled["store"].progress(KEY, ["applications"])["applications"]
    assert progress.pages_done == 1 and progress.accepted + progress.rejected == 100
    held = requests.get(f"{linkedin.base_url}/_control/data/counts", params={"organization": ORG}, timeout=5).json()
    assert held["applications"] == progress.accepted


@pytest.mark.parametrize("fault", ["500", "504", "429", "drop"])
def test_linkedin_faults_delay_the_page_and_count_nothing(enabled: dict[str, Any], linkedin: Any, fault: str) -> None:
    requests.post(f"{linkedin.base_url}/_control/faults", json={"seed": 1, "rates": {fault: 1.0}}, timeout=5)
    message = page("candidates", 2)
    with pytest.raises(RetryLater) as err:
        worker(enabled, linkedin).process(message, receive_count=3)
    assert err.value.delay_seconds >= 10
    assert enabled["store"].progress(KEY, ["candidates"])["candidates"].pages_done == 0
    requests.post(f"{linkedin.base_url}/_control/faults", json={}, timeout=5)
    assert worker(enabled, linkedin).process(message, receive_count=4).status == "counted"


def test_a_sub_resource_page_keeps_the_calls_linkedin_answered_and_retries_only_the_rest(
    enabled: dict[str, Any], linkedin: Any
) -> None:
    """A notes page makes one call per candidate. When some of those calls fail, the retry sends only the
    failed candidates' notes (a fault suite run once saw a 70-call page re-send everything on 5 attempts)."""
    w = worker(enabled, linkedin)
    message = page("candidate-notes", 0)
    parents = {r["candidate_id"] for r in message.records or []}
    assert len(parents) > 10  # many calls
    requests.post(f"{linkedin.base_url}/_control/faults", json={"seed": 3, "rates": {"500": 0.6}}, timeout=5)
    with pytest.raises(RetryLater) as err:
        w.process(message, receive_count=6)
    requests.post(f"{linkedin.base_url}/_control/faults", json={}, timeout=5)
    attempts = enabled["store"].page_attempts(KEY, "candidate-notes", 0)
    assert 0 < len(attempts.settled) < 100, "some calls were answered, some failed"
    # it got something through: the page comes back after the base delay, whatever its delivery count
    assert (attempts.stalled, err.value.delay_seconds) == (0, 10)
    assert enabled["store"].progress(KEY, ["candidate-notes"])["candidate-notes"].pages_done == 0

    requests.delete(f"{linkedin.base_url}/_control/requests", timeout=5)
    outcome = w.process(message, receive_count=7)
    assert outcome.status == "counted" and outcome.accepted + outcome.rejected == 100
    resent = {tuple(k) for k in _notes_sent(linkedin_writes(linkedin))}
    assert resent and not resent & {(note, parent) for note, parent in _settled_pairs(message, attempts.settled)}
    assert len(resent) == 100 - len(attempts.settled)  # exactly the unsettled notes, once each
    progress = enabled["store"].progress(KEY, ["candidate-notes"])["candidate-notes"]
    assert (progress.pages_done, progress.accepted + progress.rejected, progress.sent) == (1, 100, 100)
    assert enabled["store"].page_attempts(KEY, "candidate-notes", 0).stored is False  # removed once counted
    marker = enabled["store"].pages(KEY, "candidate-notes")[0]
    assert set(marker["accepted"]) >= set(attempts.accepted)


def _notes_sent(writes: list[dict[str, Any]]) -> list[tuple[str, str]]:
    """(note id, candidate path key) of every note PUT in the request log."""
    out = []
    for write in writes:
        path = write["path"]
        if "/notes" not in path:
            continue
        parent = path.split("/atsCandidates/", 1)[1].rsplit("/notes", 1)[0]
        ids = _ids_of(write)
        out.extend((i, parent) for i in ids)
    return out


def _ids_of(write: dict[str, Any]) -> list[str]:
    return list(json.loads(write["body"])["entities"])


def _settled_pairs(message: PageMessage, settled: set[str]) -> list[tuple[str, str]]:
    from rsc_connector.linkedin import restli
    from rsc_connector.sync.mapping import MappingOptions, Rejected, map_record

    pairs = []
    for record in message.records or []:
        try:
            mapped = map_record(Entity.CANDIDATE_NOTES, record, MappingOptions(organization_urn=ORG))
        except Rejected:  # never sent
            continue
        if mapped.ats_id in settled and mapped.parent_key:
            pairs.append((mapped.ats_id, restli.path_key(mapped.parent_key)))
    return pairs


def test_a_page_out_of_time_starts_no_call_keeps_what_it_has_and_comes_straight_back(
    enabled: dict[str, Any], linkedin: Any
) -> None:
    w = worker(enabled, linkedin)
    message = page("application-notes", 0)
    with pytest.raises(RetryLater) as err:
        w.process(message, deadline=time.monotonic() - 1)  # the invocation's time is up
    assert err.value.delay_seconds == 1 and err.value.defer is None
    attempts = enabled["store"].page_attempts(KEY, "application-notes", 0)
    assert (attempts.stored, attempts.settled, attempts.stalled) == (True, set(), 0)  # not a LinkedIn failure
    assert not [w for w in linkedin_writes(linkedin) if "/notes" in w["path"]]
    outcome = w.process(message, receive_count=2, deadline=time.monotonic() + 60)
    assert outcome.status == "counted" and outcome.accepted + outcome.rejected == 100


def test_a_page_that_settles_nothing_backs_off_by_its_failed_attempts_not_its_deliveries(
    enabled: dict[str, Any], linkedin: Any
) -> None:
    w = worker(enabled, linkedin)
    message = page("candidates", 1)
    requests.post(f"{linkedin.base_url}/_control/faults", json={"seed": 1, "rates": {"500": 1.0}}, timeout=5)
    delays = []
    for receive_count in (1, 9, 10):  # deliveries also count crashes and waits on another worker
        with pytest.raises(RetryLater) as err:
            w.process(message, receive_count=receive_count)
        delays.append(err.value.delay_seconds)
    requests.post(f"{linkedin.base_url}/_control/faults", json={}, timeout=5)
    assert delays == [10, 20, 40]
    assert w.process(message, receive_count=11).status == "counted"
    assert enabled["store"].page_attempts(KEY, "candidates", 1).stored is False


def test_rejections_are_counted_with_their_reasons(enabled: dict[str, Any], linkedin: Any) -> None:
    w = worker(enabled, linkedin)
    for index in range(3):
        w.process(page("stages", index))
    progress = enabled["store"].progress(KEY, ["stages"])["stages"]
    invalid = {r.id for r in fake_ats.expected_rejections(SPEC) if r.resource == "stages"}
    first_300 = {r["id"] for r in list(fake_ats.records(SPEC, "acct-1", "stages"))[:300]}
    assert progress.reasons.get("empty_stage") == len(invalid & first_300)
    samples = enabled["store"].rejected_samples(KEY, "stages")
    assert {s["id"] for s in samples if s["reason"] == "empty_stage"} <= invalid


def test_rejected_samples_read_the_page_markers_only_until_they_have_enough(enabled: dict[str, Any]) -> None:
    """The completion email's samples come from the first pages: 200 markers are not all read for 20 samples
    (reading them all held up the completion email at the end of make bench)."""
    store: SyncStore = enabled["store"]
    for index in range(200):
        rejected = {f"s{index}-{k}": ("empty_stage", "stage is empty") for k in range(3)}
        accepted = [f"a{index}-{k}" for k in range(97)]
        store.record_page(KEY, PageResult("stages", index, 100, accepted, rejected, 1))
    reads: list[int] = []
    query = store.table.query

    def counted(**kwargs: Any) -> Any:
        reply = query(**kwargs)
        reads.append(len(reply.get("Items", [])))
        return reply

    store.table.query = counted  # type: ignore[method-assign]
    samples = store.rejected_samples(KEY, "stages")
    assert [s["id"] for s in samples] == [f"s{i}-{k}" for i in range(7) for k in range(3)][:20]
    assert sum(reads) < 20 and len(reads) == 1  # one Query of 10 markers, not 200


def test_the_shared_budget_holds_the_customers_rate_across_workers(enabled: dict[str, Any], linkedin: Any) -> None:
    # 2,000 records/min shared by three workers: 12 pages of 100 can't go faster than the budget allows
    limits = RateLimits(records_per_minute=2_000)
    messages = [page("candidate-notes", i) for i in range(6)] + [page("interview-feedback", i) for i in range(6)]
    started = time.monotonic()
    outcomes: list[Any] = []

    def run(chunk: list[PageMessage]) -> None:
        w = worker(enabled, linkedin, limits)
        for message in chunk:
            while True:
                try:
                    outcomes.append(w.process(message))
                    break
                except RetryLater as exc:
                    if exc.defer is not None:  # deferred: the page comes back as the message sent again
                        message = PageMessage.from_json(exc.defer)
                    time.sleep(min(exc.delay_seconds, 2))

    threads = [threading.Thread(target=run, args=(messages[i::3],)) for i in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.monotonic() - started
    records = sum(o.accepted + o.rejected for o in outcomes)
    smooth = limits.smooth_rate / 60  # records per second released
    # a page goes as its records' turn begins: the last one once all the others' records are released
    assert elapsed >= (records - 100 - limits.burst) / smooth * 0.95
    usage = requests.get(f"{linkedin.base_url}/_control/usage", timeout=5).json()["sync"]
    assert all(app["violations"] == 0 for app in usage.values())


class FakeClock:
    """The worker's time: `sleep` advances it."""

    def __init__(self) -> None:
        self.now = time.time()
        self.slept = 0.0

    def time(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept += seconds
        self.now += seconds

    def monotonic(self) -> float:
        return time.monotonic()


def app_key(ctx: dict[str, Any]) -> str:
    return str(ctx["repo"].get_account("acct-1").child_app.key)


def budget_tat(ctx: dict[str, Any]) -> float:
    item = ctx["store"].table.get_item(Key={"pk": f"RATE#{app_key(ctx)}", "sk": "SYNC"}, ConsistentRead=True)["Item"]
    return float(item["tat"])


def other_pages_take(ctx: dict[str, Any], records: int, limits: RateLimits, now: float) -> None:
    """The customer's other pages (other workers) reserve the next `records` of its budget."""
    reservation = ctx["store"].reserve_records(
        app_key(ctx), records, limits.smooth_rate, limits.burst, now, max_wait=3600
    )
    assert reservation.reserved


def test_a_page_far_from_its_slot_is_deferred_to_it_and_then_sent_without_a_second_reservation(
    enabled: dict[str, Any], linkedin: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    import rsc_connector.sync.worker as worker_module

    clock = FakeClock()
    monkeypatch.setattr(worker_module, "time", clock)
    limits = RateLimits(records_per_minute=1_000)  # 850/min released: a page of 100 records every ~7 s
    w = worker(enabled, linkedin, limits)
    other_pages_take(enabled, 300, limits, clock.now)
    # The page's slot is ~19 s away, more than a worker waits: it is reserved and the page deferred to it
    with pytest.raises(RetryLater) as deferred:
        w.process(page("candidates", 1))
    assert deferred.value.defer is not None
    slotted = PageMessage.from_json(deferred.value.defer)
    assert slotted.slot_at is not None and 15 < slotted.slot_at - clock.now < 22
    assert slotted.records == page("candidates", 1).records
    assert abs(deferred.value.delay_seconds - (slotted.slot_at - clock.now - worker_module.COME_BACK_EARLY)) <= 1
    assert linkedin_writes(linkedin) == []
    tat = budget_tat(enabled)
    # Back a little early (as SQS delivers it): it waits for its slot, and takes no second reservation
    clock.now = slotted.slot_at - 2
    assert w.process(slotted).status == "counted"
    assert budget_tat(enabled) == tat and clock.slept == pytest.approx(2)
    # Back long before its slot (SQS delays at most 15 minutes): deferred again, with the same slot
    other_pages_take(enabled, 300, limits, clock.now)
    with pytest.raises(RetryLater) as first:
        w.process(page("candidates", 2))
    far = PageMessage.from_json(str(first.value.defer))
    assert far.slot_at is not None
    clock.now = far.slot_at - 60
    with pytest.raises(RetryLater) as early:
        w.process(far)
    assert PageMessage.from_json(str(early.value.defer)).slot_at == far.slot_at
    # Back late (its slot passed unused): it reserves a new one, here within a worker's wait, and goes
    clock.now = far.slot_at + 30
    tat = budget_tat(enabled)
    assert w.process(far).status == "counted"
    assert budget_tat(enabled) > tat
    assert len(linkedin_writes(linkedin)) == 2


def test_a_page_beyond_the_reservations_ahead_is_deferred_without_a_slot(
    enabled: dict[str, Any], linkedin: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    import rsc_connector.sync.worker as worker_module

    clock = FakeClock()
    monkeypatch.setattr(worker_module, "time", clock)
    monkeypatch.setattr(worker_module, "RESERVE_AHEAD_SECONDS", 30.0)
    limits = RateLimits(records_per_minute=1_000)
    w = worker(enabled, linkedin, limits)
    other_pages_take(enabled, 600, limits, clock.now)  # ~42 s of the budget reserved ahead
    tat = budget_tat(enabled)
    with pytest.raises(RetryLater) as beyond:
        w.process(page("candidates", 2))
    assert beyond.value.defer is not None and PageMessage.from_json(beyond.value.defer).slot_at is None
    assert budget_tat(enabled) == tat  # nothing reserved
    # it comes back once the reservations ahead leave room (~10 s), spread over a minute
    assert 10 + 5 - 1 <= beyond.value.delay_seconds <= 11 + 60
    assert linkedin_writes(linkedin) == []


@pytest.mark.parametrize("ceiling", [300, 1_000, 10_000])
def test_pages_sent_at_their_slots_never_put_more_than_the_ceiling_in_any_60_seconds(
    enabled: dict[str, Any], ceiling: int
) -> None:
    """The budget's bound holds whatever the page sizes: a window can hold the page paid for just before it
    opened, so the smooth rate leaves one call's records (and the burst, and a jitter margin) below the ceiling."""
    import random

    limits = RateLimits(records_per_minute=ceiling)
    rng = random.Random(ceiling)
    now, sends = 1_000_000.0, []
    for _ in range(150):
        records = rng.choice([100, 100, 100, rng.randint(1, 100)])
        reservation = enabled["store"].reserve_records(
            f"sim-{ceiling}", records, limits.smooth_rate, limits.burst, now, max_wait=3600
        )
        assert reservation.reserved
        now += reservation.wait  # sent exactly at its slot
        sends.append((now, records))
        if rng.random() < 0.1:  # now and then the next page arrives a little later (the budget idles)
            now += rng.uniform(0, 3)
    worst = max(sum(n for t, n in sends if end - 60 < t <= end) for end, _ in sends)
    jitter_margin = int(ceiling * limits.jitter_share)
    assert worst <= ceiling - jitter_margin
    assert worst >= 0.75 * (ceiling - jitter_margin)  # and the budget is used, not wasted


def test_a_claim_checked_page_is_read_from_s3_and_removed(enabled: dict[str, Any], linkedin: Any) -> None:
    message = page("candidate-notes", 0)
    enabled["s3"].put_object(Bucket="claims", Key="c/1.json", Body=json.dumps({"records": message.records}).encode())
    claimed = PageMessage(KEY, message.entity, message.index, ORG, claim="c/1.json")
    assert PageMessage.from_json(claimed.to_json()).claim == "c/1.json"
    assert worker(enabled, linkedin).process(claimed).status == "counted"
    assert "Contents" not in enabled["s3"].list_objects_v2(Bucket="claims")


def test_pages_of_a_stopped_sync_are_dropped_without_calls(enabled: dict[str, Any], linkedin: Any) -> None:
    enabled["store"].update_run(KEY, status="STOPPED")
    assert worker(enabled, linkedin).process(page("candidates", 3)).status == "stopped"
    assert linkedin_writes(linkedin) == []


def test_entities_cover_every_resource_of_the_export_api() -> None:
    assert {e.value for e in Entity} == set(fake_ats.SYNC_RESOURCES)


def test_many_pages_reserving_at_once_each_get_their_own_turn_in_one_write(enabled: dict[str, Any]) -> None:
    """A batch's pages run side by side: a hundred pages of one customer may reserve at the same moment. Each
    gets its own turn, none is refused for the race, and each costs one write (make bench once spent most of
    its CPU on read-then-write reservations retrying against each other)."""
    store, limits, now = enabled["store"], RateLimits(), time.time()
    waits: list[float] = []

    def reserve() -> None:
        reservation = store.reserve_records("app-race", 100, limits.smooth_rate, limits.burst, now, 8, ahead=900)
        assert reservation.reserved
        waits.append(reservation.wait)

    run_at_once(40, reserve)
    turn, tolerance = 100 * 60 / limits.smooth_rate, limits.burst * 60 / limits.smooth_rate
    expected = [max(0.0, k * turn - tolerance) for k in range(40)]  # turns back to back from now, less the burst
    assert all(abs(w - e) < 1e-6 for w, e in zip(sorted(waits), expected, strict=True))
    tat = float(store.table.get_item(Key={"pk": "RATE#app-race", "sk": "SYNC"})["Item"]["tat"])
    assert abs(tat - (now + 40 * turn)) < 1e-6  # every page's records, once


def test_planners_side_by_side_share_one_planning_horizon_beside_the_send_budget(enabled: dict[str, Any]) -> None:
    """The four planners of the last phase claim turns in the customer's planning horizon at the same moment:
    together they get one horizon of pages (the start of the last phase once enqueued four), and the planning
    ledger leaves the send budget's reservations alone."""
    store, now = enabled["store"], time.time()
    rate, horizon = 9_400, 100.0  # 156.7 turns of 100 records: no turn starts right at the horizon's end
    granted: list[bool] = []

    def planner() -> None:
        while store.claim_planning("app-plan", 100, rate, now, horizon).reserved:
            granted.append(True)

    run_at_once(4, planner)
    turn = 100 * 60 / rate
    assert len(granted) == 157  # the turns starting within the horizon (at 0 s, 0.64 s, ... 99.6 s), each once
    refused = store.claim_planning("app-plan", 100, rate, now, horizon)
    assert not refused.reserved and abs(refused.wait - len(granted) * turn) < 1e-6
    store.release_planning("app-plan", 100, rate)  # a short last page gives back what it did not use
    assert store.claim_planning("app-plan", 100, rate, now, horizon).reserved
    assert store.reserved_ahead("app-plan", now) == 0.0  # nothing reserved for sending
    sending = store.reserve_records("app-plan", 100, rate, 300, now, 8)
    assert sending.reserved and sending.wait == 0.0
    assert store.claim_planning("app-plan", 100, rate, now + horizon, horizon).reserved  # room again later
