"""LinkedInEmulator: the server's lifecycle and an in-process mirror of the control API."""

from __future__ import annotations

import copy
import threading
from collections.abc import Iterable, Mapping
from types import TracebackType
from typing import Any

from rsc_connector.linkedin import assumptions as A

from . import control
from .clock import Clock
from .context import Context
from .push import PushDispatcher
from .server import EmulatorHTTPServer, Router
from .state import EmulatorState, RequestLogSettings
from .syncstore import DEFAULT_JOB_TASK_DELAY_SECONDS


class LinkedInEmulator:
    """An HTTP stand-in for LinkedIn's RSC partner API on 127.0.0.1 (see docs/linkedin-emulator.md).

    ``port=0`` picks a free port at the first ``start``; later starts reuse that port.
    """

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 0,
        partner_client_id: str = "partner-id",
        partner_client_secret: str = "partner-secret",
        clock: Clock | None = None,
        allow_insecure_callbacks: bool = True,
        daily_limits: Mapping[str, int] | None = None,
        verbose: bool = False,
        *,
        sync_records_per_minute: int = A.SYNC_RECORDS_PER_MINUTE,
        sync_calls_per_day: int = A.SYNC_CALLS_PER_DAY,
        job_task_delay_seconds: float = DEFAULT_JOB_TASK_DELAY_SECONDS,
        request_log: bool = True,
        request_log_max_entries: int | None = None,
    ) -> None:
        self.clock = clock or Clock()
        self.state = EmulatorState(
            self.clock,
            partner_client_id,
            partner_client_secret,
            daily_limits,
            sync_records_per_minute=sync_records_per_minute,
            sync_calls_per_day=sync_calls_per_day,
            job_task_delay_seconds=job_task_delay_seconds,
            request_log=RequestLogSettings(enabled=request_log, max_entries=request_log_max_entries),
        )
        self.pushes = PushDispatcher(self.state)
        self.context = Context(self.state, self.clock, self.pushes, allow_insecure_callbacks)
        self._router = Router(self.context)
        self._host = host
        self._port = port
        self._verbose = verbose
        self._server: EmulatorHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self._lifecycle = threading.Lock()

    # -- lifecycle ------------------------------------------------------------------------------------------

    def start(self) -> LinkedInEmulator:
        with self._lifecycle:
            if self._server is not None:
                raise RuntimeError("The emulator is already running")
            server = EmulatorHTTPServer((self._host, self._port), self._router, verbose=self._verbose)
            self._port = server.server_address[1]
            self.pushes.start()
            thread = threading.Thread(
                target=server.serve_forever, kwargs={"poll_interval": 0.05}, name="linkedin-emulator", daemon=True
            )
            thread.start()
            self._server, self._thread = server, thread
            return self

    def stop(self) -> None:
        """Stop serving, close open connections, cancel delayed pushes. ``start`` may be called again."""
        with self._lifecycle:
            server, thread = self._server, self._thread
            if server is None or thread is None:
                return
            server.shutdown()
            server.close_connections()
            server.server_close()
            thread.join()
            self.pushes.stop()
            self._server = self._thread = None

    @property
    def running(self) -> bool:
        return self._server is not None

    def __enter__(self) -> LinkedInEmulator:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    # -- addresses ------------------------------------------------------------------------------------------

    @property
    def host(self) -> str:
        return self._host

    @property
    def port(self) -> int:
        return self._port

    @property
    def base_url(self) -> str:
        host = f"[{self._host}]" if ":" in self._host else self._host
        return f"http://{host}:{self._port}"

    @property
    def api_base_url(self) -> str:
        """Stands for https://api.linkedin.com/v2."""
        return f"{self.base_url}/v2"

    @property
    def oauth_base_url(self) -> str:
        """Stands for https://www.linkedin.com/oauth/v2."""
        return f"{self.base_url}/oauth/v2"

    @property
    def control_url(self) -> str:
        return f"{self.base_url}/_control"

    # -- in-process control API (same rules as /_control) -----------------------------------------------

    def add_member(
        self,
        member_id: str,
        *,
        first_name: str = "",
        last_name: str = "",
        email: str | None = None,
        contracts: Iterable[Mapping[str, Any]] = (),
    ) -> dict[str, Any]:
        """Contracts as in the control API: ``{"contractId", "name", "type", "organizationId"}``."""
        body: dict[str, Any] = {"memberId": member_id, "contracts": [dict(c) for c in contracts]}
        if first_name:
            body["firstName"] = first_name
        if last_name:
            body["lastName"] = last_name
        if email is not None:
            body["email"] = email
        return control.add_member(self.context, body)[1]

    def add_seats(
        self, contract: str, seats: Iterable[Mapping[str, Any]], *, organization: str | None = None
    ) -> list[dict[str, Any]]:
        """Add (or replace by ``seatId``) seats of a contract, as ``POST /_control/seats``; returns their views."""
        body: dict[str, Any] = {"contract": contract, "seats": [dict(seat) for seat in seats]}
        if organization is not None:
            body["organization"] = organization
        return list(control.add_seats(self.context, body)["seats"])

    def seats(self, contract: str | None = None) -> list[dict[str, Any]]:
        """Every seat of ``contract`` (all states), or every seat (``GET /_control/seats``)."""
        return list(control.seat_list(self.context, contract)["seats"])

    def update_seat(self, seat_id: int, **changes: Any) -> dict[str, Any]:
        """``firstName``, ``lastName``, ``email``, ``state``, ``roles``, ``admin``, ``memberId`` (camelCase)."""
        return control.update_seat(self.context, seat_id, dict(changes))

    def remove_seat(self, seat_id: int) -> dict[str, Any]:
        removed: dict[str, Any] = control.remove_seat(self.context, seat_id)["deleted"]
        return removed

    def set_seat_settings(
        self,
        *,
        seats_v2_emails: bool | None = None,
        seats_v2_available: bool | None = None,
        legacy_seats_available: bool | None = None,
    ) -> dict[str, Any]:
        body = {
            "seatsV2Emails": seats_v2_emails,
            "seatsV2Available": seats_v2_available,
            "legacySeatsAvailable": legacy_seats_available,
        }
        return control.set_seat_settings(self.context, body)

    def widget_request(
        self, client_id: str, member: str, contract: str | None = None, *, bundled: bool = False
    ) -> dict[str, Any]:
        body: dict[str, Any] = {"clientId": client_id, "member": member, "bundled": bundled}
        if contract is not None:
            body["contract"] = contract
        return control.widget_request(self.context, body)

    def set_integration_status(
        self,
        *,
        organization: str | None = None,
        contract: str | None = None,
        company_level: bool | None = None,
        contract_level: bool | None = None,
        client_id: str | None = None,
        wait: bool = False,
    ) -> dict[str, Any]:
        body = {
            "organization": organization,
            "contract": contract,
            "companyLevel": company_level,
            "contractLevel": contract_level,
            "clientId": client_id,
            "wait": wait,
        }
        return control.change_status(self.context, body)

    def set_push_settings(self, mode: str | None = None, delay_seconds: float | None = None) -> dict[str, Any]:
        return control.set_push_settings(self.context, {"mode": mode, "delaySeconds": delay_seconds})

    def sent_pushes(self) -> list[dict[str, Any]]:
        return control.pushes(self.context)

    def redeliver(self, push_id: str) -> dict[str, Any]:
        return control.redeliver(self.context, push_id)

    def requests(self) -> list[dict[str, Any]]:
        with self.state.lock:
            return list(self.state.request_log)

    def clear_requests(self) -> None:
        with self.state.lock:
            self.state.request_log.clear()

    def usage(self) -> dict[str, dict[str, dict[str, int]]]:
        return self.state.usage_view()

    def sync_usage(self) -> dict[str, Any]:
        """Per application: records, max records per minute, 429s and violation minutes (``/_control/usage``)."""
        return copy.deepcopy(self.state.sync.usage_view())

    def set_limits(self, limits: Mapping[str, int | None]) -> dict[str, int]:
        """Daily limits per family, plus ``syncRecordsPerMinute`` / ``syncCallsPerDay`` (as ``/_control/limits``)."""
        return control.set_limits(self.context, dict(limits))

    # -- synced data, job tasks, faults, request log --------------------------------------------------------

    def data(self, organization: str) -> dict[str, Any]:
        """Everything synced for the organization, keyed by ATS ids, as stored (a deep copy)."""
        return copy.deepcopy(control.data(self.context, organization))

    def data_counts(self, organization: str) -> dict[str, Any]:
        return control.data_counts(self.context, organization)

    def set_job_tasks(self, *, delay_seconds: float | None = None, complete_now: bool = False) -> dict[str, Any]:
        """Set the job processing delay and/or apply every queued job now."""
        return control.set_job_tasks(self.context, {"delaySeconds": delay_seconds, "completeNow": complete_now})

    def set_faults(self, settings: Mapping[str, Any] | None = None) -> dict[str, Any]:
        """Replace the fault settings (as ``POST /_control/faults``); no settings turns faults off."""
        return control.set_faults(self.context, dict(settings or {}))

    def faults(self) -> dict[str, Any]:
        return self.state.faults.view()

    def set_request_log(
        self, *, enabled: bool | None = None, max_entries: int | None = None, max_body_bytes: int | None = None
    ) -> dict[str, Any]:
        body: dict[str, Any] = {"enabled": enabled}
        if max_entries is not None:
            body["maxEntries"] = max_entries
        if max_body_bytes is not None:
            body["maxBodyBytes"] = max_body_bytes
        return control.set_request_log(self.context, body)

    def set_client_credentials_allowed(self, client_id: str, allowed: bool) -> dict[str, Any]:
        return control.set_app(self.context, client_id, {"allowClientCredentials": allowed})

    def snapshot(self) -> dict[str, Any]:
        return self.state.snapshot()

    def reset(self) -> None:
        self.state.reset()
