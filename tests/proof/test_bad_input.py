"""Bad input (issue 7, item 2), over HTTP on the local stack with real data (the demo's story has run).

No 5xx; every error a 4xx JSON error {"error": {"code", "message", "details"}}; nothing written by a rejected
request. Explicit cases first (oversized bodies, wrong content types, non-object bodies, huge and negative
pagination values, garbage cursors, forged JWTs, unicode and injection strings in every field of every route), then
schemathesis against the OpenAPI document the code generates (devtools.openapi.build()).
"""

from __future__ import annotations

import base64
import copy
import hashlib
import hmac
import json
import time
from collections import Counter
from collections.abc import Sequence
from typing import Any

import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_schema_conformance,
)

from devtools.openapi import build
from rsc_connector.auth import jwt
from rsc_demo.ats import DEMO_JWT_KEY, JWT_AUDIENCE, JWT_ISSUER
from tests.proof.support import (
    ACCOUNT,
    BASE,
    EXAMPLES,
    FULL,
    OWNER,
    Demo,
    Route,
    assert_error,
    assert_nothing_written,
    assert_sane,
    bearer,
    is_gateway_error,
    quiet,
    request,
    snapshot,
    template_routes,
)

pytestmark = pytest.mark.stack

OPENAPI: dict[str, Any] = json.loads(build())
ROUTES = template_routes()
BODY_ROUTES = [r for r in ROUTES if r.method in ("POST", "PUT", "DELETE", "PATCH")]
AUTHORIZED = [r for r in ROUTES if r.authorized]
INJECTION = ["' OR 1=1 --", "${jndi:ldap://x}", "<script>alert(1)</script>", "../../etc/passwd", "{{7*7}}"]
UNICODE = [
    "مرحبا بالعالم\u200f",  # RTL with a right-to-left mark
    "😀🔥👩\u200d💻",  # emoji, a ZWJ sequence
    "nul\u0000byte",
    "\U0001d57f\U0001d58d\U0001d58a \U00010348 \U0002070e",  # 4-byte characters (Fraktur, Gothic, CJK Ext. B)
    "\u202etxt.exe",  # right-to-left override
]
STRINGS = INJECTION + UNICODE


def failures_of(results: Sequence[tuple[str, Exception]]) -> str:
    return "\n".join(f"{label}: {str(exc)[:400]}" for label, exc in results)


# -- the document the fuzz runs on covers the template ----------------------------------------------------------------
def test_every_route_of_the_template_is_in_the_openapi_document_and_the_base_requests() -> None:
    documented = {f"{m.upper()} {p}" for p, ops in OPENAPI["paths"].items() for m in ops}
    declared = {r.key for r in ROUTES}
    assert declared == documented, f"template only: {declared - documented}; code only: {documented - declared}"
    assert declared == set(BASE), (
        f"add a base request to BASE for: {declared - set(BASE)} (stale: {set(BASE) - declared})"
    )


# -- bodies -----------------------------------------------------------------------------------------------------------
def test_bodies_over_64_kb_are_413_and_write_nothing(stack: Any) -> None:
    before = snapshot(stack)
    failed = []
    for route in BODY_ROUTES:
        body = {**(BASE[route.key].get("body") or {}), "padding": "x" * (64 * 1024)}
        try:
            assert_error(request(stack, route, body=body, path=BASE[route.key].get("path")), 413, "BODY_TOO_LARGE")
        except AssertionError as exc:
            failed.append((route.key, exc))
    assert not failed, failures_of(failed)
    assert_nothing_written(stack, before)


CONTENT_TYPES = ["text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x", "text/xml", None]


@pytest.mark.filterwarnings("ignore:Received multipart/form-data:UserWarning")
def test_bodies_that_are_not_declared_json_are_415_and_write_nothing(stack: Any) -> None:
    before = snapshot(stack)
    failed = []
    for route in BODY_ROUTES:
        for content_type in CONTENT_TYPES:
            body = BASE[route.key].get("body") or {"any": 1}
            resp = request(stack, route, body=body, content_type=content_type, path=BASE[route.key].get("path"))
            try:
                assert_error(resp, 415, "UNSUPPORTED_CONTENT_TYPE")
            except AssertionError as exc:
                failed.append((f"{route.key} [{content_type}]", exc))
    assert not failed, failures_of(failed)
    assert_nothing_written(stack, before)


NOT_OBJECTS: list[bytes] = [
    b"[]",
    b"[1, 2]",
    b'"a string"',
    b"123",
    b"null",
    b"true",
    b"{",
    b'{"a": 1,}',
    b"\xff\xfe\x00{",  # not UTF-8
    "\ufeff{}".encode(),  # a byte-order mark
    b"[" * 5000,  # deeper than Python's recursion limit: was a 500 (fixed in api/resolver.py)
    b'{"a":' * 40 + b"1" + b"}" * 40,  # deeper than DynamoDB's 32 levels
]


