"""Secrets Manager behind the SecretStore port, with a short in-memory cache per container."""

from __future__ import annotations

import json
import threading
import time
from typing import Any

from botocore.exceptions import ClientError

from rsc_connector.adapters import aws
from rsc_connector.errors import ConfigurationError


class SecretsManagerStore:
    def __init__(self, client: Any | None = None, max_age_seconds: float = 300.0) -> None:
        self._client = client
        self._max_age = max_age_seconds
        self._cache: dict[str, tuple[float, dict[str, Any]]] = {}
        self._lock = threading.Lock()

    @property
    def client(self) -> Any:
        return self._client or aws.client("secretsmanager")

    def get_json(self, name: str) -> dict[str, Any]:
        with self._lock:
            hit = self._cache.get(name)
            if hit and time.monotonic() - hit[0] < self._max_age:
                return hit[1]
        try:
            raw = self.client.get_secret_value(SecretId=name)["SecretString"]
        except ClientError as exc:
            code = exc.response["Error"]["Code"]
            raise ConfigurationError(f"secret {name} cannot be read ({code})") from exc
        try:
            value = json.loads(raw)
        except ValueError as exc:
            raise ConfigurationError(f"secret {name} is not JSON") from exc
        if not isinstance(value, dict):
            raise ConfigurationError(f"secret {name} is not a JSON object")
        with self._lock:
            self._cache[name] = (time.monotonic(), value)
        return value

    def put_json(self, name: str, value: dict[str, Any], description: str = "") -> None:
        body = json.dumps(value)
        try:
            self.client.create_secret(Name=name, SecretString=body, Description=description)
        except ClientError as exc:
            if exc.response["Error"]["Code"] not in ("ResourceExistsException", "InvalidRequestException"):
                raise
            self._restore_if_deleted(name)  # deleted by a deactivation, inside its recovery window
            self.client.put_secret_value(SecretId=name, SecretString=body)
        with self._lock:
            self._cache[name] = (time.monotonic(), value)

    def _restore_if_deleted(self, name: str) -> None:
        if self.client.describe_secret(SecretId=name).get("DeletedDate"):
            self.client.restore_secret(SecretId=name)

    def delete(self, name: str, recovery_days: int = 7) -> bool:
        """Schedule the secret's deletion (restorable for `recovery_days`); False if it was already gone."""
        with self._lock:
            self._cache.pop(name, None)
        try:
            self.client.delete_secret(SecretId=name, RecoveryWindowInDays=recovery_days)
            return True
        except ClientError as exc:
            # InvalidRequestException: already scheduled for deletion.
            if exc.response["Error"]["Code"] in ("ResourceNotFoundException", "InvalidRequestException"):
                return False
            raise


class InMemorySecretStore:
    """Fake for unit tests."""

    def __init__(self, initial: dict[str, dict[str, Any]] | None = None) -> None:
        self.values: dict[str, dict[str, Any]] = dict(initial or {})
        self.writes = 0

    def get_json(self, name: str) -> dict[str, Any]:
        if name not in self.values:
            raise ConfigurationError(f"secret {name} cannot be read (ResourceNotFoundException)")
        return self.values[name]

    def put_json(self, name: str, value: dict[str, Any], description: str = "") -> None:
        self.values[name] = dict(value)
        self.writes += 1

    def delete(self, name: str, recovery_days: int = 7) -> bool:
        return self.values.pop(name, None) is not None
