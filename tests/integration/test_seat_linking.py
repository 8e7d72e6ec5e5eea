"""Seat linking against moto (in-process) and the LinkedIn emulator: seats read, linked, refreshed, guarded."""

from __future__ import annotations

import threading
from typing import Any

import pytest

from rsc_connector.auth.claims import Caller
from rsc_connector.errors import Conflict, NotFound, RequirementNotMet
from rsc_connector.seats.matching import UserRecord
from rsc_connector.seats.service import SeatLinking
from rsc_connector.seats.store import SeatStore
from tests.integration.test_enablement import ADMIN, World

RECRUITER = Caller(account_id="acct-1", user_id="u-rita", role="recruiter", plan="enterprise")
CONTRACT_URN = "urn:li:contract:7001"


class Users:
    """The ATS's users (the port's fake): pages of a list, and one by id."""

    def __init__(self, users: list[UserRecord]) -> None:
        self.users = users
        self.pages_read = 0

    def page(self, account_id: str, cursor: str | None, limit: int) -> tuple[list[UserRecord], str | None]:
        self.pages_read += 1
        start = int(cursor or 0)
        end = start + limit
        return self.users[start:end], (str(end) if end < len(self.users) else None)

    def get(self, account_id: str, user_id: str) -> UserRecord | None:
        return next((u for u in self.users if u.user_id == user_id), None)


def user(user_id: str, *emails: str, active: bool = True, first: str = "Uma") -> UserRecord:
    return UserRecord(user_id, first, user_id, tuple(emails), "recruiter", active)


USERS = [
    user("u-ada", "ada@acme.example"),
    user("u-bob", "Bob.Builder@Acme.Example"),  # case variant of the seat's email
    user("u-cy", "cy@acme.example", "cy.home@mail.example"),  # the seat carries the second email
    user("u-dee", "dee@acme.example"),  # LinkedIn has another email for her
    user("u-ed", "talent@acme.example"),  # two users share the seat's email
    user("u-flo", "talent@acme.example"),
    user("u-gus", "gus@acme.example", active=False),  # deactivated
    user("u-hal", "hal@acme.example"),  # no seat
]
SEATS = [
    {"firstName": "Ada", "lastName": "A", "email": "ada@acme.example", "roles": ["ADMIN_SEAT"]},
    {"firstName": "Bob", "lastName": "B", "email": "bob.builder@acme.example"},
    {"firstName": "Cy", "lastName": "C", "email": "cy.home@mail.example"},
    {"firstName": "Dee", "lastName": "D", "email": "dee.personal@mail.example"},
    {"firstName": "Ed", "lastName": "E", "email": "talent@acme.example"},
    {"firstName": "Gus", "lastName": "G", "email": "gus@acme.example"},
    {"firstName": "Ivy", "lastName": "I", "email": None},
]


class SeatWorld(World):
    def __init__(self, env: dict[str, str], linkedin: Any, clock: Any) -> None:
        super().__init__(env, linkedin, clock)
        self.users = Users(list(USERS))
        self.store = SeatStore(self.settings.TABLE_NAME)

    def linking(self) -> SeatLinking:
        return SeatLinking(self.repo, self.store, self.secrets, self.http(), self.users, clock=self.clock.now)

    def enabled(self, company: bool = True, contract: bool = True) -> None:
        self.partner_ready()
        self.recruiter_admin(company=company, contract=contract)
        self.clock.advance(70)
        self.enablement().poll()

    def add_seats(self, seats: list[dict[str, Any]], contract: str = CONTRACT_URN) -> list[dict[str, Any]]:
        return self.control("seats", {"contract": contract, "seats": seats})  # type: ignore[no-any-return]

    def seat_id(self, email: str | None, first: str | None = None) -> str:
        for seat in self.control(f"seats?contract={CONTRACT_URN}")["seats"]:
            if (email is not None and seat.get("email") == email) or (first and seat.get("firstName") == first):
                return str(seat["seatId"])
        raise AssertionError(f"no seat {email or first}")


@pytest.fixture
def world(aws: Any, env: dict[str, str], linkedin: Any) -> SeatWorld:
    import time

    from rsc_connector.clock import FixedClock

    return SeatWorld(env, linkedin, FixedClock(time.time()))


