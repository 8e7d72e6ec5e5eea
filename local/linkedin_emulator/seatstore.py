"""Recruiter seats per contract (linkedin-rsc-api.md 3.2, 7): who holds a seat, with which roles, in which state.

Guarded by the emulator state's lock (``EmulatorState.lock``): callers hold it. Seats of members (the people who
sign in, ``/_control/members``) are kept in step with them by ``sync_member``; the control API adds the others.
"""

from __future__ import annotations

import hashlib
from collections.abc import Collection, Iterable
from dataclasses import dataclass, field
from typing import Any

from rsc_connector.linkedin import assumptions as A

from .model import Member

FIRST_SEAT_ID = 142_636_001
ADMIN_SEAT = A.SEAT_ROLE_ADMIN
SOURCER_ROLE = "SOURCER_ADD_PROSPECT"
DEFAULT_ROLES: tuple[str, ...] = (SOURCER_ROLE,)
ADMIN_ROLES: tuple[str, ...] = (ADMIN_SEAT, SOURCER_ROLE)
STATE_ACTIVE = "ACTIVE"
PERSON_URN_PREFIX = "urn:li:person:"


@dataclass
class Seat:
    """One Recruiter seat of a contract and the person (member) holding it."""

    seat_id: int
    contract: str  # urn:li:contract:{id}
    member_id: str
    first_name: str
    last_name: str
    email: str | None = None
    state: str = STATE_ACTIVE
    roles: list[str] = field(default_factory=lambda: list(DEFAULT_ROLES))
    from_member: bool = False  # created for a /_control/members member; follows that member's changes

    @property
    def member_urn(self) -> str:
        return f"{PERSON_URN_PREFIX}{self.member_id}"

    @property
    def admin(self) -> bool:
        return ADMIN_SEAT in self.roles

    def v2_element(self, *, with_email: bool) -> dict[str, Any]:
        """The seatsV2 element (A19)."""
        element: dict[str, Any] = {}
        if A.SEATS_V2_INCLUDES_ID:
            element["id"] = self.seat_id
        element.update(
            {
                "firstName": self.first_name,
                "lastName": self.last_name,
                "contract": self.contract,
                "member": self.member_urn,
                "state": self.state,
                "seatRoles": list(self.roles),
            }
        )
        if with_email and self.email is not None:
            element["email"] = self.email
        return element

    def legacy_element(self) -> dict[str, Any]:
        """The legacy seatsByAttributes element (linkedin-rsc-api.md 3.2)."""
        element: dict[str, Any] = {
            "firstName": self.first_name,
            "lastName": self.last_name,
            "contractId": self.contract,
            "member": self.member_urn,
            "active": self.state == STATE_ACTIVE,
            "admin": self.admin,
            "id": self.seat_id,
        }
        if self.email is not None:
            element["email"] = self.email
        return element

    def view(self, organization: str | None) -> dict[str, Any]:
        """What the control API shows."""
        return {
            "seatId": self.seat_id,
            "seat": f"urn:li:seat:{self.seat_id}",
            "contract": self.contract,
            "organization": organization,
            "memberId": self.member_id,
            "member": self.member_urn,
            "firstName": self.first_name,
            "lastName": self.last_name,
            "email": self.email,
            "state": self.state,
            "roles": list(self.roles),
            "admin": self.admin,
            "fromMember": self.from_member,
        }


@dataclass
class SeatSettings:
    """Test knobs: whether seatsV2 shows emails (A19) and whether each seat endpoint is available (A21)."""

    seats_v2_emails: bool = A.SEATS_V2_INCLUDES_EMAIL
    seats_v2_available: bool = True
    legacy_seats_available: bool = True

    def view(self) -> dict[str, bool]:
        return {
            "seatsV2Emails": self.seats_v2_emails,
            "seatsV2Available": self.seats_v2_available,
            "legacySeatsAvailable": self.legacy_seats_available,
        }


class SeatStore:
    """Every seat by id, plus the organizations of contracts that no member holds (given by the control API)."""

    def __init__(self) -> None:
        self.seats: dict[int, Seat] = {}
        self.contract_organizations: dict[str, str] = {}
        self.settings = SeatSettings()

    def reset(self) -> None:
        self.seats = {}
        self.contract_organizations = {}
        self.settings = SeatSettings()

    # -- queries ------------------------------------------------------------------------------------------------

    def get(self, seat_id: int) -> Seat | None:
        return self.seats.get(seat_id)

    def holder(self, contract: str, member_id: str) -> Seat | None:
        """The seat ``member_id`` holds on ``contract`` (one person holds at most one seat per contract)."""
        return next((s for s in self.seats.values() if s.contract == contract and s.member_id == member_id), None)

    def of_contracts(self, contracts: Collection[str], states: Collection[str] | None = None) -> list[Seat]:
        """The seats of ``contracts`` (in ``states``, all when None), by seat id."""
        return sorted(
            (
                seat
                for seat in self.seats.values()
                if seat.contract in contracts and (states is None or seat.state in states)
            ),
            key=lambda seat: seat.seat_id,
        )

    def all(self) -> list[Seat]:
        return sorted(self.seats.values(), key=lambda seat: (seat.contract, seat.seat_id))

    # -- identifiers --------------------------------------------------------------------------------------------

    def next_seat_id(self, taken: Iterable[int] = ()) -> int:
        return max([FIRST_SEAT_ID - 1, *self.seats, *taken]) + 1

    def new_member_id(self, seat_id: int, taken: Collection[str] = ()) -> str:
        """A short alphanumeric person id, derived from the seat id (stable across resets), not in use."""
        used = {seat.member_id for seat in self.seats.values()} | set(taken)
        salt = 0
        while True:
            digest = hashlib.sha256(f"seat-holder-{seat_id}-{salt}".encode()).hexdigest()
            candidate = "p" + digest[:9]
            if candidate not in used:
                return candidate
            salt += 1

    # -- changes ------------------------------------------------------------------------------------------------

    def put(self, seat: Seat) -> None:
        self.seats[seat.seat_id] = seat

    def remove(self, seat_id: int) -> Seat | None:
        return self.seats.pop(seat_id, None)

    def sync_member(self, member: Member) -> None:
        """Give ``member`` an ACTIVE admin seat on each of its contracts; a re-posted member keeps its seats (ids,
        states and roles), takes the new names and email, and loses the member seats of contracts it dropped."""
        contracts = {contract.urn for contract in member.contracts}
        for seat in [s for s in self.seats.values() if s.member_id == member.member_id and s.from_member]:
            if seat.contract not in contracts:
                del self.seats[seat.seat_id]
        for contract in member.contracts:
            held = self.holder(contract.urn, member.member_id)
            if held is not None:
                held.first_name, held.last_name, held.email = member.first_name, member.last_name, member.email
            else:
                seat = Seat(
                    seat_id=self.next_seat_id(),
                    contract=contract.urn,
                    member_id=member.member_id,
                    first_name=member.first_name,
                    last_name=member.last_name,
                    email=member.email,
                    roles=list(ADMIN_ROLES),
                    from_member=True,
                )
                self.put(seat)
