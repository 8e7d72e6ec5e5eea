"""The ATS's users and the LinkedIn Recruiter seat holders derived from the same seed, for seat linking.

Users are few (at most 10,000), so they are built as one list per spec. The first slots are fixed scenarios
that a seat-linking step must handle; the rest cycle through ordinary cases:

======================  ======================================================================================
scenario                what it looks like
======================  ======================================================================================
exact                   the seat's email is the user's primary email, same spelling
case_variant            same address, different case ("Ada.Lovelace@Acme.example" vs "ada.lovelace@acme.example")
secondary_email         the seat's email is the user's second (personal) email; the primary (work) one differs
different_email         the user's LinkedIn email is not in the ATS at all (no email match possible)
shared_email            two users share one email; the seat with it is ambiguous
inactive                the user is deactivated in the ATS; a seat still carries their email
no_seat                 an ATS user without a Recruiter seat (interviewers, hiring managers)
no_email                an ATS user without any email
inactive_no_seat        a deactivated user without a seat
no_user (seat only)     a seat whose email matches no ATS user (agency sourcers)
no_email (seat only)    a seat LinkedIn holds no email for (its holder shares none with LinkedIn): only the
                        person id (``member_id``) identifies it; one per account of 8 users or more
======================  ======================================================================================

Every seat has a ``member_id`` (the id of ``urn:li:person:<id>``), stable for the seed and the seat's place.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .layout import h
from .spec import DatasetSpec
from .vocab import CUSTOMER_COMPANIES, FIRST_NAMES, LAST_NAMES, PERSONAL_DOMAINS, email_part

_K_USER = 0x5553455201
_K_COMPANY = 0x434F4D5001
_K_SEAT = 0x5345415401
_K_MEMBER = 0x4D454D4201
_K_NO_EMAIL_SEAT = 0x4E4F454D01
NO_EMAIL_SEAT_MIN_USERS = 8

FIRST_SCENARIOS: tuple[tuple[str, str], ...] = (
    ("owner", "exact"),
    ("admin", "case_variant"),
    ("admin", "secondary_email"),
    ("recruiter", "different_email"),
    ("recruiter", "shared_email"),
    ("hiring_manager", "shared_email"),
    ("recruiter", "inactive"),
    ("recruiter", "exact"),
    ("interviewer", "no_seat"),
    ("hiring_manager", "no_email"),
)
LATER_SCENARIOS: tuple[tuple[str, str], ...] = (
    ("recruiter", "exact"),
    ("hiring_manager", "no_seat"),
    ("recruiter", "case_variant"),
    ("interviewer", "no_seat"),
    ("recruiter", "secondary_email"),
    ("interviewer", "no_seat"),
    ("admin", "exact"),
    ("hiring_manager", "inactive_no_seat"),
)
SEATED = frozenset({"exact", "case_variant", "secondary_email", "different_email", "shared_email", "inactive"})


@dataclass(frozen=True)
class UserProfile:
    """An ATS user and how it relates to LinkedIn (``scenario``, ``linkedin_email``: None without a seat)."""

    index: int
    id: str
    first_name: str
    last_name: str
    emails: tuple[str, ...]
    role: str
    active: bool
    scenario: str
    linkedin_email: str | None

    def record(self) -> dict[str, Any]:
        """The user as the export API serves it."""
        return {
            "id": self.id,
            "first_name": self.first_name,
            "last_name": self.last_name,
            "emails": list(self.emails),
            "role": self.role,
            "active": self.active,
        }


@dataclass(frozen=True)
class SeatHolder:
    """A Recruiter seat the LinkedIn side should hold for this account.

    ``email``: the email LinkedIn holds for the seat holder; None for the ``no_email`` seat.
    ``matching_user_ids``: users with an email equal to the seat's ignoring case (active or not).
    ``expected_user_id``: the link a correct matcher makes: the one *active* user whose email equals the seat's
    ignoring case; None when there is no such user or several (ambiguous), or the seat has no email.
    ``member_id``: the holder's LinkedIn person id (``urn:li:person:<member_id>``), "m" + 8 hex digits, unique in
    the account and stable for (seed, seat index).
    """

    email: str | None
    first_name: str
    last_name: str
    admin: bool
    scenario: str
    matching_user_ids: tuple[str, ...]
    expected_user_id: str | None
    member_id: str


def company_name(spec: DatasetSpec) -> str:
    return spec.company or CUSTOMER_COMPANIES[h(spec.seed, _K_COMPANY) % len(CUSTOMER_COMPANIES)]


def company_domain(spec: DatasetSpec) -> str:
    """The customer's email domain, e.g. ``acme.example`` (RFC 2606 names only)."""
    return f"{email_part(company_name(spec)) or 'company'}.example"


def user_id(index: int) -> str:
    return f"usr-{index + 1:010d}"


