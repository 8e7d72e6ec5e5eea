"""Drive a local stack running in another process (``rsc-local up``) through its control API and moto."""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any
from urllib.parse import quote

import boto3

from rsc_local.config import DUMMY_CREDENTIALS
from rsc_local.emails import SentEmail
from rsc_local.errors import FunctionError, LocalStackError


class StackClient:
    """The read/drive side of :class:`~rsc_local.stack.LocalStack`, over HTTP."""

    def __init__(self, state: dict[str, Any]) -> None:
        if not state.get("control_url"):
            raise LocalStackError("the stack was started without a control API")
        self.state = state
        self._clients: dict[str, Any] = {}

    @classmethod
    def from_state_file(cls, path: Path) -> StackClient:
        try:
            return cls(json.loads(Path(path).read_text()))
        except (OSError, ValueError) as exc:
            raise LocalStackError(f"no readable stack state at {path}: {exc}") from exc

    @classmethod
    def connect(cls, control_url: str) -> StackClient:
        return cls(_request("GET", control_url.rstrip("/") + "/state"))

    @property
    def control_url(self) -> str:
        return str(self.state["control_url"])

    @property
    def api_url(self) -> str:
        return str(self.state["api_url"])

    @property
    def moto_url(self) -> str:
        return str(self.state["moto_url"])

    @property
    def outputs(self) -> dict[str, str]:
        return dict(self.state["outputs"])

    def physical_id(self, logical_id: str) -> str:
        return str(self.state["physical_ids"][logical_id])

    def boto3_client(self, service: str) -> Any:
        if service not in self._clients:
            self._clients[service] = boto3.client(
                service,  # type: ignore[call-overload]
                endpoint_url=self.moto_url,
                region_name=self.state["region"],
                aws_access_key_id=DUMMY_CREDENTIALS["AWS_ACCESS_KEY_ID"],
                aws_secret_access_key=DUMMY_CREDENTIALS["AWS_SECRET_ACCESS_KEY"],
            )
        return self._clients[service]

    def invoke(self, function: str, event: Any) -> Any:
        answer = _request("POST", f"{self.control_url}/functions/{quote(function, safe='')}/invoke", event)
        if not answer["ok"]:
            raise FunctionError(function, answer["errorType"], answer["errorMessage"])
        return answer["payload"]

    def fire_schedule(self, name: str) -> dict[str, Any]:
        answer: dict[str, Any] = _request("POST", f"{self.control_url}/schedules/{quote(name, safe='')}/fire")
        return answer

    def read_emails(self) -> list[SentEmail]:
        return [SentEmail(**email) for email in _request("GET", f"{self.control_url}/emails")]

    def counters(self) -> dict[str, Any]:
        counters: dict[str, Any] = _request("GET", f"{self.control_url}/counters")
        return counters

    def reset_data(self) -> None:
        _request("POST", f"{self.control_url}/reset")

    def wait_until_idle(self, timeout: float = 30.0) -> None:
        try:
            _request("POST", f"{self.control_url}/wait-idle?timeout={timeout}", timeout=timeout + 10)
        except LocalStackError as exc:
            raise TimeoutError(str(exc)) from exc

    def wait_for_execution(self, execution_arn: str, timeout: float = 60.0) -> dict[str, Any]:
        sfn = self.boto3_client("stepfunctions")
        deadline = time.monotonic() + timeout
        while True:
            description: dict[str, Any] = sfn.describe_execution(executionArn=execution_arn)
            if description["status"] != "RUNNING":
                return description
            if time.monotonic() > deadline:
                raise TimeoutError(f"{execution_arn} still RUNNING after {timeout} s")
            time.sleep(0.05)


def _request(method: str, url: str, body: Any = None, timeout: float = 60.0) -> Any:
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(url, data=data, method=method, headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return json.loads(response.read() or b"null")
    except urllib.error.HTTPError as exc:
        raise LocalStackError(f"{method} {url}: {exc.code} {exc.read().decode(errors='replace')}") from exc
    except urllib.error.URLError as exc:
        raise LocalStackError(f"{method} {url}: {exc.reason}") from exc
