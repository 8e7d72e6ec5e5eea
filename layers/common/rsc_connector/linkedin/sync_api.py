"""LinkedIn's sync endpoints (linkedin-rsc-api.md sections 2.1-2.6): full-record upserts in batches of at most
100, per-entity statuses read one by one from HTTP 200 replies, jobs as asynchronous tasks.

Sub-resources (notes, stages, interview feedback) are batched per parent, as LinkedIn's URLs require: a page of
100 notes over 40 candidates is 40 calls. The caller's rate budget counts both records and calls. When some of
those calls fail (after the HTTP client's own retries), or the caller's time is up before they start, the others'
answers are kept: the outcome lists the records left unsent (and the error, if any), so the caller can retry only
those.
"""

from __future__ import annotations

import time
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from rsc_connector.linkedin import restli
from rsc_connector.linkedin.http import AppCredentials, LinkedInError, LinkedInHttp
from rsc_connector.sync.mapping import Entity, Mapped, application_key, candidate_key

SUB_RESOURCES = {
    Entity.CANDIDATE_NOTES: ("/atsCandidates", "notes"),
    Entity.APPLICATION_NOTES: ("/atsApplications", "notes"),
    Entity.STAGES: ("/atsApplications", "stages"),
    Entity.INTERVIEW_FEEDBACK: ("/atsApplications", "interviewFeedback"),
}
TASK_DONE = frozenset({"SUCCEEDED", "FAILED", "PROCESSED"})


@dataclass
class UpsertOutcome:
    """What LinkedIn said about each record of one page."""

    accepted: list[str] = field(default_factory=list)
    rejected: dict[str, tuple[str, str]] = field(default_factory=dict)  # ats id -> (reason code, LinkedIn's words)
    job_tasks: dict[str, str] = field(default_factory=dict)  # ats job id -> simpleJobPostingTask URN
    calls: int = 0  # calls LinkedIn answered
    # Records whose call failed or did not start in time (sub-resources: their parent's call), with the first
    # error if one failed; the answered calls' results above stand.
    unsent: list[str] = field(default_factory=list)
    error: LinkedInError | None = None


def _rejection(value: Any, parent_missing_possible: bool = False) -> tuple[str, str]:
    """A stable reason code and LinkedIn's message for one refused entity."""
    status = value.get("status") if isinstance(value, dict) else None
    if status == 404 and parent_missing_possible:
        return "parent_not_synced", _error_message(value)
    return "linkedin_rejected", _error_message(value)


def _error_message(value: Any) -> str:
    if isinstance(value, dict):
        error = value.get("error")
        inner: dict[str, Any] = error if isinstance(error, dict) else value
        return str(inner.get("message") or inner.get("status") or "rejected")[:300]
    return str(value)[:300]


