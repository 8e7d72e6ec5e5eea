"""Step Functions behind the SyncStarter port."""

from __future__ import annotations

import json
from typing import Any

from botocore.exceptions import ClientError

from rsc_connector.adapters import aws


class StepFunctionsSyncStarter:
    def __init__(self, state_machine_arn: str, client: Any | None = None) -> None:
        self.state_machine_arn = state_machine_arn
        self._client = client

    @property
    def client(self) -> Any:
        return self._client or aws.client("stepfunctions")

    def start(self, name: str, payload: dict[str, Any]) -> str:
        body = json.dumps(payload, sort_keys=True, separators=(",", ":"))
        try:
            resp = self.client.start_execution(stateMachineArn=self.state_machine_arn, name=name, input=body)
            return str(resp["executionArn"])
        except ClientError as exc:
            # Same name, different input: an execution with this name already exists; it is ours (the name
            # is account-contract-syncId), so the start already happened.
            if exc.response["Error"]["Code"] != "ExecutionAlreadyExists":
                raise
            arn = self.state_machine_arn.replace(":stateMachine:", ":execution:")
            return f"{arn}:{name}"
