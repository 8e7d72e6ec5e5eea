"""Seat linking use cases: read seats, link automatically, link by hand, list users and seats, refresh on schedule.

Seats exist only on contracts with contract-level access (CSA_API). The seat list is read from LinkedIn and kept
in DynamoDB (routes read the stored list; a refresh re-reads it within the shared prospect-interactions budget).
Users are the ATS's, read through the export API's ``users`` resource.
"""

from __future__ import annotations

import base64
import json
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Protocol

from rsc_connector.auth.claims import Caller
from rsc_connector.domain import Account, Contract, ContractStatus
from rsc_connector.errors import (
    BadRequest,
    Conflict,
    DomainError,
    LinkedInUnavailable,
    NotFound,
    RequirementNotMet,
    TooManyRequests,
)
from rsc_connector.linkedin import assumptions as A
from rsc_connector.linkedin.http import LinkedInError, LinkedInHttp, child_app_credentials
from rsc_connector.linkedin.seats import ContractLevelAccessMissing, Seat, SeatsApi
from rsc_connector.observability import logger
from rsc_connector.ports import SecretStore, StateRepository
from rsc_connector.seats.matching import MatchResult, Unmatched, UserRecord, match
from rsc_connector.seats.store import AccountSeats, Link, LinkChanged, SeatStore

SEATED_STATUSES = frozenset(
    {ContractStatus.ENABLED, ContractStatus.SYNCING, ContractStatus.SYNCED, ContractStatus.SYNC_FAILED}
)
REFRESH_EVERY_SECONDS = 6 * 3600  # the schedule re-reads each contract's seats this often
RETRY_AFTER_ERROR_SECONDS = 1800
FRESH_ENOUGH_SECONDS = 300  # on-demand auto-link re-reads seats older than this
BUDGET_RESOURCE = A.PROSPECT_INTERACTIONS_FAMILY
# Seat reads take at most a fifth of the shared prospect-interactions allowance (A22), leaving the rest for
# InMail history, stub profiles and notes. A 6-hourly refresh of a 1,000-seat contract costs 40 calls a day.
SEAT_CALLS_PER_DAY = A.PROSPECT_INTERACTIONS_CALLS_PER_DAY // 5
USERS_PAGE_SIZE = 200
USERS_PAGES_PER_REQUEST = 10  # the users route reads at most this many ATS pages to fill one filtered page
MAX_REPORTED = 25  # unmatched seats/users listed by name in a summary (the counts are always complete)


class UserDirectory(Protocol):
    """The ATS's users (the export API's ``users`` resource)."""

    def page(self, account_id: str, cursor: str | None, limit: int) -> tuple[list[UserRecord], str | None]: ...

    def get(self, account_id: str, user_id: str) -> UserRecord | None: ...


class SeatBudgetExhausted(Exception):
    pass


@dataclass
class RefreshResult:
    contract_id: str
    seats: int
    source: str
    calls: int
    added: int = 0
    removed: int = 0
    links_removed: list[dict[str, Any]] = field(default_factory=list)

    def view(self) -> dict[str, Any]:
        return {
            "contractId": self.contract_id,
            "seats": self.seats,
            "added": self.added,
            "removed": self.removed,
            "source": self.source,
            "linkedInCalls": self.calls,
            "linksRemoved": self.links_removed,
        }