def test_json_that_is_not_an_object_is_400_and_writes_nothing(stack: Any) -> None:
    before = snapshot(stack)
    failed = []
    for route in BODY_ROUTES:
        for raw in NOT_OBJECTS:
            resp = request(stack, route, raw=raw, path=BASE[route.key].get("path"))
            try:
                assert_error(resp, 400, "INVALID_JSON")
            except AssertionError as exc:
                failed.append((f"{route.key} [{raw[:20]!r}]", exc))
    assert not failed, failures_of(failed)
    assert_nothing_written(stack, before)


# -- query values ----------------------------------------------------------------------------------------------------
BAD_LIMITS = [str(10**12), "-1", "0", "201", "1.5", "abc", "", "1e3", "0x10", "9" * 40, "١٢"]


def _cursor(value: bytes) -> str:
    return base64.urlsafe_b64encode(value).decode().rstrip("=")


SEATS = "GET /accounts/{accountId}/linkedin/seats"
USERS = "GET /accounts/{accountId}/users"
GARBAGE_CURSORS = ["garbage", "!!!", _cursor(b"[" * 500), _cursor(b"\xff\xfe"), "A" * 2000, "A" * 2001, "\u0000", "😀"]
# Well-formed for the route's own cursor format ({"o"} for seats, {"ats", "skip"} for users), values it never returns.
FORGED_CURSORS = {
    SEATS: [_cursor(b'{"o": -1}'), _cursor(b'{"o": "x"}'), _cursor(b'{"o": 100000000}'), _cursor(b'{"o": null}')],
    USERS: [_cursor(b'{"skip": -5}'), _cursor(b'{"ats": 12}'), _cursor(b'{"skip": "x"}'), _cursor(b'{"ats": [1]}')],
}
# Cursors this API never returns, made of what it returns; each was a 5xx once (OverflowError, the ATS's 400).
ONCE_5XX_CURSORS = [
    pytest.param(SEATS, _cursor(b'{"o": 1e999}'), id="seats-offset-overflow"),
    pytest.param(USERS, _cursor(b'{"skip": 1e999}'), id="users-skip-overflow"),
    pytest.param(USERS, _cursor(b'{"ats": "zz"}'), id="users-forged-ats-cursor"),
]


def test_pagination_values_out_of_range_are_4xx(stack: Any) -> None:
    paged = [r for r in ROUTES if "limit" in (BASE[r.key].get("query") or {})]
    assert paged, "no route takes limit/cursor any more?"
    before = snapshot(stack)
    failed = []
    for route in paged:
        query = {k: v for k, v in BASE[route.key]["query"].items() if k != "cursor"}
        for limit in BAD_LIMITS:
            try:
                assert_error(request(stack, route, query={**query, "limit": limit}), 422, "INVALID_REQUEST")
            except AssertionError as exc:
                failed.append((f"{route.key} limit={limit!r}", exc))
        for cursor in GARBAGE_CURSORS + FORGED_CURSORS.get(route.key, []):
            try:
                assert_error(request(stack, route, query={**query, "cursor": cursor}), (400, 422))
            except AssertionError as exc:
                failed.append((f"{route.key} cursor={cursor[:30]!r}", exc))
    assert not failed, failures_of(failed)
    assert_nothing_written(stack, before)


@pytest.mark.parametrize(("key", "cursor"), ONCE_5XX_CURSORS)
def test_forged_cursors_once_found_to_be_5xx_are_400(stack: Any, key: str, cursor: str) -> None:
    route = next(r for r in ROUTES if r.key == key)
    query = {**BASE[route.key]["query"], "cursor": cursor}
    assert_error(request(stack, route, query=query), 400, "INVALID_CURSOR")


# -- forged tokens ---------------------------------------------------------------------------------------------------
def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _signed(header: bytes, claims: bytes, key: str = DEMO_JWT_KEY) -> str:
    signing_input = f"{_b64(header)}.{_b64(claims)}"
    return f"{signing_input}.{_b64(hmac.new(key.encode(), signing_input.encode(), hashlib.sha256).digest())}"


