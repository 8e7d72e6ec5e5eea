"""``/v2/atsCandidates`` (child token) and its ``/notes`` sub-resource.

* ``PUT`` + ``batch_update``: upsert, full replacement (linkedin-rsc-api.md 2.3);
* ``GET`` (BATCH_GET, optional ``fields=``): the stored candidate plus ``matchedMembers`` (A17);
* ``POST`` + ``batch_partial_update``: ``{"patch": {"$set": {...}, "$delete": [...]}}``, e.g. manualMatchedMember;
* ``DELETE`` (BATCH_DELETE): removes the candidate and its notes (4.2, A15);
* ``PUT`` / ``DELETE`` ``/atsCandidates/{key}/notes?ids=``: BATCH_UPDATE / BATCH_DELETE of notes (2.4).

Validation: schemas.CANDIDATE / schemas.NOTE (A18). Admission: A13, A16.
"""

from __future__ import annotations

import re
from typing import Any

from rsc_connector.linkedin import assumptions as A

from .context import Call, Context
from .restli import require_restli_method
from .schemas import CANDIDATE, NOTE, problem
from .sync import (
    DONE,
    ChildResource,
    EntityKey,
    KeyedResource,
    admit,
    allow_method,
    batch_get_reply,
    batch_reply,
    delete_children,
    delete_records,
    invalid,
    keyed_entities,
    not_found,
    put_children,
    put_records,
    url_keys,
)
from .syncstore import CANDIDATE_NOTES, CANDIDATES, OrgData
from .wire import ApiError, Response

ID = "atsCandidateId"
PATCH_OPERATIONS = frozenset({"$set", "$delete"})
PROJECTION_FIELD = re.compile(r"^[A-Za-z][A-Za-z0-9_]*$")


def _drop_notes(data: OrgData, candidate_id: str) -> None:
    data.candidate_notes.pop(candidate_id, None)


RESOURCE = KeyedResource(
    family=CANDIDATES,
    id_field=ID,
    label="candidate",
    schema=CANDIDATE,
    records=lambda data: data.candidates,
    drop_children=_drop_notes,
)
NOTES = ChildResource(
    family=CANDIDATE_NOTES,
    parent=RESOURCE,
    label="note",
    schema=NOTE,
    children=lambda data: data.candidate_notes,
)


def put_collection(ctx: Context, call: Call) -> Response:
    return put_records(RESOURCE, ctx, call)


def delete_collection(ctx: Context, call: Call) -> Response:
    return delete_records(RESOURCE, ctx, call)


def put_notes(ctx: Context, call: Call) -> Response:
    return put_children(NOTES, ctx, call)


def delete_notes(ctx: Context, call: Call) -> Response:
    return delete_children(NOTES, ctx, call)


# -- BATCH_GET --------------------------------------------------------------------------------------------------


def get_collection(ctx: Context, call: Call) -> Response:
    request = call.request
    allow_method(request, "batch_get")
    keys = url_keys(request, ID, frozenset({"fields"}))
    projection = _projection(single_valued_fields(call))
    results: dict[str, Any] = {}
    errors: dict[str, Any] = {}
    with ctx.state.lock:
        admit(ctx, call, CANDIDATES, (key.organization for key in keys), 0)
        members_by_email = {
            member.email.casefold(): member.member_id for member in ctx.state.members.values() if member.email
        }
        for key in keys:
            data = ctx.state.sync.orgs.get(key.organization)
            candidate = data.candidates.get(key.ats_id) if data is not None else None
            if candidate is None:
                errors[key.name] = not_found(RESOURCE.missing(key))
                continue
            entity = _entity(candidate, members_by_email)
            results[key.name] = entity if projection is None else {k: v for k, v in entity.items() if k in projection}
    return batch_get_reply(results, errors)


def single_valued_fields(call: Call) -> str | None:
    values = [value for name, value in call.request.query_pairs() if name == "fields"]
    if len(values) > 1:
        raise ApiError(400, 'The query parameter "fields" is repeated')
    return values[0] if values else None


def _projection(raw: str | None) -> frozenset[str] | None:
    """``fields=matchedMembers,manualMatchedMember``: top-level field names (Rest.li projection)."""
    if raw is None:
        return None
    names = [name.strip() for name in raw.split(",")]
    for name in names:
        if not PROJECTION_FIELD.match(name):
            raise ApiError(400, f'Invalid projection "fields={raw}": list top-level field names separated by ","')
    return frozenset(names)


def _entity(candidate: dict[str, Any], members_by_email: dict[str, str]) -> dict[str, Any]:
    """The candidate as BATCH_GET returns it (A17): synced fields without nulls, plus LinkedIn's matches.

    The emulator matches by email against its members (``/_control/members``).
    """
    entity = {name: value for name, value in candidate.items() if value is not None}
    matched: list[str] = []
    for email in candidate.get("emailAddresses") or []:
        member_id = members_by_email.get(email.casefold())
        urn = f"urn:li:person:{member_id}"
        if member_id is not None and urn not in matched:
            matched.append(urn)
    entity[A.MATCHED_MEMBERS_FIELD] = matched
    return entity


# -- BATCH_PARTIAL_UPDATE -------------------------------------------------------------------------------------


def post_collection(ctx: Context, call: Call) -> Response:
    """``$set`` / ``$delete`` on stored candidates; the patched candidate must still be valid (else 422)."""
    request = call.request
    require_restli_method(request, "batch_partial_update")
    keys = url_keys(request, ID)
    by_key = keyed_entities(request, keys, ID)
    patches = {key: _patch(key, by_key[key]) for key in keys}
    results: dict[str, Any] = {}
    errors: dict[str, Any] = {}
    with ctx.state.lock:
        admit(ctx, call, CANDIDATES, (key.organization for key in keys), len(keys))
        for key in keys:
            data = ctx.state.sync.orgs.get(key.organization)
            current = data.candidates.get(key.ats_id) if data is not None else None
            if data is None or current is None:
                errors[key.name] = not_found(RESOURCE.missing(key))
                continue
            changes, deletions = patches[key]
            patched = {name: value for name, value in current.items() if value is not None}
            patched.update(changes)
            for name in deletions:
                patched.pop(name, None)
            message = "".join(
                problem(f"/{name}", "unrecognized field found but not allowed")
                for name in deletions
                if name not in CANDIDATE.names
            ) or CANDIDATE.problems(patched)
            if message:
                errors[key.name] = invalid(message)
                continue
            data.candidates[key.ats_id] = CANDIDATE.normalized(patched)
            results[key.name] = DONE
    return batch_reply(results, errors)


def _patch(key: EntityKey, value: Any) -> tuple[dict[str, Any], list[str]]:
    """``{"patch": {"$set": {...}, "$delete": [names]}}`` -> (changes, deletions); another shape is a 400."""
    shape = ApiError(400, f'The entity for "{key.name}" must be {{"patch": {{"$set": {{...}}, "$delete": [...]}}}}')
    if not isinstance(value, dict) or set(value) != {"patch"}:
        raise shape
    patch = value["patch"]
    if not isinstance(patch, dict) or not patch or not set(patch) <= PATCH_OPERATIONS:
        raise shape
    changes = patch.get("$set", {})
    deletions = patch.get("$delete", [])
    if not isinstance(changes, dict) or not isinstance(deletions, list):
        raise shape
    if not all(isinstance(name, str) for name in deletions):
        raise shape
    return changes, deletions