@dataclass
class SeatLinking:
    repo: StateRepository
    store: SeatStore
    secrets: SecretStore
    linkedin: LinkedInHttp
    users: UserDirectory
    clock: Callable[[], float] = time.time
    calls_per_day: int = SEAT_CALLS_PER_DAY

    # -- contracts with seats ----------------------------------------------------------------------
    def seated_contracts(self, account_id: str, contract_id: str | None = None) -> list[Contract]:
        """Contracts whose seats can be read; 403 naming the toggle when there is none (or not this one)."""
        contracts = sorted(self.repo.list_contracts(account_id), key=lambda c: c.created_at)
        if contract_id is not None:
            chosen = next((c for c in contracts if c.contract_id == contract_id), None)
            if chosen is None:
                raise NotFound(f"contract {contract_id} not found", code="CONTRACT_NOT_FOUND")
            contracts = [chosen]
        seated = [c for c in contracts if c.contract_level and c.status in SEATED_STATUSES]
        if seated:
            return seated
        if not contracts:
            raise RequirementNotMet(
                "No LinkedIn Recruiter contract is connected yet. Click ACTIVATE to connect one.",
                code="CONTRACT_LEVEL_ACCESS_REQUIRED",
            )
        names = ", ".join(c.contract_id for c in contracts)
        raise RequirementNotMet(
            "Recruiter seats need contract-level access. Ask your LinkedIn Recruiter admin to turn on "
            f"contract-level access in Recruiter > Admin Settings > ATS for contract {names}.",
            code="CONTRACT_LEVEL_ACCESS_REQUIRED",
            details={"contracts": [{"contractId": c.contract_id, "status": c.status.value} for c in contracts]},
        )

    def _one_contract(self, account_id: str, contract_id: str | None) -> Contract:
        seated = self.seated_contracts(account_id, contract_id)
        if len(seated) > 1:
            raise BadRequest(
                "This account has several contracts with Recruiter seats; say which one (contractId).",
                code="CONTRACT_REQUIRED",
                details={"contracts": [c.contract_id for c in seated]},
            )
        return seated[0]

    # -- reading seats from LinkedIn ---------------------------------------------------------------
    def refresh(self, account_id: str, contract: Contract, data: AccountSeats | None = None) -> RefreshResult:
        """Read the contract's ACTIVE seats from LinkedIn and store them; links to seats that are gone or now
        held by another person are removed and reported."""
        account = self.repo.get_account(account_id)
        if account is None or account.child_app is None:
            raise NotFound(f"account {account_id} is not activated", code="NOT_ACTIVATED")
        api = SeatsApi(
            self.linkedin,
            child_app_credentials(self.secrets, account.child_app.secret_name),
            before_call=lambda: self._pay_call(account),
        )
        try:
            read = api.active_seats(contract.contract_urn)
        except ContractLevelAccessMissing as exc:
            raise RequirementNotMet(
                "LinkedIn refused to list this contract's Recruiter seats: contract-level access is off. Ask your "
                "LinkedIn Recruiter admin to turn on contract-level access in Recruiter > Admin Settings > ATS.",
                code="CONTRACT_LEVEL_ACCESS_REQUIRED",
                details={"contractId": contract.contract_id, "linkedIn": exc.args[0] if exc.args else None},
            ) from None
        data = data or self.store.account(account_id)
        previous = data.seats.get(contract.contract_id, [])
        now = self.clock()
        by_id = {s.seat_id: s for s in read.seats}
        result = RefreshResult(contract.contract_id, len(read.seats), read.source, read.calls)
        old_ids = {s.seat_id for s in previous}
        result.added = len(by_id.keys() - old_ids)
        result.removed = len(old_ids - by_id.keys())
        for link in [li for li in data.links if li.contract_id == contract.contract_id]:
            seat = by_id.get(link.seat_id)
            old = next((s for s in previous if s.seat_id == link.seat_id), None)
            if seat is None:
                why = "The seat no longer exists at LinkedIn (removed or deactivated)."
            elif old is not None and old.member_urn and seat.member_urn != old.member_urn:
                why = "The seat is now held by another person at LinkedIn."
            else:
                continue
            try:
                self.store.unlink(account_id, link, block=False)
            except LinkChanged:
                continue
            data.links.remove(link)
            result.links_removed.append({**link.view(), "reason": why})
        self.store.replace_seats(
            account_id,
            contract.contract_id,
            read.seats,
            previous,
            {"refreshed_at": now, "source": read.source, "seats": len(read.seats), "last_problem": None},
            next_refresh_at=now + REFRESH_EVERY_SECONDS,
        )
        data.seats[contract.contract_id] = sorted(read.seats, key=lambda s: (len(s.seat_id), s.seat_id))
        data.meta[contract.contract_id] = {"refreshed_at": now, "source": read.source}
        logger.info(
            "seats read",
            extra={
                "account_id": account_id,
                "contract_id": contract.contract_id,
                "seats": result.seats,
                "added": result.added,
                "removed": result.removed,
                "links_removed": len(result.links_removed),
                "linkedin_calls": read.calls,
                "source": read.source,
            },
        )
        return result

    def _pay_call(self, account: Account) -> None:
        assert account.child_app is not None
        day = datetime.fromtimestamp(self.clock(), UTC).strftime("%Y-%m-%d")
        if not self.repo.consume_daily_calls(account.child_app.key, BUDGET_RESOURCE, day, 1, self.calls_per_day):
            raise SeatBudgetExhausted(day)

    def _refreshed(
        self, account_id: str, contract: Contract, data: AccountSeats, max_age: float | None
    ) -> RefreshResult | None:
        meta = data.meta.get(contract.contract_id) or {}
        refreshed_at = meta.get("refreshed_at")
        if max_age is not None and refreshed_at is not None and self.clock() - float(refreshed_at) <= max_age:
            return None
        try:
            return self.refresh(account_id, contract, data)
        except SeatBudgetExhausted:
            raise TooManyRequests(
                "Today's LinkedIn call budget for reading Recruiter seats is used up; try again after midnight UTC.",
                code="LINKEDIN_BUDGET_EXHAUSTED",
            ) from None
        except LinkedInError as exc:
            raise LinkedInUnavailable(f"LinkedIn did not list the Recruiter seats: {exc.message}") from None

    def refresh_now(self, caller: Caller, account_id: str, contract_id: str | None = None) -> dict[str, Any]:
        """An admin asks for the seat list to be read again (e.g. after adding seats in Recruiter)."""
        caller.ensure_account(account_id)
        caller.require_admin("refresh the LinkedIn Recruiter seats")
        data = self.store.account(account_id)
        results = []
        for contract in self.seated_contracts(account_id, contract_id):
            refreshed = self._refreshed(account_id, contract, data, None)
            assert refreshed is not None
            results.append(refreshed.view())
        return {"accountId": account_id, "contracts": results}

    # -- automatic linking -------------------------------------------------------------------------
    def auto_link(
        self,
        caller: Caller | None,
        account_id: str,
        contract_id: str | None = None,
        *,
        dry_run: bool = False,
        max_age: float | None = FRESH_ENOUGH_SECONDS,
    ) -> dict[str, Any]:
        """Link every seat whose email identifies exactly one active user (and vice versa). With ``dry_run``
        nothing is written (not even the seat list) and the proposals are returned."""
        if caller is not None:
            caller.ensure_account(account_id)
            if not dry_run:
                caller.require_admin("change LinkedIn seat links")
        contracts = self.seated_contracts(account_id, contract_id)
        data = self.store.account(account_id)
        users = list(self._all_users(account_id))
        results = []
        for contract in contracts:
            # A dry run reads the stored seat list when there is one; otherwise seats older than max_age are re-read.
            stored = dry_run and contract.contract_id in data.meta
            refreshed = None if stored else self._refreshed(account_id, contract, data, max_age)
            outcome = match(
                data.seats.get(contract.contract_id, []),
                users,
                data.seat_links(contract.contract_id),
                data.user_links(contract.contract_id),
                data.blocked_pairs(contract.contract_id),
            )
            linked: list[dict[str, Any]] = []
            if not dry_run:
                for proposal in list(outcome.proposals):
                    try:
                        link = self.store.link(
                            account_id,
                            contract.contract_id,
                            proposal.seat,
                            proposal.user.user_id,
                            method="auto",
                            by=None,
                            seat_was=None,
                            user_was=None,
                        )
                    except LinkChanged:
                        outcome.proposals.remove(proposal)
                        outcome.unmatched_seats.append(_unmatched_seat(proposal.seat, "Linked by hand meanwhile."))
                        continue
                    data.links.append(link)
                    linked.append(_pair_view(proposal.seat, proposal.user))
            results.append(_contract_result(contract, data, outcome, linked, dry_run, refreshed))
        if not dry_run:
            logger.info(
                "seats auto-linked",
                extra={
                    "account_id": account_id,
                    "contracts": [{k: r[k] for k in ("contractId", "seats", "linked", "newlyLinked")} for r in results],
                },
            )
        return {"accountId": account_id, "dryRun": dry_run, "contracts": results}

    # -- manual linking ----------------------------------------------------------------------------
    def assign(
        self,
        caller: Caller,
        account_id: str,
        user_id: str,
        seat_id: str,
        contract_id: str | None = None,
        replace: bool = False,
    ) -> dict[str, Any]:
        caller.ensure_account(account_id)
        caller.require_admin("change LinkedIn seat links")
        contract = self._one_contract(account_id, contract_id)
        data = self.store.account(account_id)
        if contract.contract_id not in data.meta:
            self._refreshed(account_id, contract, data, None)
        seat = next((s for s in data.seats.get(contract.contract_id, []) if s.seat_id == seat_id), None)
        if seat is None:
            raise NotFound(
                f"Seat {seat_id} is not an active Recruiter seat of contract {contract.contract_id} "
                "(refresh the seat list if it was added at LinkedIn just now).",
                code="SEAT_NOT_FOUND",
            )
        user = self._user(account_id, user_id)
        if not user.active:
            raise Conflict(
                f"User {user_id} is deactivated in the ATS; deactivated users are not linked.", code="USER_INACTIVE"
            )
        seat_link = data.link_of_seat(contract.contract_id, seat_id)
        user_link = data.link_of_user(contract.contract_id, user_id)
        if seat_link and user_link and seat_link == user_link and seat_link.method == "manual":
            return self._user_view(user, data)  # already exactly so
        if seat_link and seat_link.user_id != user_id and not replace:
            raise Conflict(
                f"Seat {seat_id} is linked to user {seat_link.user_id}. Unlink it first, or send replace=true to "
                "move the seat to this user.",
                code="SEAT_ALREADY_LINKED",
                details={"seatId": seat_id, "userId": seat_link.user_id},
            )
        if user_link and user_link.seat_id != seat_id and not replace:
            raise Conflict(
                f"User {user_id} is linked to seat {user_link.seat_id} on this contract (one seat per user). "
                "Unlink it first, or send replace=true.",
                code="USER_ALREADY_LINKED",
                details={"seatId": user_link.seat_id, "userId": user_id},
            )
        try:
            link = self.store.link(
                account_id,
                contract.contract_id,
                seat,
                user_id,
                method="manual",
                by=caller.user_id,
                seat_was=seat_link.user_id if seat_link else None,
                user_was=user_link.seat_id if user_link else None,
            )
        except LinkChanged:
            raise Conflict(
                "Someone changed this seat or user's link at the same time; reload and try again.",
                code="LINK_CHANGED",
            ) from None
        data.links = [li for li in data.links if li not in (seat_link, user_link)] + [link]
        logger.info(
            "seat linked by hand",
            extra={
                "account_id": account_id,
                "contract_id": contract.contract_id,
                "seat_id": seat_id,
                "user_id": user_id,
                "moved": bool(seat_link or user_link),
            },
        )
        return self._user_view(user, data)

    def unassign(self, caller: Caller, account_id: str, user_id: str, contract_id: str | None = None) -> dict:
        caller.ensure_account(account_id)
        caller.require_admin("change LinkedIn seat links")
        contract = self._one_contract(account_id, contract_id)
        data = self.store.account(account_id)
        link = data.link_of_user(contract.contract_id, user_id)
        if link is None:
            raise NotFound(
                f"User {user_id} is not linked to a seat of contract {contract.contract_id}.", code="NOT_LINKED"
            )
        try:
            self.store.unlink(account_id, link, block=True)
        except LinkChanged:
            raise Conflict(
                "Someone changed this link at the same time; reload and try again.", code="LINK_CHANGED"
            ) from None
        logger.info(
            "seat unlinked by hand",
            extra={
                "account_id": account_id,
                "contract_id": contract.contract_id,
                "seat_id": link.seat_id,
                "user_id": user_id,
            },
        )
        return {"userId": user_id, "contractId": contract.contract_id, "unlinkedSeatId": link.seat_id}

    # -- lists -------------------------------------------------------------------------------------
    def list_seats(
        self,
        caller: Caller,
        account_id: str,
        contract_id: str | None = None,
        linked: bool | None = None,
        query: str | None = None,
        cursor: str | None = None,
        limit: int = 50,
    ) -> dict[str, Any]:
        caller.ensure_account(account_id)
        contracts = self.seated_contracts(account_id, contract_id)
        data = self.store.account(account_id)
        for contract in contracts:
            if contract.contract_id not in data.meta:  # never read: read it now, once
                self._refreshed(account_id, contract, data, None)
        needle = (query or "").strip().casefold()
        rows = []
        for contract in contracts:
            for seat in data.seats.get(contract.contract_id, []):
                link = data.link_of_seat(contract.contract_id, seat.seat_id)
                if linked is not None and (link is not None) != linked:
                    continue
                text = f"{seat.first_name} {seat.last_name} {seat.email or ''}".casefold()
                if needle and needle not in text:
                    continue
                rows.append(_seat_view(contract, seat, link))
        offset = _decode_offset(cursor)
        page = rows[offset : offset + limit]
        more = offset + limit < len(rows)
        return {
            "items": page,
            "next_cursor": _encode_offset(offset + limit) if more else None,
            "total": len(rows),
            "contracts": [
                {
                    "contractId": c.contract_id,
                    "seatsReadAt": (data.meta.get(c.contract_id) or {}).get("refreshed_at"),
                    "seats": len(data.seats.get(c.contract_id, [])),
                    "linked": len(data.seat_links(c.contract_id)),
                }
                for c in contracts
            ],
        }

    def list_users(
        self,
        caller: Caller,
        account_id: str,
        linked: bool | None = None,
        query: str | None = None,
        cursor: str | None = None,
        limit: int = 50,
    ) -> dict[str, Any]:
        """The ATS's users with their seat (the users page's LinkedIn icon), in the ATS's order."""
        caller.ensure_account(account_id)
        data = self.store.account(account_id)
        needle = (query or "").strip().casefold()
        state = _decode_users_cursor(cursor)
        ats_cursor, skip = state.get("ats"), int(state.get("skip", 0))
        items: list[dict[str, Any]] = []
        next_state: dict[str, Any] | None = None
        for _ in range(USERS_PAGES_PER_REQUEST):
            users, following = self.users.page(account_id, ats_cursor, USERS_PAGE_SIZE)
            stopped_at: int | None = None
            for index in range(skip, len(users)):
                user = users[index]
                view = self._user_view(user, data)
                if linked is not None and view["linkedIn"] != linked:
                    continue
                text = f"{user.first_name} {user.last_name} {' '.join(user.emails)}".casefold()
                if needle and needle not in text:
                    continue
                items.append(view)
                if len(items) == limit:
                    stopped_at = index
                    break
            if stopped_at is not None:
                if stopped_at + 1 < len(users):
                    next_state = {"ats": ats_cursor, "skip": stopped_at + 1}
                elif following is not None:
                    next_state = {"ats": following, "skip": 0}
                break
            if following is None:
                next_state = None
                break
            # Not enough matches yet: read on, but hand back a cursor if the page allowance runs out.
            ats_cursor, skip = following, 0
            next_state = {"ats": following, "skip": 0}
        return {"items": items, "next_cursor": _encode_users_cursor(next_state) if next_state else None}

    def _user(self, account_id: str, user_id: str) -> UserRecord:
        user = self.users.get(account_id, user_id)
        if user is None:
            raise NotFound(f"User {user_id} not found in the ATS.", code="USER_NOT_FOUND")
        return user

    def _user_view(self, user: UserRecord, data: AccountSeats) -> dict[str, Any]:
        seats = []
        for link in data.links:
            if link.user_id != user.user_id:
                continue
            seat = next((s for s in data.seats.get(link.contract_id, []) if s.seat_id == link.seat_id), None)
            seats.append(
                {
                    **link.view(),
                    "seatUrn": f"urn:li:seat:{link.seat_id}",
                    "memberUrn": seat.member_urn if seat else None,
                    "seatHolder": f"{seat.first_name} {seat.last_name}".strip() if seat else None,
                }
            )
        return {
            "userId": user.user_id,
            "firstName": user.first_name,
            "lastName": user.last_name,
            "emails": list(user.emails),
            "role": user.role,
            "active": user.active,
            "linkedIn": bool(seats),
            "seats": seats,
        }

    def _all_users(self, account_id: str) -> Iterator[UserRecord]:
        cursor: str | None = None
        while True:
            users, cursor = self.users.page(account_id, cursor, USERS_PAGE_SIZE)
            yield from users
            if cursor is None:
                return

    # -- the schedule ------------------------------------------------------------------------------
    def refresh_due(self, limit: int = 200) -> dict[str, Any]:
        """Re-read the seats of contracts due (every 6 h), drop stale links, link new seats automatically."""
        now = self.clock()
        done: list[dict[str, Any]] = []
        for account_id, contract_id in self.store.contracts_due_for_refresh(now, limit):
            contract = self.repo.get_contract(account_id, contract_id)
            if contract is None or not contract.contract_level or contract.status not in SEATED_STATUSES:
                self.store.forget_contract(account_id, contract_id)
                done.append({"accountId": account_id, "contractId": contract_id, "result": "forgotten"})
                continue
            try:
                result = self.auto_link(None, account_id, contract_id, max_age=0)
                contract_result = result["contracts"][0]
                done.append(
                    {
                        "accountId": account_id,
                        "contractId": contract_id,
                        "result": "refreshed",
                        "linked": contract_result["linked"],
                        "seats": contract_result["seats"],
                    }
                )
            except TooManyRequests:
                midnight = (int(now // 86400) + 1) * 86400
                self.store.postpone_refresh(account_id, contract_id, midnight + 60, "daily budget used up")
                done.append({"accountId": account_id, "contractId": contract_id, "result": "postponed"})
            except DomainError as exc:
                self.store.postpone_refresh(account_id, contract_id, now + RETRY_AFTER_ERROR_SECONDS, exc.message)
                done.append({"accountId": account_id, "contractId": contract_id, "result": "failed", "code": exc.code})
        return {"contracts": done}


# -- views and summaries ---------------------------------------------------------------------------------
def _seat_view(contract: Contract, seat: Seat, link: Link | None) -> dict[str, Any]:
    return {
        "contractId": contract.contract_id,
        "seatId": seat.seat_id,
        "seatUrn": seat.seat_urn,
        "memberUrn": seat.member_urn,
        "firstName": seat.first_name,
        "lastName": seat.last_name,
        "email": seat.email,
        "admin": seat.admin,
        "user": {"userId": link.user_id, "method": link.method, "linkedAt": link.linked_at, "linkedBy": link.linked_by}
        if link
        else None,
    }


def _pair_view(seat: Seat, user: UserRecord) -> dict[str, Any]:
    return {
        "seatId": seat.seat_id,
        "seatHolder": f"{seat.first_name} {seat.last_name}".strip(),
        "email": seat.email,
        "userId": user.user_id,
        "userName": user.name,
    }


def _unmatched_seat(seat: Seat, reason: str) -> Unmatched:
    return Unmatched(seat.seat_id, f"{seat.first_name} {seat.last_name}".strip(), reason, seat.email)


def _contract_result(
    contract: Contract,
    data: AccountSeats,
    outcome: MatchResult,
    linked: list[dict[str, Any]],
    dry_run: bool,
    refreshed: RefreshResult | None,
) -> dict[str, Any]:
    seats = data.seats.get(contract.contract_id, [])
    total_linked = len(data.seat_links(contract.contract_id))
    return {
        "contractId": contract.contract_id,
        "seats": len(seats),
        "linked": total_linked,
        "newlyLinked": len(linked),
        "proposals": [_pair_view(p.seat, p.user) for p in outcome.proposals] if dry_run else linked,
        "unmatchedSeats": [
            {"seatId": u.id, "name": u.name, "email": u.email, "reason": u.reason} for u in outcome.unmatched_seats
        ],
        "unmatchedUsers": [{"userId": u.id, "name": u.name, "reason": u.reason} for u in outcome.unmatched_users],
        "seatList": refreshed.view() if refreshed else None,
    }


def summary_for_email(result: dict[str, Any]) -> dict[str, Any]:
    """A bounded copy of an auto-link result for the sync run and the completion email."""
    contracts = []
    for c in result.get("contracts", []):
        contracts.append(
            {
                "contractId": c["contractId"],
                "seats": c["seats"],
                "linked": c["linked"],
                "newlyLinked": c["newlyLinked"],
                "unmatchedSeatCount": len(c["unmatchedSeats"]),
                "unmatchedUserCount": len(c["unmatchedUsers"]),
                "unmatchedSeats": c["unmatchedSeats"][:MAX_REPORTED],
                "unmatchedUsers": c["unmatchedUsers"][:MAX_REPORTED],
                "linksRemoved": (c.get("seatList") or {}).get("linksRemoved", [])[:MAX_REPORTED],
            }
        )
    return {"contracts": contracts}


def _encode_offset(offset: int) -> str:
    return base64.urlsafe_b64encode(json.dumps({"o": offset}).encode()).decode().rstrip("=")


def _decode_offset(cursor: str | None) -> int:
    if not cursor:
        return 0
    try:
        value = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        offset = int(value["o"])
        if offset < 0 or offset > 10_000_000:
            raise ValueError
        return offset
    except (ValueError, KeyError, TypeError, OverflowError) as exc:
        raise BadRequest("cursor is not one this API returned", code="INVALID_CURSOR") from exc


def _encode_users_cursor(state: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(state, separators=(",", ":")).encode()).decode().rstrip("=")


def _decode_users_cursor(cursor: str | None) -> dict[str, Any]:
    if not cursor:
        return {}
    try:
        value = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        if not isinstance(value, dict) or not isinstance(value.get("ats"), (str, type(None))):
            raise ValueError
        if not 0 <= int(value.get("skip", 0)) <= 10_000:
            raise ValueError
        return value
    except (ValueError, TypeError, OverflowError) as exc:
        raise BadRequest("cursor is not one this API returned", code="INVALID_CURSOR") from exc
