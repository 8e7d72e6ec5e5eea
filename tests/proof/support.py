"""What the proof suites share: sizes, the people, the routes of template.yaml, the error shape, snapshots."""

from __future__ import annotations

import json
import os
import re
import time
from dataclasses import dataclass, field
from typing import Any

import requests

from rsc_demo.ats import AtsUser
from rsc_demo.story import ACCOUNT, OWNER
from tests.helpers import template

# -- sizes: the fast size runs in CI (`make test-stack`); PROOF_EXAMPLES=500 is the full size ----------------------
EXAMPLES = int(os.environ.get("PROOF_EXAMPLES", "10"))
"""Schemathesis examples per operation and generation mode (positive, negative)."""
FULL = EXAMPLES >= 100
"""Full size: every unicode/injection string in every field, every forged token on every route."""
RECORDS = int(os.environ.get("PROOF_RECORDS", "300"))
"""Records of the fake ATS's Acme (the demo story's account)."""

CONTRACT = "7001"
ORG = "urn:li:organization:5001"
SECOND_ADMIN = AtsUser(ACCOUNT, "u-adam", "Adam Admin", "admin", "enterprise")
NON_ADMIN_ROLES = ("recruiter", "hiring_manager", "interviewer", "limited")
OTHER_ACCOUNT = "initech-9"
OTHER_OWNER = AtsUser(OTHER_ACCOUNT, "u-ivy", "Ivy Initech", "owner", "enterprise")
"""Another ATS customer: Enterprise, activated (its own LinkedIn app and secret), its own users at the ATS."""


@dataclass
class Demo:
    """The package's stack after the demo's story, and what the suites need from that run."""

    stack: Any
    spec: Any
    log_lines: list[str]
    printed: str
    story: dict[str, Any]
    sync: dict[str, Any]
    seats: dict[str, Any]
    linked_user: dict[str, Any] = field(default_factory=dict)
    """An Acme user linked to a seat: {"id", "seatId"}."""


# -- the routes, as template.yaml declares them (new routes are covered without editing the suites) --------------
@dataclass(frozen=True)
class Route:
    method: str
    path: str
    function: str
    authorized: bool
    """True when the ATS JWT authorizer guards the route (False: `Authorizer: NONE`)."""

    @property
    def key(self) -> str:
        return f"{self.method} {self.path}"

    @property
    def params(self) -> list[str]:
        return re.findall(r"{(\w+)}", self.path)

    def url(self, api_url: str, **values: str) -> str:
        from urllib.parse import quote

        path = self.path
        for name in self.params:
            path = path.replace("{" + name + "}", quote(values[name], safe=""))
        return api_url + path


def template_routes() -> list[Route]:
    routes = []
    for logical_id, resource in template()["Resources"].items():
        if resource.get("Type") != "AWS::Serverless::Function":
            continue
        for event in (resource["Properties"].get("Events") or {}).values():
            if event.get("Type") != "Api":
                continue
            props = event["Properties"]
            authorizer = (props.get("Auth") or {}).get("Authorizer")
            routes.append(Route(str(props["Method"]).upper(), str(props["Path"]), logical_id, authorizer != "NONE"))
    return sorted(routes, key=lambda r: r.key)


NOBODY = "u-nobody-proof"