class SyncApi:
    def __init__(self, http: LinkedInHttp, app: AppCredentials, parallel_calls: int = 4) -> None:
        self.http = http
        self.app = app
        self.parallel_calls = parallel_calls

    def upsert(
        self, entity: Entity, records: list[Mapped], organization_urn: str, deadline: float | None = None
    ) -> UpsertOutcome:
        """`deadline` (time.monotonic()): no sub-resource call starts after it; its records are left unsent."""
        if len(records) > restli.MAX_BATCH:
            raise ValueError(f"at most {restli.MAX_BATCH} records per page")
        if not records:
            return UpsertOutcome()
        if entity == Entity.JOBS:
            return self._jobs(records)
        if entity == Entity.CANDIDATES:
            keys = [candidate_key(m.ats_id, organization_urn) for m in records]
            return self._keyed("/atsCandidates", records, keys)
        if entity == Entity.APPLICATIONS:
            keys = [application_key(m.ats_id, organization_urn) for m in records]
            return self._keyed("/atsApplications", records, keys)
        return self._sub_resources(entity, records, deadline)

    def _jobs(self, records: list[Mapped]) -> UpsertOutcome:
        resp = self.http.call(
            "POST",
            "/simpleJobPostings",
            self.app,
            json={"elements": [m.body for m in records]},
            restli_method="batch_create",
            ok=frozenset({200}),
        )
        outcome = UpsertOutcome(calls=1)
        elements = resp.json().get("elements") or []
        for index, mapped in enumerate(records):
            element = elements[index] if index < len(elements) and isinstance(elements[index], dict) else {}
            status = element.get("status")
            if status in (201, 202) and element.get("id"):
                outcome.job_tasks[mapped.ats_id] = str(element["id"])
            else:
                outcome.rejected[mapped.ats_id] = _rejection(element or "LinkedIn did not report this job")
        return outcome

    def _keyed(self, path: str, records: list[Mapped], keys: list[dict[str, str]]) -> UpsertOutcome:
        entity_keys = [restli.entity_key(k) for k in keys]
        resp = self.http.call(
            "PUT",
            path,
            self.app,
            params=restli.batch_ids_params(keys),
            json={"entities": {ek: m.body for ek, m in zip(entity_keys, records, strict=True)}},
            restli_method="batch_update",
            ok=frozenset({200}),
        )
        return _read_batch(resp.json(), records, [frozenset(k.items()) for k in keys], UpsertOutcome(calls=1))

    def _sub_resources(self, entity: Entity, records: list[Mapped], deadline: float | None) -> UpsertOutcome:
        base, sub = SUB_RESOURCES[entity]
        by_parent: dict[str, list[Mapped]] = defaultdict(list)
        parents: dict[str, dict[str, str]] = {}
        for mapped in records:
            assert mapped.parent_key is not None
            path_key = restli.path_key(mapped.parent_key)
            by_parent[path_key].append(mapped)
            parents[path_key] = mapped.parent_key
        outcome = UpsertOutcome()

        def put(item: tuple[str, list[Mapped]]) -> tuple[list[Mapped], dict[str, Any] | LinkedInError | None]:
            path_key, group = item
            if deadline is not None and time.monotonic() > deadline:
                return group, None  # the caller's time is up: not sent
            try:
                resp = self.http.call(
                    "PUT",
                    f"{base}/{path_key}/{sub}",
                    self.app,
                    params=restli.simple_ids_params([m.ats_id for m in group]),
                    json={"entities": {m.ats_id: m.body for m in group}},
                    restli_method="batch_update",
                    ok=frozenset({200}),
                )
            except LinkedInError as exc:
                return group, exc
            return group, resp.json()

        # One call per parent (LinkedIn's URL shape); a few at once, within the page's reserved budget. A failed
        # call leaves its parent's records unsent and the other calls' answers stand: the page is retried for
        # the unsent ones only (upserts carry full records, so re-sending one that was applied is safe too).
        groups = list(by_parent.items())
        if len(groups) == 1 or self.parallel_calls <= 1:
            replies = [put(g) for g in groups]
        else:
            with ThreadPoolExecutor(max_workers=min(self.parallel_calls, len(groups))) as pool:
                replies = list(pool.map(put, groups))
        for group, body in replies:
            if body is None or isinstance(body, LinkedInError):
                outcome.unsent.extend(m.ats_id for m in group)
                outcome.error = outcome.error or body
                continue
            outcome.calls += 1
            _read_simple(body, group, outcome)
        return outcome

    def job_tasks(self, task_urns: list[str]) -> dict[str, dict[str, Any]]:
        """Status of up to 100 job tasks: urn -> {status, externalJobPostingId, errorMessage}."""
        resp = self.http.call(
            "GET",
            "/simpleJobPostingTasks",
            self.app,
            params=restli.simple_ids_params(task_urns),
            ok=frozenset({200}),
        )
        body = resp.json()
        out: dict[str, dict[str, Any]] = {}
        for urn in task_urns:
            result = (body.get("results") or {}).get(urn)
            if isinstance(result, dict):
                out[urn] = result
            else:
                error = (body.get("errors") or {}).get(urn)
                out[urn] = {"status": "FAILED", "errorMessage": _error_message(error or "task unknown or expired")}
        return out


def _read_batch(
    body: dict[str, Any], records: list[Mapped], key_sets: list[frozenset[Any]], outcome: UpsertOutcome
) -> UpsertOutcome:
    """Match LinkedIn's reply keys to ours as unordered field sets (its key strings are canonicalised)."""
    results = {frozenset(restli.parse_entity_key(k).items()): v for k, v in (body.get("results") or {}).items()}
    errors = {frozenset(restli.parse_entity_key(k).items()): v for k, v in (body.get("errors") or {}).items()}
    for mapped, key_set in zip(records, key_sets, strict=True):
        result = results.get(key_set)
        status = result.get("status") if isinstance(result, dict) else None
        if key_set in errors:
            outcome.rejected[mapped.ats_id] = _rejection(errors[key_set])
        elif isinstance(status, int) and 200 <= status < 300:
            outcome.accepted.append(mapped.ats_id)
        else:
            outcome.rejected[mapped.ats_id] = _rejection(result or "LinkedIn did not report this record")
    return outcome


def _read_simple(body: dict[str, Any], records: list[Mapped], outcome: UpsertOutcome) -> None:
    results, errors = body.get("results") or {}, body.get("errors") or {}
    for mapped in records:
        result = results.get(mapped.ats_id)
        status = result.get("status") if isinstance(result, dict) else None
        if mapped.ats_id in errors:
            # A sub-resource whose parent LinkedIn does not hold (its candidate or application was refused).
            outcome.rejected[mapped.ats_id] = _rejection(errors[mapped.ats_id], parent_missing_possible=True)
        elif isinstance(status, int) and 200 <= status < 300:
            outcome.accepted.append(mapped.ats_id)
        else:
            outcome.rejected[mapped.ats_id] = _rejection(result or "LinkedIn did not report this record", True)
