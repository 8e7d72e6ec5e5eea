"""Strictness common to every endpoint: 404/405/414/415/411, query tunneling, daily limits, lifecycle, CLI."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
import requests

from linkedin_emulator import LinkedInEmulator
from tests.emulator.support import ORG, RSC_KEYS, Child, LinkedIn, canonical, key_query, key_string

FORM = {"Content-Type": "application/x-www-form-urlencoded"}


def test_unknown_path_is_json_404_and_wrong_method_is_405(li: LinkedIn, onboarded: Child) -> None:
    missing = requests.get(f"{li.api}/somethingElse", headers=onboarded.auth, timeout=5)
    assert missing.status_code == 404 and missing.json()["status"] == 404
    wrong = requests.delete(f"{li.api}/provisionedApplications", headers=li.partner_auth(), timeout=5)
    assert wrong.status_code == 405 and wrong.headers["Allow"] == "GET, POST"
    assert wrong.json()["status"] == 405


def test_invalid_json_is_400(li: LinkedIn, onboarded: Child) -> None:
    resp = requests.post(
        f"{li.api}/atsIntegrations?{key_query(RSC_KEYS[:1])}",
        data=b'{"entities": ',
        headers={**onboarded.auth, "Content-Type": "application/json", "X-RestLi-Method": "batch_partial_update"},
        timeout=5,
    )
    assert resp.status_code == 400 and "not valid JSON" in resp.json()["message"]


def test_query_longer_than_4096_bytes_is_414_and_tunneling_gets_through(li: LinkedIn, onboarded: Child) -> None:
    keys = RSC_KEYS + [(f"urn:li:organization:{n}", "ONE_CLICK_EXPORT") for n in range(1000, 1030)]
    query = key_query(keys)
    assert len(query) > 4096
    too_long = requests.get(f"{li.api}/atsIntegrations?{query}", headers=onboarded.auth, timeout=5)
    assert too_long.status_code == 414 and too_long.json()["status"] == 414
    tunneled = requests.post(
        f"{li.api}/atsIntegrations",
        data=query,
        headers={**onboarded.auth, **FORM, "X-HTTP-Method-Override": "GET"},
        timeout=5,
    )
    assert tunneled.status_code == 200, tunneled.text
    body = tunneled.json()
    assert set(body["results"]) == {canonical(c, k) for c, k in RSC_KEYS}
    assert len(body["errors"]) == 30


def test_tunneling_rules(li: LinkedIn, onboarded: Child) -> None:
    query = key_query(RSC_KEYS[:1])
    as_json = requests.post(
        f"{li.api}/atsIntegrations",
        data=query,
        headers={**onboarded.auth, "Content-Type": "text/plain", "X-HTTP-Method-Override": "GET"},
        timeout=5,
    )
    assert as_json.status_code == 400
    bad_method = requests.post(
        f"{li.api}/atsIntegrations",
        data=query,
        headers={**onboarded.auth, **FORM, "X-HTTP-Method-Override": "PATCH"},
        timeout=5,
    )
    assert bad_method.status_code == 400
    on_get = requests.get(
        f"{li.api}/atsIntegrations?{query}", headers={**onboarded.auth, "X-HTTP-Method-Override": "GET"}, timeout=5
    )
    assert on_get.status_code == 400


def test_delete_and_put_tunneling(li: LinkedIn, onboarded: Child) -> None:
    url = f"{li.api}/atsIntegrations/{key_string(ORG, 'ONE_CLICK_EXPORT')}/configurations"
    boundary = uuid.uuid4().hex
    entity = json.dumps({"entities": {"JOB_POSTING_VIEWERS": {"configurationValue": {"string": "ALL_PRODUCT_USERS"}}}})
    multipart = (
        f"--{boundary}\r\nContent-Type: application/x-www-form-urlencoded\r\n\r\nids=JOB_POSTING_VIEWERS\r\n"
        f"--{boundary}\r\nContent-Type: application/json\r\n\r\n{entity}\r\n--{boundary}--\r\n"
    )
    put = requests.post(
        url,
        data=multipart.encode(),
        headers={
            **onboarded.auth,
            "Content-Type": f"multipart/mixed; boundary={boundary}",
            "X-HTTP-Method-Override": "PUT",
            "X-RestLi-Method": "batch_update",
        },
        timeout=5,
    )
    assert put.status_code == 200 and put.json()["results"] == {"JOB_POSTING_VIEWERS": {"status": 204}}, put.text
    deleted = requests.post(
        url,
        data="ids=JOB_POSTING_VIEWERS",
        headers={**onboarded.auth, **FORM, "X-HTTP-Method-Override": "DELETE"},
        timeout=5,
    )
    assert deleted.status_code == 200 and deleted.json()["results"] == {"JOB_POSTING_VIEWERS": {"status": 204}}
    log = li.control("GET", "requests").json()
    assert [entry["method"] for entry in log[-2:]] == ["POST", "POST"]  # the log shows the wire request


def test_daily_limit_gives_429_and_resets_at_utc_midnight(li: LinkedIn, onboarded: Child) -> None:
    assert li.control("POST", "limits", json={"atsIntegrations": 3}).json()["atsIntegrations"] == 3
    url = f"{li.api}/atsIntegrations?{key_query(RSC_KEYS)}"
    assert [requests.get(url, headers=onboarded.auth, timeout=5).status_code for _ in range(3)] == [200, 200, 200]
    throttled = requests.get(url, headers=onboarded.auth, timeout=5)
    assert throttled.status_code == 429
    assert throttled.json() == {
        "status": 429,
        "serviceErrorCode": 101,
        "message": "Resource level throttle APPLICATION DAY limit for calls to this resource is reached.",
    }
    config = requests.get(
        f"{li.api}/atsIntegrations/{key_string(ORG, 'ONE_CLICK_EXPORT')}/configurations",
        params={"ids": "CALLBACK_URL"},
        headers=onboarded.auth,
        timeout=5,
    )
    assert config.status_code == 429  # configurations count against the same family
    usage = li.control("GET", "usage").json()
    assert usage["usage"][onboarded.client_id]["2025-06-15"]["atsIntegrations"] == 5
    assert usage["limits"] == {"atsIntegrations": 3}
    # another application has its own budget
    other = li.provision("cust-2")
    assert requests.get(url, headers=other.auth, timeout=5).status_code == 200
    # the next UTC day starts from zero (2025-06-15T15:06:40Z + 9 h)
    li.emu.clock.advance(9 * 3600)
    fresh = li.token(onboarded.client_id, onboarded.client_secret)
    assert requests.get(url, headers={"Authorization": f"Bearer {fresh}"}, timeout=5).status_code == 200
    assert li.control("POST", "limits", json={"atsIntegrations": None}).json() == {}
    assert li.control("POST", "limits", json={"atsIntegrations": -1}).status_code == 400


def test_chunked_bodies_need_a_length(li: LinkedIn) -> None:
    resp = requests.post(
        f"{li.api}/provisionedApplications",
        data=iter([b'{"name": "x"}']),
        headers={**li.partner_auth(), "Content-Type": "application/json"},
        timeout=5,
    )
    assert resp.status_code == 411


def test_state_dump_has_no_secrets_and_reset_keeps_the_partner(li: LinkedIn, onboarded: Child) -> None:
    state = li.control("GET", "state").json()
    assert onboarded.client_secret not in json.dumps(state)
    assert state["partner"]["clientId"] == "partner-id"
    assert [app["clientId"] for app in state["apps"]] == [onboarded.client_id]
    assert len(state["integrations"]) == 4 and len(state["integrationRequests"]) == 1
    assert li.control("POST", "reset").json() == {"reset": True}
    state = li.control("GET", "state").json()
    assert state["apps"] == [] and state["integrations"] == [] and state["members"] == []
    assert li.token("partner-id", "partner-secret")


def test_control_api_rejects_bad_input(li: LinkedIn) -> None:
    assert li.control("POST", "clock", json={}).status_code == 400
    assert li.control("POST", "clock", json={"advanceSeconds": "soon"}).status_code == 400
    assert li.control("POST", "push-settings", json={"mode": "teleport"}).status_code == 400
    assert li.control("POST", "members", data="{", headers={"Content-Type": "application/json"}).status_code == 400
    assert li.control("GET", "nothing-here").status_code == 404
    assert li.control("POST", "apps/unknown", json={"allowClientCredentials": False}).status_code == 404


def test_stop_and_restart_on_the_same_port_with_open_connections() -> None:
    emu = LinkedInEmulator()
    emu.start()
    port = emu.port
    session = requests.Session()  # keeps a connection open across the stop
    assert session.get(f"{emu.base_url}/_control/clock", timeout=5).status_code == 200
    emu.stop()
    assert not emu.running
    with pytest.raises(requests.ConnectionError):
        requests.get(f"{emu.base_url}/_control/clock", timeout=1)
    emu.start()
    try:
        assert emu.port == port
        assert requests.get(f"{emu.base_url}/_control/clock", timeout=5).status_code == 200
    finally:
        emu.stop()
        session.close()


def test_command_line_entry_point_serves_until_terminated(tmp_path: Path) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "linkedin_emulator",
            "--port",
            str(port),
            "--partner-client-id",
            "cli-partner",
            "--partner-client-secret",
            "cli-secret",
            "--limit",
            "atsIntegrations=7",
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        assert f"127.0.0.1:{port}" in process.stdout.readline()
        token = requests.post(
            f"http://127.0.0.1:{port}/oauth/v2/accessToken",
            data={"grant_type": "client_credentials", "client_id": "cli-partner", "client_secret": "cli-secret"},
            timeout=5,
        )
        assert token.status_code == 200
        assert requests.get(f"http://127.0.0.1:{port}/_control/limits", timeout=5).json() == {"atsIntegrations": 7}
    finally:
        process.terminate()
        assert process.wait(timeout=5) == 0


def test_clock_follows_real_time_by_default() -> None:
    emu = LinkedInEmulator()
    before = emu.clock.now()
    time.sleep(0.01)
    assert emu.clock.now() > before
    emu.clock.advance(100)
    assert emu.clock.now() >= before + 100
