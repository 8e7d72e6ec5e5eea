"""What the sync resources share (linkedin-rsc-api.md 2.1, 4.2): compound keys of ATS entities, ``ids=`` child
ids, the ``entities`` map, admission (enablement A13, records per minute A16) and per-entity replies (A6, A15,
A18), plus the generic BATCH_UPDATE / BATCH_DELETE of keyed entities and of sub-resources.

A handler parses and validates outside the state lock, then holds the lock for admit + apply, so a batch is
applied whole or (403/429) not at all.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, NamedTuple

from rsc_connector.linkedin import assumptions as A

from .context import Call, Context
from .model import DATA_PROVIDER_ATS, ORGANIZATION_URN
from .provisioning import require_json
from .restli import (
    CompoundKey,
    encode_key_value,
    format_key,
    is_key_param,
    malformed,
    parse_batch_keys,
    parse_key_string,
    parse_path_key,
    parse_simple_ids,
    require_restli_method,
    restli_method,
)
from .schemas import Record
from .syncstore import OrgData
from .wire import SERVICE_ERROR_NO_PERMISSION, ApiError, Request, Response

MINUTE_THROTTLE_MESSAGE = "Resource level throttle APPLICATION MINUTE limit for records to this resource is reached."
DONE: dict[str, Any] = {"status": 204}


# -- keys -------------------------------------------------------------------------------------------------------


class EntityKey(NamedTuple):
    """(``ats…Id``, ``dataProvider=ATS``, ``integrationContext``): the identity of a synced entity."""

    id_field: str
    organization: str
    ats_id: str

    @property
    def name(self) -> str:
        """The key in batch replies (assumption A12), from a cached template: only the ATS id is encoded."""
        head, tail = _key_template(self.id_field, self.organization)
        return f"{head}{encode_key_value(self.ats_id)}{tail}"

    def fields(self) -> CompoundKey:
        return {self.id_field: self.ats_id, "dataProvider": DATA_PROVIDER_ATS, "integrationContext": self.organization}


_ID_PLACEHOLDER = "ATSIDPLACEHOLDER0"  # URL-safe, so format_key keeps it as is


@functools.lru_cache(maxsize=1024)
def _key_template(id_field: str, organization: str) -> tuple[str, str]:
    text = format_key(
        {id_field: _ID_PLACEHOLDER, "dataProvider": DATA_PROVIDER_ATS, "integrationContext": organization}
    )
    head, tail = text.split(_ID_PLACEHOLDER)
    return head, tail


@functools.lru_cache(maxsize=4096)
def _organization_problem(context: str) -> str | None:
    if ORGANIZATION_URN.match(context):
        return None
    return f"integrationContext must be an organization URN (urn:li:organization:<id>), not {context!r}"


def key_fields(id_field: str) -> frozenset[str]:
    return frozenset({id_field, "dataProvider", "integrationContext"})


def entity_key(fields: CompoundKey, id_field: str) -> EntityKey:
    if fields["dataProvider"] != DATA_PROVIDER_ATS:
        raise malformed(f"dataProvider must be {DATA_PROVIDER_ATS!r}, not {fields['dataProvider']!r}")
    context = fields["integrationContext"]
    problem = _organization_problem(context)
    if problem is not None:
        raise malformed(problem)
    return EntityKey(id_field, context, fields[id_field])


def url_keys(request: Request, id_field: str, extra: frozenset[str] = frozenset()) -> list[EntityKey]:
    """The ``ids[i].*`` keys of the query, in index order; another parameter (but ``extra``) or a repeat is a 400."""
    pairs = request.query_pairs()
    for name, _ in pairs:
        if not name.startswith("ids[") and not is_key_param(name) and name not in extra:
            raise ApiError(400, f'Unexpected query parameter "{name}"')
    keys = [entity_key(fields, id_field) for fields in parse_batch_keys(pairs, key_fields(id_field))]
    if len(set(keys)) != len(keys):
        raise malformed("the same key is given more than once")
    return keys


def parent_key(call: Call, id_field: str) -> EntityKey:
    """The parent entity named by the ``{key}`` path segment of a sub-resource."""
    return entity_key(parse_path_key(call.params["key"], key_fields(id_field)), id_field)


def entities(request: Request) -> dict[str, Any]:
    """The body ``{"entities": {<key>: <entity>}}`` (415 unless JSON, 400 for another shape)."""
    require_json(request)
    body = request.json()
    if not isinstance(body, dict) or set(body) != {"entities"} or not isinstance(body["entities"], dict):
        raise ApiError(400, 'The request body must be {"entities": {<key>: ...}}')
    found: dict[str, Any] = body["entities"]
    return found


def keyed_entities(request: Request, keys: list[EntityKey], id_field: str) -> dict[EntityKey, Any]:
    """The entities map, keyed like the URL; its keys (in any field order) must be exactly the URL's keys."""
    by_key: dict[EntityKey, Any] = {}
    # Most clients write a body key exactly as Postman does (URL field order, values not encoded): look those up;
    # parse any other spelling (field order, encoding) as an unordered field set.
    plain = {
        f"{id_field}={key.ats_id}&dataProvider={DATA_PROVIDER_ATS}&integrationContext={key.organization}": key
        for key in keys
    }
    fields = key_fields(id_field)
    for text, value in entities(request).items():
        key = plain.get(text) or entity_key(parse_key_string(text, fields), id_field)
        if key in by_key:
            raise malformed(f'"{text}" names a key that appears more than once in "entities"')
        by_key[key] = value
    if by_key.keys() != set(keys):
        raise ApiError(400, 'The keys of "entities" must be exactly the ids in the URL')
    return by_key


