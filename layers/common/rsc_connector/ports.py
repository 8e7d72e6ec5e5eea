"""Ports: what the logic needs from the outside world. Adapters implement them; unit tests use fakes."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any, Protocol

from rsc_connector.domain import Account, Contract, ContractStatus


class StateRepository(Protocol):
    """Accounts, contracts and OAuth states (DynamoDB in AWS, rsc_connector.adapters.dynamodb)."""

    def get_account(self, account_id: str) -> Account | None: ...

    def get_accounts(self, account_ids: Iterable[str]) -> dict[str, Account]:
        """Several accounts at once (strongly consistent), by id; unknown ids are left out."""
        ...

    def save_account(self, account: Account) -> None: ...

    def put_oauth_state(self, state_hash: str, account_id: str, user_id: str, expires_at: float) -> None: ...

    def consume_oauth_state(
        self, state_hash: str, now: float, account_id: str | None = None, user_id: str | None = None
    ) -> dict[str, Any]:
        """Delete and return the state iff it exists, is unexpired and (when given) matches account and user.

        Raises InvalidOAuthState otherwise, leaving it untouched.
        """
        ...

    def get_contract(self, account_id: str, contract_id: str) -> Contract | None: ...

    def list_contracts(self, account_id: str) -> list[Contract]: ...

    def create_contract_if_absent(self, contract: Contract) -> Contract:
        """Store a new contract, or return the stored one unchanged if it exists."""
        ...

    def update_contract(
        self, contract: Contract, *, allowed_from: frozenset[ContractStatus], expected_version: int
    ) -> Contract:
        """Conditional write: only if the stored status is in allowed_from and the version matches.

        Raises StaleWrite otherwise.
        """
        ...

    def update_contracts(
        self, writes: Sequence[tuple[Contract, frozenset[ContractStatus], int]]
    ) -> list[Contract | None]:
        """Several update_contract writes (contract, allowed_from, expected_version) at once, each conditional on
        its own; per write the saved contract, or None where update_contract would have raised StaleWrite."""
        ...

    def contracts_due_for_poll(self, now: float, limit: int) -> list[Contract]: ...

    def claim_history(
        self, account_id: str, organization_urn: str, contract_id: str, sync_id: str, replace: tuple[str, str] | None
    ) -> tuple[str, str]:
        """Record (contract, sync) as the organization's initial sync unless another is; return the owner."""
        ...

    def release_history(self, account_id: str, organization_urn: str) -> None: ...

    def consume_daily_calls(self, app_key: str, resource: str, day: str, calls: int, limit: int) -> bool: ...

    def consume_daily_calls_many(self, calls: Mapping[str, int], resource: str, day: str, limit: int) -> set[str]:
        """consume_daily_calls for several applications ({app_key: calls}); the app keys whose calls counted."""
        ...

    def daily_calls(self, app_key: str, resource: str, day: str) -> int: ...

    def notification_seen(self, account_id: str, notification_id: str) -> bool: ...

    def record_notification(self, account_id: str, notification_id: str, event_type: str, now: float) -> bool: ...


class SyncStarter(Protocol):
    """Starts the initial-sync state machine; starting the same execution name twice is a no-op."""

    def start(self, name: str, payload: dict[str, Any]) -> str:
        """Return the execution ARN (the existing one if this name already ran with this input)."""
        ...


class SecretStore(Protocol):
    def get_json(self, name: str) -> dict[str, Any]: ...

    def put_json(self, name: str, value: dict[str, Any], description: str = "") -> None:
        """Create the secret or store a new version of it."""
        ...