# One request per route that reaches the route's logic without doing anything irreversible (no deactivation, no
# re-sync, no seat link): the field-by-field cases start from it. A route missing here fails test_every_route_...
BASE: dict[str, dict[str, Any]] = {
    "POST /accounts/{accountId}/linkedin/activation": {
        "body": {"companyName": "Acme Corp", "jobAvailability": "PRIVATE_TO_ATS_INTEGRATION"}
    },
    "POST /accounts/{accountId}/linkedin/contracts/{contractId}/renotify": {"path": {"contractId": CONTRACT}},
    "POST /accounts/{accountId}/linkedin/integration-requests": {
        "body": {
            "state": "s" * 43,
            "requestId": "req-proof-1",
            "integrations": [
                {"integrationContext": ORG, "integrationType": "ATS", "tenantType": "ENTERPRISE"},
                {"integrationContext": f"urn:li:contract:{CONTRACT}", "integrationType": "ATS"},
            ],
        }
    },
    "GET /accounts/{accountId}/linkedin": {},
    "POST /accounts/{accountId}/linkedin/contracts/{contractId}/syncs": {"path": {"contractId": "no-such-contract"}},
    "POST /accounts/{accountId}/linkedin/changes": {
        "body": {
            "changes": [
                {
                    "resource": "candidates",
                    "id": "proof-cand-1",
                    "action": "upsert",
                    "version": 1,
                    "record": {
                        "id": "proof-cand-1",
                        "first_name": "Pat",
                        "last_name": "Proof",
                        "emails": [{"address": "pat@proof.example", "type": "personal"}],
                    },
                }
            ]
        }
    },
    "POST /linkedin/notifications/{accountId}": {"body": {"id": "evt-proof-1", "type": "PROOF", "expiresAt": 1}},
    "GET /accounts/{accountId}/linkedin/seats": {
        "query": {"contractId": CONTRACT, "linked": "true", "q": "a", "limit": "5", "cursor": "x"}
    },
    "POST /accounts/{accountId}/linkedin/seats/auto-link": {"body": {"contractId": CONTRACT, "dryRun": True}},
    "POST /accounts/{accountId}/linkedin/seats/refresh": {"body": {"contractId": CONTRACT}},
    "GET /accounts/{accountId}/users": {"query": {"linked": "false", "q": "a", "limit": "5", "cursor": "x"}},
    "PUT /accounts/{accountId}/users/{userId}/linkedin-seat": {
        "path": {"userId": NOBODY},
        "body": {"seatId": "999999", "contractId": CONTRACT, "replace": False},
    },
    "DELETE /accounts/{accountId}/users/{userId}/linkedin-seat": {
        "path": {"userId": NOBODY},
        "query": {"contractId": CONTRACT},
    },
    "GET /accounts/{accountId}/linkedin/deactivation": {},
    "POST /accounts/{accountId}/linkedin/deactivation": {"body": {"contractId": "no-such-contract"}},
    "GET /oauth/linkedin/callback": {
        "query": {"code": "c" * 20, "state": "s" * 43, "error": "x", "error_description": "x"}
    },
}


def request(
    stack: Any,
    route: Route,
    *,
    path: dict[str, str] | None = None,
    query: dict[str, str] | None = None,
    body: Any = None,
    raw: bytes | None = None,
    content_type: str | None = "application/json",
    headers: dict[str, str] | None = None,
    auth: bool = True,
) -> requests.Response:
    values = {"accountId": ACCOUNT, "contractId": CONTRACT, "userId": NOBODY, **(path or {})}
    sent = dict(headers or {})
    if auth and route.authorized and "Authorization" not in sent:
        sent.update(bearer(OWNER))
    data = raw if raw is not None else None if body is None else json.dumps(body).encode()
    if data is not None and content_type:
        sent["Content-Type"] = content_type
    return requests.request(
        route.method,
        route.url(stack.api_url, **values),
        params=query,
        data=data,
        headers=sent,
        timeout=30,
        allow_redirects=False,
    )


# -- answers ---------------------------------------------------------------------------------------------------------
def is_gateway_error(resp: requests.Response) -> bool:
    """An error API Gateway wrote itself (the authorizer's 401, a denied policy): `{"message": ...}`."""
    try:
        body = resp.json()
    except ValueError:
        return False
    return "x-amzn-ErrorType" in resp.headers and isinstance(body, dict) and set(body) == {"message"}


def assert_error(
    resp: requests.Response, statuses: int | tuple[int, ...], code: str | None = None, *, gateway: bool = False
) -> dict[str, Any]:
    """A 4xx with the one error shape {"error": {"code", "message", "details"}}; with ``gateway``, API Gateway's
    own `{"message"}` is accepted too (template.yaml has no GatewayResponses: see test_gateway_errors_...)."""
    wanted = statuses if isinstance(statuses, tuple) else (statuses,)
    where = f"{resp.request.method} {resp.request.url}"
    assert resp.status_code in wanted, f"{where}: HTTP {resp.status_code} (wanted {wanted}): {resp.text[:500]}"
    assert 400 <= resp.status_code < 500
    if gateway and is_gateway_error(resp):
        return {}
    assert_envelope(resp)
    error: dict[str, Any] = resp.json()["error"]
    if code is not None:
        assert error["code"] == code, f"{where}: {error}"
    return error


def assert_envelope(resp: requests.Response) -> None:
    where = f"{resp.request.method} {str(resp.request.url)[:300]}"
    assert resp.headers.get("Content-Type", "").startswith("application/json"), f"{where}: {resp.headers}"
    try:
        body = resp.json()
    except ValueError:
        raise AssertionError(f"{where}: HTTP {resp.status_code} body is not JSON: {resp.text[:300]}") from None
    assert isinstance(body, dict) and set(body) == {"error"}, f"{where}: not the error shape: {resp.text[:300]}"
    error = body["error"]
    assert isinstance(error, dict) and set(error) == {"code", "message", "details"}, f"{where}: {error}"
    assert isinstance(error["code"], str) and re.fullmatch(r"[A-Z][A-Z0-9_]+", error["code"]), f"{where}: {error}"
    assert isinstance(error["message"], str) and error["message"], f"{where}: {error}"


