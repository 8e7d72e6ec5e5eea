"""Automatic seat linking: which ATS user holds which Recruiter seat, by email. Pure logic, no I/O.

The rules (issue 5; many people never put their work email on LinkedIn, so a missing match is normal):
- emails compare ignoring case and whitespace, over all of a user's emails;
- a link needs exactly one candidate on each side: the seat's email belongs to exactly one active user, and
  that user's emails match exactly one seat; ambiguities are reported, never guessed;
- inactive users are never linked;
- an existing link (manual or automatic) is never changed, and a pair an admin unlinked is not linked again.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from rsc_connector.linkedin.seats import Seat


@dataclass(frozen=True)
class UserRecord:
    """An ATS user as seat linking needs it (the export API's ``users`` resource)."""

    user_id: str
    first_name: str
    last_name: str
    emails: tuple[str, ...]
    role: str
    active: bool

    @property
    def name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip() or self.user_id


@dataclass(frozen=True)
class Proposal:
    seat: Seat
    user: UserRecord


@dataclass(frozen=True)
class Unmatched:
    id: str
    name: str
    reason: str
    email: str | None = None


@dataclass
class MatchResult:
    proposals: list[Proposal] = field(default_factory=list)
    already_linked: int = 0
    unmatched_seats: list[Unmatched] = field(default_factory=list)
    unmatched_users: list[Unmatched] = field(default_factory=list)


def normalize_email(email: str) -> str:
    """``" Ada.Lovelace@Acme.Example "`` -> ``"ada.lovelace@acme.example"``."""
    return "".join(email.split()).casefold()


def match(
    seats: Iterable[Seat],
    users: Iterable[UserRecord],
    seat_links: dict[str, str],
    user_links: dict[str, str],
    blocked: set[tuple[str, str]] | None = None,
) -> MatchResult:
    """Propose links for unlinked seats.

    ``seat_links``: seat id -> linked user id; ``user_links``: user id -> linked seat id (this contract);
    ``blocked``: (seat id, user id) pairs an admin unlinked by hand.
    """
    blocked = blocked or set()
    seats = list(seats)
    users = list(users)
    active_by_email: dict[str, list[UserRecord]] = {}
    inactive_by_email: dict[str, list[UserRecord]] = {}
    for user in users:
        for email in dict.fromkeys(normalize_email(e) for e in user.emails if e.strip()):
            (active_by_email if user.active else inactive_by_email).setdefault(email, []).append(user)
    seats_by_email: dict[str, list[Seat]] = {}
    for seat in seats:
        if seat.email:
            seats_by_email.setdefault(normalize_email(seat.email), []).append(seat)

    def seats_of(user: UserRecord) -> list[Seat]:
        found: dict[str, Seat] = {}
        for email in user.emails:
            for seat in seats_by_email.get(normalize_email(email), []):
                found[seat.seat_id] = seat
        return list(found.values())

    result = MatchResult()
    proposed_users: set[str] = set()
    for seat in sorted(seats, key=lambda s: s.seat_id):
        if seat.seat_id in seat_links:
            result.already_linked += 1
            continue
        name = f"{seat.first_name} {seat.last_name}".strip() or seat.member_urn
        reason = _seat_problem(seat, active_by_email, inactive_by_email, seats_by_email, user_links, blocked, seats_of)
        if reason is not None:
            result.unmatched_seats.append(Unmatched(seat.seat_id, name, reason, seat.email))
            continue
        user = active_by_email[normalize_email(seat.email or "")][0]
        result.proposals.append(Proposal(seat, user))
        proposed_users.add(user.user_id)

    seat_reasons = {u.id: u.reason for u in result.unmatched_seats}
    for user in sorted(users, key=lambda u: u.user_id):
        if user.user_id in user_links or user.user_id in proposed_users:
            continue
        found = seats_of(user)
        reason = _user_problem(user, found)
        if user.active and len(found) == 1 and found[0].seat_id in seat_reasons:
            seat_id = found[0].seat_id
            reason = f"Seat {seat_id} carries this user's email but was not linked: {seat_reasons[seat_id]}"
        result.unmatched_users.append(Unmatched(user.user_id, user.name, reason))
    return result


def _seat_problem(
    seat: Seat,
    active_by_email: dict[str, list[UserRecord]],
    inactive_by_email: dict[str, list[UserRecord]],
    seats_by_email: dict[str, list[Seat]],
    user_links: dict[str, str],
    blocked: set[tuple[str, str]],
    seats_of: Callable[[UserRecord], list[Seat]],
) -> str | None:
    if not seat.email:
        return "LinkedIn shows no email for this seat holder; link the user by hand."
    email = normalize_email(seat.email)
    candidates = active_by_email.get(email, [])
    if not candidates:
        if inactive_by_email.get(email):
            return "The only ATS user with this email is deactivated."
        return "No ATS user has this email (they may use another address in the ATS); link the user by hand."
    if len(candidates) > 1:
        ids = ", ".join(u.user_id for u in candidates)
        return f"Several ATS users share this email ({ids}); choose one by hand."
    if len(seats_by_email.get(email, [])) > 1:
        return "Several Recruiter seats carry this email; choose by hand."
    user = candidates[0]
    if user.user_id in user_links:
        return f"The ATS user with this email ({user.user_id}) is already linked to another seat."
    if len(seats_of(user)) > 1:
        return f"The ATS user with this email ({user.user_id}) has emails matching several seats; choose by hand."
    if (seat.seat_id, user.user_id) in blocked:
        return f"An admin unlinked this seat from {user.user_id}; it is not linked again automatically."
    return None


def _user_problem(user: UserRecord, seats: list[Seat]) -> str:
    if not user.active:
        return "Deactivated in the ATS; deactivated users are not linked."
    if not any(e.strip() for e in user.emails):
        return "No email in the ATS; link by hand if this user holds a Recruiter seat."
    if not seats:
        return (
            "None of this user's emails is on a Recruiter seat (no seat, or a different email at LinkedIn); "
            "link by hand if they hold one."
        )
    return "This user's emails match several seats; choose one by hand."