def _scenarios(count: int) -> list[tuple[str, str]]:
    slots = list(FIRST_SCENARIOS[:count])
    slots += [LATER_SCENARIOS[i % len(LATER_SCENARIOS)] for i in range(count - len(slots))]
    if count == 5:  # the shared email needs both of its users
        slots[4] = ("recruiter", "exact")
    return slots


def build_users(spec: DatasetSpec) -> list[UserProfile]:
    """Every user of the account, in id order."""
    domain = company_domain(spec)
    title_domain = domain[:1].upper() + domain[1:]
    shared = f"talent@{domain}"
    taken: set[str] = {shared}
    users: list[UserProfile] = []
    for index, (role, scenario) in enumerate(_scenarios(spec.users)):
        key = h(spec.seed, _K_USER, index)
        first, first_part = FIRST_NAMES[key % len(FIRST_NAMES)]
        last, last_part = LAST_NAMES[(key >> 16) % len(LAST_NAMES)]
        local = f"{first_part or 'user'}.{last_part or index}"
        work = f"{local}@{domain}"
        suffix = 2
        while work.lower() in taken:
            work = f"{local}{suffix}@{domain}"
            suffix += 1
        taken.add(work.lower())
        personal = f"{first_part or 'user'}{last_part}{(key >> 32) % 90 + 10}@{PERSONAL_DOMAINS[(key >> 40) % 5]}"
        emails: tuple[str, ...] = (work,)
        linkedin: str | None = None
        active = scenario not in ("inactive", "inactive_no_seat")
        if scenario in ("exact", "inactive"):
            linkedin = work
        elif scenario == "case_variant":
            # The ATS kept the address as the user typed it; LinkedIn has it in lowercase.
            local_cased = ".".join(part[:1].upper() + part[1:] for part in work.split("@")[0].split("."))
            emails = (f"{local_cased}@{title_domain}",)
            linkedin = work
        elif scenario == "secondary_email":
            emails = (work, personal)
            linkedin = personal
        elif scenario == "different_email":
            linkedin = personal
        elif scenario == "shared_email":
            emails = (shared,) if role == "recruiter" else (shared, personal)
            linkedin = shared if role == "recruiter" else None
        elif scenario == "no_email":
            emails = ()
        users.append(
            UserProfile(
                index=index,
                id=user_id(index),
                first_name=first,
                last_name=last,
                emails=emails,
                role=role,
                active=active,
                scenario=scenario,
                linkedin_email=linkedin,
            )
        )
    return users


def build_seat_holders(spec: DatasetSpec, users: list[UserProfile]) -> list[SeatHolder]:
    """The seats LinkedIn should show for this account: one per seated user, then seats matching no user."""
    by_email: dict[str, list[UserProfile]] = {}
    for user in users:
        for email in user.emails:
            by_email.setdefault(email.lower(), []).append(user)

    taken: set[str] = set()

    def member_id(index: int) -> str:
        salt = 0
        while True:
            candidate = f"m{h(spec.seed, _K_MEMBER, index, salt) & 0xFFFFFFFF:08x}"
            if candidate not in taken:
                taken.add(candidate)
                return candidate
            salt += 1

    def seat(email: str | None, first: str, last: str, admin: bool, scenario: str) -> SeatHolder:
        matching = by_email.get(email.lower(), []) if email is not None else []
        active = [user.id for user in matching if user.active]
        return SeatHolder(
            email=email,
            first_name=first,
            last_name=last,
            admin=admin,
            scenario=scenario,
            matching_user_ids=tuple(dict.fromkeys(user.id for user in matching)),
            expected_user_id=active[0] if len(active) == 1 else None,
            member_id=member_id(len(seats)),
        )

    seats: list[SeatHolder] = []
    for user in users:
        if user.linkedin_email is not None:
            admin = user.role in ("owner", "admin")
            seats.append(seat(user.linkedin_email, user.first_name, user.last_name, admin, user.scenario))
    for n in range(max(1, len(users) // 8) if users else 0):
        key = h(spec.seed, _K_SEAT, n)
        first, first_part = FIRST_NAMES[key % len(FIRST_NAMES)]
        last, last_part = LAST_NAMES[(key >> 16) % len(LAST_NAMES)]
        email = f"{first_part}.{last_part}.sourcing{n + 1}@talent-partners.example"
        seats.append(seat(email, first, last, False, "no_user"))
    if len(users) >= NO_EMAIL_SEAT_MIN_USERS:
        key = h(spec.seed, _K_NO_EMAIL_SEAT)
        first, _ = FIRST_NAMES[key % len(FIRST_NAMES)]
        last, _ = LAST_NAMES[(key >> 16) % len(LAST_NAMES)]
        seats.append(seat(None, first, last, False, "no_email"))
    return seats