def child_entities(request: Request, ids: list[str]) -> dict[str, Any]:
    found = entities(request)
    if found.keys() != set(ids):
        raise ApiError(400, 'The keys of "entities" must be exactly the ids in the URL')
    return found


# -- request checks -------------------------------------------------------------------------------------------


def allow_method(request: Request, *expected: str) -> None:
    """GET and DELETE may omit X-RestLi-Method; when sent it must name the method."""
    method = restli_method(request)
    if method is not None and method not in expected:
        raise ApiError(400, f"X-RestLi-Method {method!r} does not match a {expected[0].upper()}")


def no_body(request: Request) -> None:
    if request.body.strip():
        raise ApiError(400, f"{request.method} takes no request body here")


# -- admission (A13, A16) -------------------------------------------------------------------------------------


def admit(ctx: Context, call: Call, family: str, organizations: Iterable[str], records: int) -> None:
    """Refuse the whole call unless every organization is enabled (403) and, for writes (``records`` > 0), the
    records fit the application's per-minute budget (429 + Retry-After). Call it holding ``ctx.state.lock``."""
    for organization in sorted(set(organizations)):
        blocker = ctx.state.sync_blocker(call.client_id, organization)
        if blocker is not None:
            raise ApiError(A.SYNC_NOT_ENABLED_STATUS, blocker, SERVICE_ERROR_NO_PERMISSION)
    if records > 0:
        retry_after = ctx.state.sync.charge(call.client_id, family, records)
        if retry_after is not None:
            raise ApiError(
                A.THROTTLE_STATUS,
                MINUTE_THROTTLE_MESSAGE,
                A.THROTTLE_SERVICE_ERROR_CODE,
                {A.RETRY_AFTER_HEADER: str(retry_after)},
            )


# -- per-entity replies ------------------------------------------------------------------------------------------


def invalid(message: str) -> dict[str, Any]:
    return {"status": A.VALIDATION_ERROR_STATUS, "message": message}


def not_found(message: str) -> dict[str, Any]:
    return {"status": A.DELETE_MISSING_STATUS, "message": message}


def batch_reply(results: dict[str, Any], errors: dict[str, Any]) -> Response:
    return Response.json(200, {"results": results, "errors": errors})


def batch_get_reply(results: dict[str, Any], errors: dict[str, Any]) -> Response:
    """BATCH_GET: ``statuses`` stays empty, as in LinkedIn's BatchResponse samples (A17)."""
    return Response.json(200, {"results": results, "statuses": {}, "errors": errors})


# -- keyed entities: BATCH_UPDATE and BATCH_DELETE -------------------------------------------------------------


@dataclass(frozen=True)
class KeyedResource:
    """atsCandidates / atsApplications: entities with a compound key and children that go with them."""

    family: str
    id_field: str
    label: str
    schema: Record
    records: Callable[[OrgData], dict[str, dict[str, Any]]]
    drop_children: Callable[[OrgData, str], None]

    def missing(self, key: EntityKey) -> str:
        return f"No {self.label} {key.ats_id!r} in {key.organization}"