def links_of(world: SeatWorld) -> dict[str, str]:
    return world.store.account("acct-1").seat_links("7001")


def test_auto_link_links_exactly_the_unambiguous_active_matches(world: SeatWorld) -> None:
    world.enabled()
    world.add_seats(SEATS)
    result = world.linking().auto_link(ADMIN, "acct-1")
    (contract,) = result["contracts"]
    # The member who clicked Request holds a seat too (no ATS user has their email): 8 seats in all.
    assert contract["seats"] == len(SEATS) + 1
    linked = {p["userId"] for p in contract["proposals"]}
    assert linked == {"u-ada", "u-bob", "u-cy"}
    assert contract["linked"] == contract["newlyLinked"] == 3
    reasons = {s["name"]: s["reason"] for s in contract["unmatchedSeats"]}
    assert "No ATS user has this email" in reasons["Dee D"]
    assert "Several ATS users share this email" in reasons["Ed E"]
    assert "deactivated" in reasons["Gus G"]
    assert "no email" in reasons["Ivy I"]
    assert set(links_of(world).values()) == {"u-ada", "u-bob", "u-cy"}
    # Running it again changes nothing.
    again = world.linking().auto_link(ADMIN, "acct-1")["contracts"][0]
    assert again["newlyLinked"] == 0 and again["linked"] == 3


def test_dry_run_proposes_and_writes_nothing(world: SeatWorld) -> None:
    world.enabled()
    world.add_seats(SEATS)
    dry = world.linking().auto_link(RECRUITER, "acct-1", dry_run=True)["contracts"][0]
    assert {p["userId"] for p in dry["proposals"]} == {"u-ada", "u-bob", "u-cy"}
    assert links_of(world) == {}
    # A recruiter may look, but not link.
    with pytest.raises(RequirementNotMet) as refused:
        world.linking().auto_link(RECRUITER, "acct-1")
    assert refused.value.code == "ROLE_NOT_ALLOWED"


def test_manual_link_unlink_and_move(world: SeatWorld) -> None:
    world.enabled()
    world.add_seats(SEATS)
    linking = world.linking()
    linking.auto_link(ADMIN, "acct-1")
    dee_seat = world.seat_id("dee.personal@mail.example")
    view = linking.assign(ADMIN, "acct-1", "u-dee", dee_seat)
    assert view["linkedIn"] is True and view["seats"][0]["method"] == "manual"
    assert view["seats"][0]["linkedBy"] == "u-admin"
    # Seat taken: 409 naming the holder; replace=true moves it.
    with pytest.raises(Conflict) as taken:
        linking.assign(ADMIN, "acct-1", "u-hal", dee_seat)
    assert taken.value.code == "SEAT_ALREADY_LINKED" and taken.value.details["userId"] == "u-dee"
    moved = linking.assign(ADMIN, "acct-1", "u-hal", dee_seat, replace=True)
    assert moved["seats"][0]["seatId"] == dee_seat
    assert links_of(world)[dee_seat] == "u-hal"
    assert world.store.account("acct-1").link_of_user("7001", "u-dee") is None
    # One seat per user: u-hal cannot take Ada's seat as well without replace.
    ada_seat = world.seat_id("ada@acme.example")
    with pytest.raises(Conflict) as double:
        linking.assign(ADMIN, "acct-1", "u-hal", ada_seat)
    assert double.value.code in ("SEAT_ALREADY_LINKED", "USER_ALREADY_LINKED")
    # Unlink, and automatic linking does not link that pair again.
    linking.unassign(ADMIN, "acct-1", "u-ada")
    assert ada_seat not in links_of(world)
    again = linking.auto_link(ADMIN, "acct-1")["contracts"][0]
    assert again["newlyLinked"] == 0
    assert any("An admin unlinked" in s["reason"] for s in again["unmatchedSeats"])
    # A manual link made afterwards is fine, and auto-linking never overwrites it.
    linking.assign(ADMIN, "acct-1", "u-ada", ada_seat)
    assert linking.auto_link(ADMIN, "acct-1")["contracts"][0]["linked"] == 4