def forged_authorizations() -> dict[str, str]:
    """Authorization header values the authorizer must refuse (401), by what is wrong with them."""
    now = int(time.time())
    good = {
        "iss": JWT_ISSUER,
        "aud": JWT_AUDIENCE,
        "sub": OWNER.user_id,
        "account_id": ACCOUNT,
        "role": "owner",
        "plan": "enterprise",
        "iat": now,
        "exp": now + 300,
    }

    def token(key: str = DEMO_JWT_KEY, drop: str = "", **changes: Any) -> str:
        claims = {k: v for k, v in {**good, **changes}.items() if k != drop}
        return "Bearer " + jwt.encode(claims, key)

    genuine = jwt.encode(good, DEMO_JWT_KEY)
    other = jwt.encode({**good, "account_id": "initech-9"}, "another-key-0123456789abcdef0123456789")
    head, _, signature = genuine.split(".")
    return {
        "wrong key": token("not-the-signing-key-0123456789abcdef"),
        "alg none": "Bearer " + _b64(b'{"alg":"none","typ":"JWT"}') + "." + genuine.split(".")[1] + ".",
        "alg HS512 header": "Bearer " + _signed(b'{"alg":"HS512","typ":"JWT"}', json.dumps(good).encode()),
        "alg RS256 header": "Bearer " + _signed(b'{"alg":"RS256","typ":"JWT"}', json.dumps(good).encode()),
        "expired": token(iat=now - 4000, exp=now - 3500),
        "lifetime over an hour": token(exp=now + 7200),
        "issued in the future": token(iat=now + 600, exp=now + 900),
        "not yet valid": token(nbf=now + 600),
        "wrong audience": token(aud="someone-else"),
        "audience list without us": token(aud=["a", "b"]),
        "wrong issuer": token(iss="evil"),
        "no account_id": token(drop="account_id"),
        "no sub": token(drop="sub"),
        "no exp": token(drop="exp"),
        "account_id not an identifier": token(account_id="acme-1042/../x"),
        "unicode account_id": token(account_id="acme\u202e1042"),
        "claims of another account with its own key": "Bearer " + other,
        "claims swapped under a genuine signature": f"Bearer {head}.{other.split('.')[1]}.{signature}",
        "exp NaN": "Bearer "
        + _signed(b'{"alg":"HS256"}', json.dumps(good).replace(str(now + 300), "NaN").encode()),  # fixed in jwt.py
        "deeply nested header": "Bearer " + _signed(b"[" * 3000, b"{}"),  # was a 500 (fixed in auth/jwt.py)
        "too long": "Bearer " + genuine + "A" * 9000,
        "garbage": "Bearer not-a-jwt",
        "four parts": f"Bearer {genuine}.x",
        "Basic scheme": "Basic " + base64.b64encode(b"admin:admin").decode(),
        "no scheme": genuine,
        "empty bearer": "Bearer ",
    }


def test_forged_expired_and_malformed_tokens_are_401_never_5xx(stack: Any) -> None:
    forged = forged_authorizations()
    kinds = list(forged)
    before = snapshot(stack)
    failed = []
    for i, route in enumerate(AUTHORIZED):
        # fast size: every kind on some route (about a third each); full size: every kind on every route
        chosen = kinds if FULL else [k for j, k in enumerate(kinds) if (j + i) % 3 == 0]
        for kind in chosen:
            resp = request(
                stack, route, body=BASE[route.key].get("body"), path=BASE[route.key].get("path"),
                query=BASE[route.key].get("query"), headers={"Authorization": forged[kind]},
            )  # fmt: skip
            try:
                assert_error(resp, 401, gateway=True)
            except AssertionError as exc:
                failed.append((f"{route.key} [{kind}]", exc))
    assert not failed, failures_of(failed)
    assert_nothing_written(stack, before)


def test_gateway_errors_use_the_error_shape_too(stack: Any) -> None:
    route = next(r for r in ROUTES if r.key == "GET /accounts/{accountId}/linkedin")
    resp = request(stack, route, headers={"Authorization": "Bearer not-a-jwt"})
    assert resp.status_code == 401
    assert not is_gateway_error(resp)
    assert_error(resp, 401)