def put_records(resource: KeyedResource, ctx: Context, call: Call) -> Response:
    """BATCH_UPDATE: upsert with full replacement (fields omitted are stored as null)."""
    request = call.request
    require_restli_method(request, "batch_update")
    keys = url_keys(request, resource.id_field)
    by_key = keyed_entities(request, keys, resource.id_field)
    schema = resource.schema
    problems = {key: schema.problems(by_key[key]) for key in keys}
    results: dict[str, Any] = {}
    errors: dict[str, Any] = {}
    with ctx.state.lock:
        admit(ctx, call, resource.family, (key.organization for key in keys), len(keys))
        for key in keys:
            message = problems[key]
            if message is not None:
                errors[key.name] = invalid(message)
                continue
            resource.records(ctx.state.sync.org(key.organization))[key.ats_id] = schema.normalized(by_key[key])
            results[key.name] = DONE
    return batch_reply(results, errors)


def delete_records(resource: KeyedResource, ctx: Context, call: Call) -> Response:
    """BATCH_DELETE: an absent entity is a per-entity 404 (A15); the children go with their parent."""
    request = call.request
    allow_method(request, "batch_delete")
    no_body(request)
    keys = url_keys(request, resource.id_field)
    results: dict[str, Any] = {}
    errors: dict[str, Any] = {}
    with ctx.state.lock:
        admit(ctx, call, resource.family, (key.organization for key in keys), len(keys))
        for key in keys:
            data = ctx.state.sync.orgs.get(key.organization)
            records = resource.records(data) if data is not None else {}
            if data is None or records.pop(key.ats_id, None) is None:
                errors[key.name] = not_found(resource.missing(key))
                continue
            resource.drop_children(data, key.ats_id)
            results[key.name] = DONE
    return batch_reply(results, errors)


# -- sub-resources: BATCH_UPDATE and BATCH_DELETE ----------------------------------------------------------------


@dataclass(frozen=True)
class ChildResource:
    """notes / stages / interviewFeedback of a candidate or an application, keyed by plain child ids."""

    family: str
    parent: KeyedResource
    label: str
    schema: Record
    children: Callable[[OrgData], dict[str, dict[str, dict[str, Any]]]]


def put_children(resource: ChildResource, ctx: Context, call: Call) -> Response:
    """BATCH_UPDATE of children (full replacement); a missing parent is a per-entity 404 for each id (A15)."""
    request = call.request
    require_restli_method(request, "batch_update")
    parent = parent_key(call, resource.parent.id_field)
    ids = parse_simple_ids(request.query_pairs())
    found = child_entities(request, ids)
    schema = resource.schema
    problems = {child_id: schema.problems(found[child_id]) for child_id in ids}
    results: dict[str, Any] = {}
    errors: dict[str, Any] = {}
    with ctx.state.lock:
        admit(ctx, call, resource.family, (parent.organization,), len(ids))
        data = ctx.state.sync.org(parent.organization)
        exists = parent.ats_id in resource.parent.records(data)
        for child_id in ids:
            message = problems[child_id]
            if not exists:
                errors[child_id] = not_found(resource.parent.missing(parent))
            elif message is not None:
                errors[child_id] = invalid(message)
            else:
                children = resource.children(data).setdefault(parent.ats_id, {})
                children[child_id] = schema.normalized(found[child_id])
                results[child_id] = DONE
    return batch_reply(results, errors)


def delete_children(resource: ChildResource, ctx: Context, call: Call) -> Response:
    """BATCH_DELETE of children: a missing parent or child is a per-entity 404 (A15)."""
    request = call.request
    allow_method(request, "batch_delete")
    no_body(request)
    parent = parent_key(call, resource.parent.id_field)
    ids = parse_simple_ids(request.query_pairs())
    results: dict[str, Any] = {}
    errors: dict[str, Any] = {}
    with ctx.state.lock:
        admit(ctx, call, resource.family, (parent.organization,), len(ids))
        data = ctx.state.sync.orgs.get(parent.organization)
        exists = data is not None and parent.ats_id in resource.parent.records(data)
        by_parent = resource.children(data) if data is not None else {}
        children = by_parent.get(parent.ats_id, {})
        for child_id in ids:
            if not exists:
                errors[child_id] = not_found(resource.parent.missing(parent))
            elif children.pop(child_id, None) is None:
                errors[child_id] = not_found(
                    f"No {resource.label} {child_id!r} of {resource.parent.label} {parent.ats_id!r}"
                )
            else:
                results[child_id] = DONE
        if exists and not children:
            by_parent.pop(parent.ats_id, None)
    return batch_reply(results, errors)