def test_manual_link_rules(world: SeatWorld) -> None:
    world.enabled()
    world.add_seats(SEATS)
    linking = world.linking()
    seat = world.seat_id("dee.personal@mail.example")
    with pytest.raises(RequirementNotMet) as refused:
        linking.assign(RECRUITER, "acct-1", "u-dee", seat)
    assert refused.value.code == "ROLE_NOT_ALLOWED"
    with pytest.raises(RequirementNotMet):
        linking.unassign(RECRUITER, "acct-1", "u-dee")
    with pytest.raises(Conflict) as inactive:
        linking.assign(ADMIN, "acct-1", "u-gus", seat)
    assert inactive.value.code == "USER_INACTIVE"
    with pytest.raises(NotFound) as no_user:
        linking.assign(ADMIN, "acct-1", "u-nobody", seat)
    assert no_user.value.code == "USER_NOT_FOUND"
    with pytest.raises(NotFound) as no_seat:
        linking.assign(ADMIN, "acct-1", "u-dee", "999999999")
    assert no_seat.value.code == "SEAT_NOT_FOUND"
    with pytest.raises(NotFound):
        linking.assign(ADMIN.model_copy(update={"account_id": "acct-2"}), "acct-1", "u-dee", seat)
    with pytest.raises(NotFound) as not_linked:
        linking.unassign(ADMIN, "acct-1", "u-dee")
    assert not_linked.value.code == "NOT_LINKED"
    assert links_of(world) == {}


def test_concurrent_assignments_of_one_seat_exactly_one_wins(world: SeatWorld) -> None:
    world.enabled()
    world.add_seats(SEATS)
    world.linking().list_seats(ADMIN, "acct-1")  # the seat list is read once
    seat = world.seat_id("dee.personal@mail.example")
    contenders = ["u-dee", "u-hal", "u-ada", "u-bob", "u-cy", "u-ed"]
    barrier = threading.Barrier(len(contenders))
    outcomes: dict[str, str] = {}

    def attempt(user_id: str) -> None:
        linking = world.linking()
        barrier.wait()
        try:
            linking.assign(ADMIN.model_copy(update={"user_id": f"admin-{user_id}"}), "acct-1", user_id, seat)
            outcomes[user_id] = "won"
        except Conflict as exc:
            outcomes[user_id] = exc.code

    threads = [threading.Thread(target=attempt, args=(u,)) for u in contenders]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    winners = [u for u, o in outcomes.items() if o == "won"]
    assert len(winners) == 1, outcomes
    assert all(o in ("SEAT_ALREADY_LINKED", "LINK_CHANGED") for u, o in outcomes.items() if u not in winners)
    data = world.store.account("acct-1")
    assert data.seat_links("7001") == {seat: winners[0]}
    assert data.user_links("7001") == {winners[0]: seat}  # the guard: no half-written link


def test_company_level_only_says_which_toggle_unlocks_seats(world: SeatWorld) -> None:
    world.enabled(company=True, contract=False)
    linking = world.linking()
    for call in (
        lambda: linking.list_seats(ADMIN, "acct-1"),
        lambda: linking.auto_link(ADMIN, "acct-1"),
        lambda: linking.assign(ADMIN, "acct-1", "u-ada", "1"),
    ):
        with pytest.raises(RequirementNotMet) as refused:
            call()
        assert refused.value.code == "CONTRACT_LEVEL_ACCESS_REQUIRED"
        assert "turn on contract-level access" in refused.value.message
    # The users page still works: nobody is linked.
    users = linking.list_users(ADMIN, "acct-1")
    assert not any(u["linkedIn"] for u in users["items"])


def test_seat_removed_or_reassigned_at_linkedin_drops_its_link(world: SeatWorld) -> None:
    world.enabled()
    world.add_seats(SEATS)
    linking = world.linking()
    linking.auto_link(ADMIN, "acct-1")
    ada_seat, bob_seat = world.seat_id("ada@acme.example"), world.seat_id("bob.builder@acme.example")
    import requests

    requests.delete(f"{world.linkedin.base_url}/_control/seats/{ada_seat}", timeout=5).raise_for_status()
    world.control(
        f"seats/{bob_seat}",
        {"memberId": "newperson1", "firstName": "Nia", "lastName": "New", "email": "nia@acme.example"},
    )
    refreshed = linking.refresh_now(ADMIN, "acct-1")["contracts"][0]
    removed = {r["userId"]: r["reason"] for r in refreshed["linksRemoved"]}
    assert "no longer exists" in removed["u-ada"]
    assert "another person" in removed["u-bob"]
    assert set(links_of(world).values()) == {"u-cy"}


