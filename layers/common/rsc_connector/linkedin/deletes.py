"""LinkedIn's Module 5 deletes (linkedin-rsc-api.md 4.2), job closes (2.2) and configuration deletes (1.6).

Every call is a Rest.li BATCH_DELETE of at most 100 ids answered HTTP 200 with per-entity statuses. An entity
LinkedIn does not hold (deleted before, or its parent is gone) is a per-entity 404 (A15): for a deletion that is
"already gone", never an error. Jobs have no DELETE in classic RSC: they are closed with a simpleJobPostings
BATCH_CREATE whose elements carry ``jobPostingOperationType: CLOSE`` (an asynchronous task per job, A14).
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from rsc_connector.linkedin import assumptions as A
from rsc_connector.linkedin import restli
from rsc_connector.linkedin.http import AppCredentials, LinkedInHttp
from rsc_connector.linkedin.sync_api import SUB_RESOURCES
from rsc_connector.sync.mapping import Entity, application_key, candidate_key

KEYED = {
    Entity.CANDIDATES: ("/atsCandidates", candidate_key),
    Entity.APPLICATIONS: ("/atsApplications", application_key),
}
PARENT_KEY = {
    Entity.CANDIDATE_NOTES: candidate_key,
    Entity.APPLICATION_NOTES: application_key,
    Entity.STAGES: application_key,
    Entity.INTERVIEW_FEEDBACK: application_key,
}


@dataclass
class DeleteOutcome:
    """What LinkedIn said about each id of one delete page."""

    deleted: list[str] = field(default_factory=list)
    gone: list[str] = field(default_factory=list)  # 404: not there (deleted before, or with its parent)
    failed: dict[str, str] = field(default_factory=dict)  # id -> LinkedIn's words
    calls: int = 0


def _message(value: Any) -> str:
    if isinstance(value, dict):
        return str(value.get("message") or value.get("status") or "refused")[:300]
    return str(value)[:300]


def _read(
    outcome: DeleteOutcome, ids: list[str], results: dict[Any, Any], errors: dict[Any, Any], keys: list[Any]
) -> None:
    for ats_id, key in zip(ids, keys, strict=True):
        error = errors.get(key)
        result = results.get(key)
        status = result.get("status") if isinstance(result, dict) else None
        if error is not None:
            if isinstance(error, dict) and error.get("status") == A.DELETE_MISSING_STATUS:
                outcome.gone.append(ats_id)
            else:
                outcome.failed[ats_id] = _message(error)
        elif isinstance(status, int) and 200 <= status < 300:
            outcome.deleted.append(ats_id)
        else:
            outcome.failed[ats_id] = _message(result or "LinkedIn did not report this record")


class DeleteApi:
    def __init__(self, http: LinkedInHttp, app: AppCredentials, parallel_calls: int = 4) -> None:
        self.http = http
        self.app = app
        self.parallel_calls = parallel_calls

    # -- candidates, applications -------------------------------------------------------------------
    def delete_records(self, entity: Entity, ids: list[str], organization_urn: str) -> DeleteOutcome:
        """BATCH_DELETE of up to 100 candidates or applications (their children go with them at LinkedIn)."""
        if not ids:
            return DeleteOutcome()
        path, make_key = KEYED[entity]
        keys = [make_key(i, organization_urn) for i in ids]
        resp = self.http.call(
            "DELETE",
            path,
            self.app,
            params=restli.batch_ids_params(keys),
            restli_method="batch_delete",
            ok=frozenset({200}),
        )
        body = resp.json()
        # LinkedIn's reply keys are canonicalised (A12): compare them as unordered field sets.
        results = {frozenset(restli.parse_entity_key(k).items()): v for k, v in (body.get("results") or {}).items()}
        errors = {frozenset(restli.parse_entity_key(k).items()): v for k, v in (body.get("errors") or {}).items()}
        outcome = DeleteOutcome(calls=1)
        _read(outcome, ids, results, errors, [frozenset(k.items()) for k in keys])
        return outcome

    # -- notes, stages, interview feedback -------------------------------------------------------------
    def delete_children(self, entity: Entity, by_parent: dict[str, list[str]], organization_urn: str) -> DeleteOutcome:
        """BATCH_DELETE of sub-resources, one call per parent (LinkedIn's URL shape), a few calls at once."""
        base, sub = SUB_RESOURCES[entity]
        make_key = PARENT_KEY[entity]

        def delete(item: tuple[str, list[str]]) -> tuple[list[str], dict[str, Any]]:
            parent, ids = item
            resp = self.http.call(
                "DELETE",
                f"{base}/{restli.path_key(make_key(parent, organization_urn))}/{sub}",
                self.app,
                params=restli.simple_ids_params(ids),
                restli_method="batch_delete",
                ok=frozenset({200}),
            )
            return ids, resp.json()

        groups = [(parent, ids) for parent, ids in by_parent.items() if ids]
        if len(groups) <= 1 or self.parallel_calls <= 1:
            replies = [delete(g) for g in groups]
        else:
            with ThreadPoolExecutor(max_workers=min(self.parallel_calls, len(groups))) as pool:
                replies = list(pool.map(delete, groups))
        outcome = DeleteOutcome()
        for ids, body in replies:
            outcome.calls += 1
            _read(outcome, ids, body.get("results") or {}, body.get("errors") or {}, ids)
        return outcome

    # -- jobs --------------------------------------------------------------------------------------------
    def close_jobs(self, jobs: dict[str, dict[str, Any]]) -> tuple[dict[str, str], dict[str, str]]:
        """CLOSE up to 100 jobs (ats id -> the job's body without state). Returns (ats id -> task URN, ats id ->
        LinkedIn's refusal)."""
        if not jobs:
            return {}, {}
        elements = []
        for body in jobs.values():
            element = {k: v for k, v in body.items() if k != "state"}
            element["jobPostingOperationType"] = "CLOSE"
            elements.append(element)
        resp = self.http.call(
            "POST",
            "/simpleJobPostings",
            self.app,
            json={"elements": elements},
            restli_method="batch_create",
            ok=frozenset({200}),
        )
        replies = resp.json().get("elements") or []
        tasks: dict[str, str] = {}
        refused: dict[str, str] = {}
        for index, ats_id in enumerate(jobs):
            element = replies[index] if index < len(replies) and isinstance(replies[index], dict) else {}
            if element.get("status") in (201, 202) and element.get("id"):
                tasks[ats_id] = str(element["id"])
            else:
                error = element.get("error") if isinstance(element.get("error"), dict) else element
                refused[ats_id] = _message(error or "LinkedIn did not report this job")
        return tasks, refused

    def job_tasks(self, task_urns: list[str]) -> dict[str, dict[str, Any]]:
        """Status of up to 100 close tasks: urn -> {status, errorMessage, ...} (unknown or expired: FAILED)."""
        from rsc_connector.linkedin.sync_api import SyncApi

        return SyncApi(self.http, self.app).job_tasks(task_urns)

    # -- configurations ----------------------------------------------------------------------------------
    def delete_configurations(self, integration_key: dict[str, str], names: list[str]) -> DeleteOutcome:
        """BATCH_DELETE configurations of one integration (``…/configurations?ids=CALLBACK_URL``, no body)."""
        resp = self.http.call(
            "DELETE",
            f"/atsIntegrations/{restli.path_key(integration_key)}/configurations",
            self.app,
            params=restli.simple_ids_params(names),
            restli_method="batch_delete",
            ok=frozenset({200}),
        )
        body = resp.json()
        outcome = DeleteOutcome(calls=1)
        _read(outcome, names, body.get("results") or {}, body.get("errors") or {}, names)
        return outcome