# -- unicode and injection strings in every field of every route -----------------------------------------------------
def _leaves(value: Any, at: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    if isinstance(value, dict):
        return [leaf for k, v in value.items() for leaf in _leaves(v, (*at, k))]
    if isinstance(value, list):
        return [leaf for i, v in enumerate(value) for leaf in _leaves(v, (*at, i))]
    return [at]


def _put(document: Any, at: tuple[Any, ...], value: Any) -> Any:
    copied = copy.deepcopy(document)
    node = copied
    for part in at[:-1]:
        node = node[part]
    node[at[-1]] = value
    return copied


def fields_of(route: Route) -> list[tuple[str, tuple[Any, ...]]]:
    """("path"|"query"|"body", where) for every path parameter, query parameter and body leaf of the base request,
    plus the query parameters the document declares and the base leaves out."""
    base = BASE[route.key]
    out: list[tuple[str, tuple[Any, ...]]] = [("path", (name,)) for name in route.params]
    operation = OPENAPI["paths"][route.path][route.method.lower()]
    query = set(base.get("query") or {}) | {p["name"] for p in operation.get("parameters", []) if p["in"] == "query"}
    out += [("query", (name,)) for name in sorted(query)]
    if base.get("body") is not None:
        out += [("body", leaf) for leaf in _leaves(base["body"])]
    return out


def _child_secret(stack: Any, account: str) -> str:
    sm = stack.boto3_client("secretsmanager")
    name = stack.environment["CUSTOMER_SECRET_PREFIX"] + account
    return str(json.loads(sm.get_secret_value(SecretId=name)["SecretString"])["client_secret"])


def sign_push(body: bytes, secret: str) -> str:
    return "hmacsha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def test_unicode_and_injection_strings_in_every_field_never_5xx(stack: Any) -> None:
    secret = _child_secret(stack, ACCOUNT)
    failed = []
    sent = 0
    for route in ROUTES:
        base = BASE[route.key]
        for i, (where, at) in enumerate(fields_of(route)):
            # fast size: two strings per field, rotating so each route sees them all; full size: all of them
            strings = STRINGS if FULL else [STRINGS[(2 * i) % len(STRINGS)], STRINGS[(2 * i + 1) % len(STRINGS)]]
            for text in strings:
                path, query, body = dict(base.get("path") or {}), dict(base.get("query") or {}), base.get("body")
                if where == "path":
                    path[at[0]] = text
                elif where == "query":
                    query[at[0]] = text
                else:
                    body = _put(body, at, text)
                headers = {}
                if route.key == "POST /linkedin/notifications/{accountId}" and where == "body":
                    raw = json.dumps(body).encode()  # signed: the handler gets past the signature to the fields
                    headers["X-LI-Signature"] = (
                        "hmacsha256=" + hmac.new(secret.encode(), raw, hashlib.sha256).hexdigest()
                    )
                resp = request(stack, route, path=path, query=query, body=body, headers=headers)
                sent += 1
                try:
                    assert_sane(resp)
                except AssertionError as exc:
                    failed.append((f"{route.key} {where} {at} = {text!r}", exc))
    assert not failed, f"{len(failed)} of {sent} requests:\n" + failures_of(failed)
    quiet(stack)


# -- schemathesis on the code's OpenAPI document ---------------------------------------------------------------------
SCHEMA = schemathesis.openapi.from_dict(copy.deepcopy(OPENAPI))
# Fuzzed last: deactivating the account changes what every other route answers.
LAST = ("POST /accounts/{accountId}/linkedin/deactivation",)
LABELS = sorted((f"{m.upper()} {p}" for p, ops in OPENAPI["paths"].items() for m in ops), key=lambda k: (k in LAST, k))
FUZZ_STATUSES: dict[str, Counter[int]] = {}


def _negatable(label: str) -> bool:
    """Whether schemathesis can make invalid data for it once accountId is fixed (otherwise: Unsatisfiable)."""
    method, path = label.split(" ", 1)
    operation = OPENAPI["paths"][path][method.lower()]
    constrained = [
        p
        for p in operation.get("parameters", [])
        if (p["name"] != "accountId" and set(p["schema"]) - {"type", "title"}) or p["schema"].get("type") != "string"
    ]
    return bool(constrained or operation.get("requestBody"))


@pytest.mark.parametrize(
    ("label", "mode"),
    [
        pytest.param(label, mode, id=f"{label}-{mode.value}")
        for label in LABELS
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE)
        if mode == GenerationMode.POSITIVE or _negatable(label)
    ],
)
def test_fuzz_operation(demo: Demo, label: str, mode: GenerationMode) -> None:
    """Generated requests (valid per the document, then invalid), as the story's Owner on the story's account:
    no 5xx, the error shape on every 4xx, responses as declared, invalid data refused."""
    stack = demo.stack
    method, path = label.split(" ", 1)
    operation = SCHEMA[path][method]
    fixed = {"accountId": ACCOUNT} if "{accountId}" in path else None
    checks = [not_a_server_error, content_type_conformance, response_schema_conformance]
    if mode == GenerationMode.NEGATIVE:
        checks.append(negative_data_rejection)
    statuses: Counter[int] = FUZZ_STATUSES.setdefault(f"{label} {mode.value}", Counter())
    session = requests.Session()

    @settings(
        max_examples=EXAMPLES,
        derandomize=True,
        database=None,
        deadline=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(case=operation.as_strategy(generation_mode=mode, path_parameters=fixed))
    def call(case: Any) -> None:
        kwargs = case.as_transport_kwargs(base_url=stack.api_url, headers=bearer(OWNER))
        resp = session.request(**kwargs, timeout=30, allow_redirects=False)
        statuses[resp.status_code] += 1
        assert_sane(resp)
        case.validate_response(resp, checks=checks, headers=kwargs["headers"], transport_kwargs=kwargs)

    call()
    assert sum(statuses.values()) > 0