def test_seat_list_pages_and_filters(world: SeatWorld) -> None:
    world.enabled()
    world.add_seats(
        [{"firstName": f"P{i:03d}", "lastName": "Pager", "email": f"p{i}@agency.example"} for i in range(230)]
    )
    world.add_seats(SEATS)
    linking = world.linking()
    first = linking.list_seats(ADMIN, "acct-1", limit=100)
    # 230 + 7 + the requesting member's seat, read from seatsV2 100 at a time (3 pages).
    assert first["total"] == 238 and len(first["items"]) == 100 and first["next_cursor"]
    seen = [s["seatId"] for s in first["items"]]
    cursor = first["next_cursor"]
    while cursor:
        page = linking.list_seats(ADMIN, "acct-1", limit=100, cursor=cursor)
        seen += [s["seatId"] for s in page["items"]]
        cursor = page["next_cursor"]
    assert len(seen) == len(set(seen)) == 238
    linking.auto_link(ADMIN, "acct-1")
    linked = linking.list_seats(ADMIN, "acct-1", linked=True)
    assert {s["user"]["userId"] for s in linked["items"]} == {"u-ada", "u-bob", "u-cy"}
    assert linking.list_seats(ADMIN, "acct-1", query="pager", limit=5)["total"] == 230
    # 238 seats are three seatsV2 pages of 100: three calls, each paid from the prospect-interactions budget.
    assert linking.refresh_now(ADMIN, "acct-1")["contracts"][0]["linkedInCalls"] == 3


def test_users_route_pages_through_the_ats_with_filters(world: SeatWorld) -> None:
    world.enabled()
    world.add_seats(SEATS)
    linking = world.linking()
    linking.auto_link(ADMIN, "acct-1")
    world.users.users += [user(f"u-x{i:03d}", f"x{i}@acme.example") for i in range(450)]
    everyone: list[str] = []
    cursor = None
    while True:
        page = linking.list_users(RECRUITER, "acct-1", limit=70, cursor=cursor)
        everyone += [u["userId"] for u in page["items"]]
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert everyone == [u.user_id for u in world.users.users]
    linked = linking.list_users(RECRUITER, "acct-1", linked=True)
    assert [u["userId"] for u in linked["items"]] == ["u-ada", "u-bob", "u-cy"]
    assert all(u["seats"][0]["contractId"] == "7001" for u in linked["items"])
    assert linked["next_cursor"] is None
    found = linking.list_users(RECRUITER, "acct-1", query="BOB.builder")
    assert [u["userId"] for u in found["items"]] == ["u-bob"]
    with pytest.raises(NotFound):
        linking.list_users(RECRUITER.model_copy(update={"account_id": "acct-2"}), "acct-1")


def test_scheduled_refresh_relinks_and_respects_the_budget(world: SeatWorld) -> None:
    world.enabled()
    world.add_seats(SEATS)
    linking = world.linking()
    linking.auto_link(ADMIN, "acct-1")
    assert linking.refresh_due()["contracts"] == []  # nothing due yet
    world.add_seats([{"firstName": "Hal", "lastName": "H", "email": "HAL@acme.example"}])  # a new seat
    world.clock.advance(6 * 3600 + 1)
    done = linking.refresh_due()["contracts"]
    assert done == [{"accountId": "acct-1", "contractId": "7001", "result": "refreshed", "linked": 4, "seats": 9}]
    assert links_of(world)[world.seat_id("HAL@acme.example")] == "u-hal"
    # Out of budget: postponed to after midnight UTC, never dropped.
    world.clock.advance(6 * 3600 + 1)
    tight = SeatLinking(
        world.repo, world.store, world.secrets, world.http(), world.users, clock=world.clock.now, calls_per_day=0
    )
    assert tight.refresh_due()["contracts"][0]["result"] == "postponed"
    assert tight.refresh_due()["contracts"] == []
