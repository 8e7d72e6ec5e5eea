"""``/v2/simpleJobPostings`` (BATCH_CREATE, asynchronous) and ``/v2/simpleJobPostingTasks`` (BATCH_GET).

linkedin-rsc-api.md 2.2. A batch of at most 100 jobs, no externalJobPostingId twice, answers HTTP 200 with one
element per job in request order: ``{"id": <task URN>, "status": 202}`` or ``{"status": 422, "error": {"message",
"status": 422}}`` (field validation, schemas.JOB, A18). Accepted jobs become tasks that LinkedIn applies after
the processing delay, in submission order (A14): upsert by (integrationContext, externalJobPostingId), CLOSED /
CLOSE closes. Admission: A13, A16.
"""

from __future__ import annotations

from typing import Any

from rsc_connector.linkedin import assumptions as A

from .context import Call, Context
from .model import ORGANIZATION_URN
from .provisioning import require_json
from .restli import MAX_BATCH_KEYS, parse_simple_ids, require_restli_method
from .schemas import JOB
from .sync import admit, allow_method, batch_get_reply, not_found
from .syncstore import JOB_TASKS, JOBS, TASK_URN_PREFIX
from .wire import ApiError, Request, Response


def post_collection(ctx: Context, call: Call) -> Response:
    request = call.request
    require_restli_method(request, "batch_create")
    if request.query:
        raise ApiError(400, "BATCH_CREATE takes no query parameters")
    elements = _elements(request)
    problems = [JOB.problems(element) for element in elements]
    _refuse_duplicates(elements)
    organizations = {
        element["integrationContext"]
        for element in elements
        if isinstance(element, dict)
        and isinstance(element.get("integrationContext"), str)
        and ORGANIZATION_URN.match(element["integrationContext"])
    }
    replies: list[dict[str, Any]] = []
    with ctx.state.lock:
        admit(ctx, call, JOBS, organizations, len(elements))
        sync = ctx.state.sync
        for element, message in zip(elements, problems, strict=True):
            if message is not None:
                error = {"message": message, "status": A.VALIDATION_ERROR_STATUS}
                replies.append({"status": A.VALIDATION_ERROR_STATUS, "error": error})
                continue
            task = sync.submit_job(call.client_id, JOB.normalized(element))
            replies.append({"id": task.urn, "status": 202})
        sync.process_due()
    return Response.json(200, {"elements": replies})


def _elements(request: Request) -> list[Any]:
    require_json(request)
    body = request.json()
    if not isinstance(body, dict) or set(body) != {"elements"} or not isinstance(body["elements"], list):
        raise ApiError(400, 'The request body must be {"elements": [<job>, ...]}')
    elements: list[Any] = body["elements"]
    if not elements:
        raise ApiError(400, '"elements" is empty: send at least one job')
    if len(elements) > MAX_BATCH_KEYS:
        raise ApiError(400, f"Too many elements: {len(elements)} (at most {MAX_BATCH_KEYS} per batch request)")
    return elements


def _refuse_duplicates(elements: list[Any]) -> None:
    """No externalJobPostingId twice in one request (linkedin-rsc-api.md 2.2): the whole call is a 400."""
    seen: set[str] = set()
    for element in elements:
        external_id = element.get("externalJobPostingId") if isinstance(element, dict) else None
        if not isinstance(external_id, str):
            continue
        if external_id in seen:
            raise ApiError(400, f"Duplicate externalJobPostingId {external_id!r} in one request")
        seen.add(external_id)


def get_tasks(ctx: Context, call: Call) -> Response:
    """BATCH_GET ``?ids=<task URN>&ids=...``: unknown, expired (24 h) or another application's task -> 404."""
    request = call.request
    allow_method(request, "batch_get")
    ids = parse_simple_ids(request.query_pairs())
    for urn in ids:
        if not urn.startswith(TASK_URN_PREFIX) or len(urn) == len(TASK_URN_PREFIX):
            raise ApiError(400, f"{urn!r} is not a simpleJobPostingTask URN ({TASK_URN_PREFIX}<id>)")
    results: dict[str, Any] = {}
    errors: dict[str, Any] = {}
    with ctx.state.lock:
        sync = ctx.state.sync
        tasks = {urn: sync.task(call.client_id, urn) for urn in ids}
        admit(ctx, call, JOB_TASKS, (task.organization for task in tasks.values() if task is not None), 0)
        for urn, task in tasks.items():
            if task is None:
                errors[urn] = not_found(f"No job posting task {urn} (unknown, older than 24 hours, or not yours)")
            else:
                results[urn] = task.view()
    return batch_get_reply(results, errors)