def assert_sane(resp: requests.Response) -> None:
    """No 5xx; a 4xx has the error shape (or is API Gateway's); a 2xx is JSON; a 302 has a Location."""
    where = f"{resp.request.method} {str(resp.request.url)[:300]}"
    assert resp.status_code < 500, f"{where}: HTTP {resp.status_code}: {resp.text[:500]}"
    if resp.status_code >= 400:
        if not is_gateway_error(resp):
            assert_envelope(resp)
    elif resp.status_code == 302:
        assert resp.headers.get("Location"), where
    else:
        assert resp.headers.get("Content-Type", "").startswith("application/json"), f"{where}: {resp.headers}"
        resp.json()


def bearer(user: AtsUser | str) -> dict[str, str]:
    token = user if isinstance(user, str) else user.token()
    return {"Authorization": f"Bearer {token}"}


# -- "nothing written": everything the stack can write, before and after -------------------------------------------
@dataclass
class Snapshot:
    parts: dict[str, list[str]] = field(default_factory=dict)

    def diff(self, later: Snapshot) -> list[str]:
        out = []
        for name in sorted(set(self.parts) | set(later.parts)):
            before, after = set(self.parts.get(name, [])), set(later.parts.get(name, []))
            out += [f"{name}: - {item[:300]}" for item in sorted(before - after)]
            out += [f"{name}: + {item[:300]}" for item in sorted(after - before)]
        return out


def snapshot(stack: Any) -> Snapshot:
    """Every DynamoDB item, queue depth, S3 object, execution, secret version and sent email of the stack, and
    LinkedIn's writes (the emulator's non-GET requests)."""
    snap = Snapshot()
    ddb = stack.boto3_client("dynamodb")
    for table in ddb.list_tables()["TableNames"]:
        items = [
            json.dumps(item, sort_keys=True)
            for page in ddb.get_paginator("scan").paginate(TableName=table, ConsistentRead=True)
            for item in page["Items"]
        ]
        snap.parts[f"dynamodb:{table}"] = sorted(items)
    sqs = stack.boto3_client("sqs")
    for url in sqs.list_queues().get("QueueUrls", []):
        attributes = sqs.get_queue_attributes(
            QueueUrl=url, AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"]
        )["Attributes"]
        snap.parts[f"sqs:{url.rsplit('/', 1)[-1]}"] = [json.dumps(attributes, sort_keys=True)]
    s3 = stack.boto3_client("s3")
    for bucket in s3.list_buckets()["Buckets"]:
        objects = [
            f"{o['Key']} {o['ETag']}"
            for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket["Name"])
            for o in page.get("Contents", [])
        ]
        snap.parts[f"s3:{bucket['Name']}"] = sorted(objects)
    sfn = stack.boto3_client("stepfunctions")
    for machine in sfn.list_state_machines()["stateMachines"]:
        executions = [
            e["name"]
            for page in sfn.get_paginator("list_executions").paginate(stateMachineArn=machine["stateMachineArn"])
            for e in page["executions"]
        ]
        snap.parts[f"stepfunctions:{machine['name']}"] = sorted(executions)
    sm = stack.boto3_client("secretsmanager")
    snap.parts["secretsmanager"] = sorted(
        f"{s['Name']} {sorted((s.get('SecretVersionsToStages') or {}).items())} {s.get('DeletedDate')}"
        for page in sm.get_paginator("list_secrets").paginate(IncludePlannedDeletion=True)
        for s in page["SecretList"]
    )
    snap.parts["ses"] = [str(len(stack.read_emails()))]
    writes = [r for r in stack.linkedin.requests() if r.get("method") != "GET"]
    snap.parts["linkedin:writes"] = [f"#{i} {r.get('method')} {r.get('path')}" for i, r in enumerate(writes)]
    return snap


def quiet(stack: Any, timeout: float = 60.0) -> None:
    """Wait until no queue message, batch or execution is in flight (so a snapshot is stable)."""
    sfn = stack.boto3_client("stepfunctions")
    deadline = time.monotonic() + timeout
    while True:
        stack.wait_until_idle(timeout=max(1.0, deadline - time.monotonic()))
        running = [
            e
            for machine in sfn.list_state_machines()["stateMachines"]
            for e in sfn.list_executions(stateMachineArn=machine["stateMachineArn"], statusFilter="RUNNING")[
                "executions"
            ]
        ]
        if not running:
            return
        if time.monotonic() > deadline:
            raise TimeoutError(f"executions still running: {[e['name'] for e in running]}")
        time.sleep(0.2)


def assert_nothing_written(stack: Any, before: Snapshot) -> None:
    quiet(stack)
    changes = before.diff(snapshot(stack))
    assert not changes, "a rejected request wrote something:\n" + "\n".join(changes[:40])
