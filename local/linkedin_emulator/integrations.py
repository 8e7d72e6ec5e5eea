"""``/v2/atsIntegrations`` (child token): BATCH_GET, BATCH_PARTIAL_UPDATE, the q=request FINDER and the
``configurations`` sub-resource (BATCH_UPDATE / BATCH_GET / BATCH_DELETE).

linkedin-rsc-api.md 1.4-1.8. Entity shape: A5; per-entity results: A6; finder: A8; response keys: A12;
callback URL rules: A11.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import unquote

from .context import Call, Context
from .model import (
    ALL_PRODUCT_USERS,
    CALLBACK_URL,
    CONFIGURATION_OWNERS,
    CONTRACT_TYPES,
    CONTRACT_URN,
    DATA_PROVIDER_ATS,
    INTEGRATION_KEY_FIELDS,
    INTEGRATION_TYPES,
    ORGANIZATION_URN,
    TENANT_TYPES,
    Integration,
    IntegrationKey,
)
from .provisioning import finder_page, paging, require_json, single_valued
from .restli import (
    format_key,
    is_key_param,
    malformed,
    parse_batch_keys,
    parse_key_string,
    parse_simple_ids,
    require_restli_method,
    restli_method,
)
from .validation import callback_url_problem
from .wire import ApiError, Request, Response

MAX_INTEGRATION_NAME_LENGTH = 255
CONFIGURATION_KEYS = frozenset(CONFIGURATION_OWNERS)


# -- keys -----------------------------------------------------------------------------------------------------


def integration_key(fields: dict[str, str]) -> IntegrationKey:
    """Validate the values of a parsed key: known type, RECRUITER/JOBS tenant, ATS, the right URN kind."""
    kind = fields["integrationType"]
    if kind not in INTEGRATION_TYPES:
        raise malformed(f"unknown integrationType {kind!r}")
    if fields["tenantType"] not in TENANT_TYPES:
        raise malformed(f"unknown tenantType {fields['tenantType']!r}")
    if fields["dataProvider"] != DATA_PROVIDER_ATS:
        raise malformed(f"dataProvider must be {DATA_PROVIDER_ATS!r}, not {fields['dataProvider']!r}")
    context = fields["integrationContext"]
    if kind in CONTRACT_TYPES:
        if not CONTRACT_URN.match(context):
            raise malformed(f"integrationContext of {kind} must be a contract URN, not {context!r}")
    elif not ORGANIZATION_URN.match(context):
        raise malformed(f"integrationContext of {kind} must be an organization URN, not {context!r}")
    return IntegrationKey.from_fields(fields)


def url_keys(request: Request) -> list[IntegrationKey]:
    """The ``ids[i].*`` keys of the query; any other parameter or a repeated key is a 400."""
    pairs = request.query_pairs()
    for name, _ in pairs:
        if not is_key_param(name):
            raise ApiError(400, f'Unexpected query parameter "{name}"')
    keys = [integration_key(fields) for fields in parse_batch_keys(pairs, INTEGRATION_KEY_FIELDS)]
    if len(set(keys)) != len(keys):
        raise malformed("the same key is given more than once")
    return keys


def _key_name(key: IntegrationKey) -> str:
    return format_key(key.fields())


def _not_found(key: IntegrationKey) -> dict[str, Any]:
    return {
        "status": 404,
        "message": f"No {key.integration_type} integration on {key.integration_context} for this application",
    }


# -- collection: BATCH_GET, FINDER, BATCH_PARTIAL_UPDATE ------------------------------------------------------


def get_collection(ctx: Context, call: Call) -> Response:
    request = call.request
    method = restli_method(request)
    names = {name for name, _ in request.query_pairs()}
    if "q" in names:
        if method not in (None, "finder"):
            raise ApiError(400, f"X-RestLi-Method {method!r} does not match a FINDER")
        return _find_by_request(ctx, call)
    if method not in (None, "batch_get"):
        raise ApiError(400, f"X-RestLi-Method {method!r} does not match a BATCH_GET")
    keys = url_keys(request)
    results: dict[str, Any] = {}
    statuses: dict[str, int] = {}
    errors: dict[str, Any] = {}
    with ctx.state.lock:
        for key in keys:
            integration = ctx.state.integration(call.client_id, key)
            if integration is None:
                errors[_key_name(key)] = _not_found(key)
                statuses[_key_name(key)] = 404
            else:
                results[_key_name(key)] = integration.entity()
                statuses[_key_name(key)] = 200
    return Response.json(200, {"results": results, "statuses": statuses, "errors": errors})


def _find_by_request(ctx: Context, call: Call) -> Response:
    params = single_valued(call.request)
    if params["q"] != "request":
        raise ApiError(400, f'Unknown finder "{params["q"]}"; the finder is "request"')
    unknown = set(params) - {"q", "requestId", "start", "count"}
    if unknown:
        raise ApiError(400, f'Unexpected query parameter "{sorted(unknown)[0]}"')
    request_id = params.get("requestId")
    if not request_id:
        raise ApiError(400, 'The query parameter "requestId" is required')
    start, count = paging(params)
    with ctx.state.lock:
        event = ctx.state.find_event(call.client_id, request_id)
        if event is None:
            raise ApiError(404, f"No integration request {request_id!r} (unknown, expired or not yours)")
        integrations = [ctx.state.integration(call.client_id, key) for key in event.keys]
        elements = [integration.entity() for integration in integrations if integration is not None]
    return Response.json(200, finder_page(elements, start, count))


def post_collection(ctx: Context, call: Call) -> Response:
    """BATCH_PARTIAL_UPDATE: the partner names the integrations (REQUESTED -> PARTNER_READY)."""
    request = call.request
    require_restli_method(request, "batch_partial_update")
    keys = url_keys(request)
    require_json(request)
    entities = _entities(request)
    by_key: dict[IntegrationKey, Any] = {}
    for text, value in entities.items():
        key = integration_key(parse_key_string(text, INTEGRATION_KEY_FIELDS))
        if key in by_key:
            raise malformed(f'"{text}" names a key that appears more than once in "entities"')
        by_key[key] = value
    if set(by_key) != set(keys):
        raise ApiError(400, 'The keys of "entities" must be exactly the ids in the URL')
    names = {key: _patch_set(key, value) for key, value in by_key.items()}
    results: dict[str, Any] = {}
    errors: dict[str, Any] = {}
    with ctx.state.lock:
        for key in keys:
            integration = ctx.state.integration(call.client_id, key)
            problem = _name_problem(names[key])
            if integration is None:
                errors[_key_name(key)] = _not_found(key)
            elif problem is not None:
                errors[_key_name(key)] = {"status": 422, "message": problem}
            else:
                ctx.state.rename_integration(integration, names[key]["integrationName"])
                results[_key_name(key)] = {"status": 204}
    return Response.json(200, {"results": results, "errors": errors})


def _patch_set(key: IntegrationKey, value: Any) -> dict[str, Any]:
    shape = ApiError(400, f'The entity for "{_key_name(key)}" must be {{"patch": {{"$set": {{...}}}}}}')
    if not isinstance(value, dict) or set(value) != {"patch"}:
        raise shape
    patch = value["patch"]
    if not isinstance(patch, dict) or set(patch) != {"$set"} or not isinstance(patch["$set"], dict):
        raise shape
    changes: dict[str, Any] = patch["$set"]
    return changes


def _entities(request: Request) -> dict[str, Any]:
    body = request.json()
    if not isinstance(body, dict) or set(body) != {"entities"} or not isinstance(body["entities"], dict):
        raise ApiError(400, 'The request body must be {"entities": {<key>: ...}}')
    entities: dict[str, Any] = body["entities"]
    return entities


def _name_problem(changes: dict[str, Any]) -> str | None:
    unknown = sorted(set(changes) - {"integrationName"})
    if unknown:
        return f"Field {unknown[0]!r} cannot be set; only integrationName can"
    name = changes.get("integrationName")
    if not isinstance(name, str) or not name.strip():
        return "integrationName must be a non-empty string"
    if len(name) > MAX_INTEGRATION_NAME_LENGTH:
        return f"integrationName is longer than {MAX_INTEGRATION_NAME_LENGTH} characters"
    return None


# -- configurations sub-resource ----------------------------------------------------------------------------


def _parent(ctx: Context, call: Call) -> Integration:
    """The integration named by the ``{key}`` path segment (encoded or not), if the caller owns it."""
    key = integration_key(parse_key_string(unquote(call.params["key"]), INTEGRATION_KEY_FIELDS))
    integration = ctx.state.integration(call.client_id, key)
    if integration is None:
        raise ApiError(404, _not_found(key)["message"])
    return integration


def _misplaced(integration: Integration, name: str) -> dict[str, Any] | None:
    owner = CONFIGURATION_OWNERS[name]
    if integration.key.integration_type == owner:
        return None
    return {
        "status": 422,
        "message": f"{name} is a configuration of {owner}, not of {integration.key.integration_type}",
    }


def put_configurations(ctx: Context, call: Call) -> Response:
    request = call.request
    require_restli_method(request, "batch_update")
    ids = parse_simple_ids(request.query_pairs(), CONFIGURATION_KEYS)
    require_json(request)
    entities = _entities(request)
    if set(entities) != set(ids):
        raise ApiError(400, 'The keys of "entities" must be exactly the ids in the URL')
    results: dict[str, Any] = {}
    errors: dict[str, Any] = {}
    with ctx.state.lock:
        integration = _parent(ctx, call)
        for name in ids:
            error = _misplaced(integration, name)
            value, problem = _configuration_value(entities[name])
            if error is None and problem is None:
                problem = _value_problem(ctx, integration, name, value)
            if error is None and problem is not None:
                error = {"status": 422, "message": problem}
            if error is not None:
                errors[name] = error
                continue
            integration.configurations[name] = value
            integration.last_modified_at_ms = ctx.clock.now_ms()
            results[name] = {"status": 204}
    return Response.json(200, {"results": results, "errors": errors})


def _configuration_value(entity: Any) -> tuple[str, str | None]:
    """``{"configurationValue": {"string": "..."}}`` -> (the string, None), or ("", why it is not that)."""
    if not isinstance(entity, dict) or set(entity) != {"configurationValue"}:
        return "", 'An entity must be {"configurationValue": {"string": "..."}}'
    union = entity["configurationValue"]
    if not isinstance(union, dict) or set(union) != {"string"} or not isinstance(union["string"], str):
        return "", 'configurationValue must be the union {"string": "<value>"}'
    return union["string"], None


def _value_problem(ctx: Context, integration: Integration, name: str, value: str) -> str | None:
    if name != CALLBACK_URL:
        return None if value == ALL_PRODUCT_USERS else f"{name} must be {ALL_PRODUCT_USERS!r}"
    problem = callback_url_problem(value, allow_insecure=ctx.allow_insecure_callbacks)
    if problem is not None:
        return problem
    if ctx.state.callback_url_users(value) - {integration.owner}:
        return f"CALLBACK_URL {value!r} is already used by another customer application; it must be unique"
    return None


def get_configurations(ctx: Context, call: Call) -> Response:
    request = call.request
    method = restli_method(request)
    if method not in (None, "batch_get"):
        raise ApiError(400, f"X-RestLi-Method {method!r} does not match a BATCH_GET")
    ids = parse_simple_ids(request.query_pairs(), CONFIGURATION_KEYS)
    results: dict[str, Any] = {}
    statuses: dict[str, int] = {}
    errors: dict[str, Any] = {}
    with ctx.state.lock:
        integration = _parent(ctx, call)
        for name in ids:
            error = _misplaced(integration, name)
            if error is None and name not in integration.configurations:
                error = {"status": 404, "message": f"{name} is not set"}
            if error is not None:
                errors[name] = error
                statuses[name] = error["status"]
            else:
                results[name] = {"configurationValue": {"string": integration.configurations[name]}}
                statuses[name] = 200
    return Response.json(200, {"results": results, "statuses": statuses, "errors": errors})


def delete_configurations(ctx: Context, call: Call) -> Response:
    request = call.request
    method = restli_method(request)
    if method not in (None, "batch_delete"):
        raise ApiError(400, f"X-RestLi-Method {method!r} does not match a BATCH_DELETE")
    if request.body.strip():
        raise ApiError(400, "BATCH_DELETE takes no request body")
    ids = parse_simple_ids(request.query_pairs(), CONFIGURATION_KEYS)
    results: dict[str, Any] = {}
    errors: dict[str, Any] = {}
    with ctx.state.lock:
        integration = _parent(ctx, call)
        for name in ids:
            error = _misplaced(integration, name)
            if error is None and name not in integration.configurations:
                error = {"status": 404, "message": f"{name} is not set"}
            if error is not None:
                errors[name] = error
                continue
            del integration.configurations[name]
            integration.last_modified_at_ms = ctx.clock.now_ms()
            results[name] = {"status": 204}
    return Response.json(200, {"results": results, "errors": errors})
