"""Recruiter seat holders of a contract (linkedin-rsc-api.md 3.2; needs the contract's CSA_API integration).

``seatsV2?q=attributes`` is the current finder (``start`` mandatory, ACTIVE seats, admin seats flagged by the
``ADMIN_SEAT`` role). The legacy ``seats?q=seatsByAttributes`` is the fallback: when seatsV2 is not available to
the application (A21), and for the emails (and ids) when seatsV2 leaves them out altogether (A19). Both need the
contract's CSA_API integration ENABLED, else 403 (A20). Every call is paid
for first through ``before_call`` (the shared prospect-interactions budget).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from rsc_connector.linkedin import assumptions as A
from rsc_connector.linkedin.http import AppCredentials, LinkedInError, LinkedInHttp

ADMIN_ROLE = A.SEAT_ROLE_ADMIN
SEATS_MAX_PER_CONTRACT = 100_000  # a finder that pages past this is broken: stop rather than loop


class ContractLevelAccessMissing(Exception):
    """LinkedIn refused the seat finder (403): the contract's CSA_API integration is not enabled."""


@dataclass(frozen=True)
class Seat:
    """One ACTIVE Recruiter seat. ``seat_id`` is LinkedIn's seat id (``urn:li:seat:{id}``)."""

    seat_id: str
    contract_urn: str
    member_urn: str
    first_name: str
    last_name: str
    email: str | None
    admin: bool

    @property
    def seat_urn(self) -> str:
        return f"urn:li:seat:{self.seat_id}"


@dataclass(frozen=True)
class SeatRead:
    seats: list[Seat]
    source: str  # "seatsV2", "seatsV2+seats" (emails filled in from the legacy finder) or "seats"
    calls: int


class SeatsApi:
    def __init__(self, http: LinkedInHttp, app: AppCredentials, before_call: Callable[[], None] | None = None) -> None:
        self.http = http
        self.app = app
        self.before_call = before_call or (lambda: None)
        self.calls = 0

    def active_seats(self, contract_urn: str) -> SeatRead:
        """Every ACTIVE seat of the contract, paging to the end."""
        self.calls = 0
        try:
            seats = self._seats_v2(contract_urn)
        except LinkedInError as exc:
            if exc.status not in A.SEATS_ENDPOINT_UNAVAILABLE_STATUSES:
                raise
            return SeatRead(self._legacy(contract_urn), "seats", self.calls)
        if not seats or any(seat.email for seat in seats):
            # seatsV2 does carry emails; a seat without one has none to give (the legacy finder has none either).
            return SeatRead(seats, "seatsV2", self.calls)
        try:
            legacy = {seat.member_urn: seat for seat in self._legacy(contract_urn)}
        except LinkedInError as exc:
            if exc.status not in A.SEATS_ENDPOINT_UNAVAILABLE_STATUSES:
                raise
            return SeatRead(seats, "seatsV2", self.calls)
        filled = [
            _fill(seat, legacy[seat.member_urn]) if not seat.email and seat.member_urn in legacy else seat
            for seat in seats
        ]
        return SeatRead(filled, "seatsV2+seats", self.calls)

    # -- finders -----------------------------------------------------------------------------------------
    def _seats_v2(self, contract_urn: str) -> list[Seat]:
        seats: list[Seat] = []
        for element in self._pages(
            "/seatsV2", [("q", "attributes"), ("contracts", contract_urn), ("states", "ACTIVE")]
        ):
            if element.get("state", "ACTIVE") != "ACTIVE":
                continue
            roles = element.get("seatRoles") or []
            seats.append(
                _seat(element, contract_urn, str(element.get("contract") or contract_urn), ADMIN_ROLE in roles)
            )
        return seats

    def _legacy(self, contract_urn: str) -> list[Seat]:
        seats: list[Seat] = []
        for element in self._pages(
            "/seats", [("q", "seatsByAttributes"), ("contracts", contract_urn), ("active", "true")]
        ):
            if element.get("active") is False:
                continue
            seats.append(
                _seat(element, contract_urn, str(element.get("contractId") or contract_urn), bool(element.get("admin")))
            )
        return seats

    def _pages(self, path: str, params: list[tuple[str, str]]) -> list[dict[str, Any]]:
        elements: list[dict[str, Any]] = []
        start = 0
        count = A.SEATS_MAX_COUNT
        while True:
            self.before_call()
            self.calls += 1
            try:
                resp = self.http.call(
                    "GET", path, self.app, params=[*params, ("start", str(start)), ("count", str(count))]
                )
            except LinkedInError as exc:
                if exc.status == 403:
                    raise ContractLevelAccessMissing(exc.message) from None
                raise
            body = resp.json()
            page = [e for e in body.get("elements") or [] if isinstance(e, dict)]
            elements.extend(page)
            total = (body.get("paging") or {}).get("total")
            start += len(page)
            if len(page) < count or (isinstance(total, int) and start >= total):
                return elements
            if start >= SEATS_MAX_PER_CONTRACT:
                raise LinkedInError(502, f"{path} kept paging past {SEATS_MAX_PER_CONTRACT} seats; stopped")


def _seat(element: dict[str, Any], asked_contract: str, contract: str, admin: bool) -> Seat:
    member = str(element.get("member") or "")
    raw_id = element.get("id")
    email = element.get("email")
    return Seat(
        # Without an id (assumption A19) the person URN identifies the seat: one seat per member per contract.
        seat_id=str(raw_id) if raw_id is not None else member,
        contract_urn=contract or asked_contract,
        member_urn=member,
        first_name=str(element.get("firstName") or ""),
        last_name=str(element.get("lastName") or ""),
        email=email.strip() if isinstance(email, str) and email.strip() else None,
        admin=admin,
    )


def _fill(seat: Seat, legacy: Seat) -> Seat:
    return Seat(
        seat_id=seat.seat_id if seat.seat_id != seat.member_urn else legacy.seat_id,
        contract_urn=seat.contract_urn,
        member_urn=seat.member_urn,
        first_name=seat.first_name or legacy.first_name,
        last_name=seat.last_name or legacy.last_name,
        email=legacy.email,
        admin=seat.admin or legacy.admin,
    )
