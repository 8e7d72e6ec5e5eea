"""The automatic seat-linking rules, one by one (rsc_connector.seats.matching)."""

from __future__ import annotations

from rsc_connector.linkedin.seats import Seat
from rsc_connector.seats.matching import UserRecord, match, normalize_email


def seat(seat_id: str, email: str | None, first: str = "Sam", last: str = "Seat") -> Seat:
    return Seat(seat_id, "urn:li:contract:7001", f"urn:li:person:p{seat_id}", first, last, email, admin=False)


def user(user_id: str, *emails: str, active: bool = True) -> UserRecord:
    return UserRecord(user_id, "Uma", user_id, tuple(emails), "recruiter", active)


def linked_pairs(result: object) -> set[tuple[str, str]]:
    return {(p.seat.seat_id, p.user.user_id) for p in result.proposals}  # type: ignore[attr-defined]


def test_exact_email_links() -> None:
    result = match([seat("1", "ada@acme.example")], [user("u1", "ada@acme.example")], {}, {})
    assert linked_pairs(result) == {("1", "u1")}
    assert result.unmatched_seats == [] and result.unmatched_users == []


def test_case_and_whitespace_do_not_matter() -> None:
    assert normalize_email(" Ada.Lovelace@Acme.Example\t") == "ada.lovelace@acme.example"
    result = match([seat("1", "ada.lovelace@acme.example")], [user("u1", "  Ada.Lovelace@ACME.example ")], {}, {})
    assert linked_pairs(result) == {("1", "u1")}


def test_any_of_the_users_emails_counts() -> None:
    result = match(
        [seat("1", "ada.home@mail.example")], [user("u1", "ada@acme.example", "ada.home@mail.example")], {}, {}
    )
    assert linked_pairs(result) == {("1", "u1")}


def test_shared_email_is_ambiguous_and_reported_not_guessed() -> None:
    result = match(
        [seat("1", "talent@acme.example")],
        [user("u1", "talent@acme.example"), user("u2", "TALENT@acme.example")],
        {},
        {},
    )
    assert result.proposals == []
    (unmatched,) = result.unmatched_seats
    assert (
        "Several ATS users share this email" in unmatched.reason
        and "u1" in unmatched.reason
        and "u2" in unmatched.reason
    )
    assert {u.id for u in result.unmatched_users} == {"u1", "u2"}


def test_a_user_matching_two_seats_is_ambiguous() -> None:
    seats = [seat("1", "ada@acme.example"), seat("2", "ada.home@mail.example")]
    result = match(seats, [user("u1", "ada@acme.example", "ada.home@mail.example")], {}, {})
    assert result.proposals == []
    assert all("several seats" in u.reason for u in result.unmatched_seats)
    assert "several seats" in result.unmatched_users[0].reason


def test_two_seats_with_one_email_are_ambiguous() -> None:
    result = match(
        [seat("1", "ada@acme.example"), seat("2", "Ada@acme.example")], [user("u1", "ada@acme.example")], {}, {}
    )
    assert result.proposals == []
    assert all("Several Recruiter seats" in u.reason for u in result.unmatched_seats)


def test_inactive_users_are_never_linked() -> None:
    result = match([seat("1", "old@acme.example")], [user("u1", "old@acme.example", active=False)], {}, {})
    assert result.proposals == []
    assert result.unmatched_seats[0].reason == "The only ATS user with this email is deactivated."
    assert "Deactivated" in result.unmatched_users[0].reason


def test_an_inactive_twin_does_not_make_an_active_user_ambiguous() -> None:
    users = [user("u1", "ada@acme.example"), user("u2", "ada@acme.example", active=False)]
    assert linked_pairs(match([seat("1", "ada@acme.example")], users, {}, {})) == {("1", "u1")}


def test_seat_without_email_and_user_without_email() -> None:
    result = match([seat("1", None)], [user("u1")], {}, {})
    assert result.proposals == []
    assert "no email" in result.unmatched_seats[0].reason
    assert "No email in the ATS" in result.unmatched_users[0].reason


def test_different_email_at_linkedin_is_left_for_the_admin() -> None:
    result = match([seat("1", "ada.personal@mail.example")], [user("u1", "ada@acme.example")], {}, {})
    assert result.proposals == []
    assert "No ATS user has this email" in result.unmatched_seats[0].reason
    assert "link by hand" in result.unmatched_users[0].reason


def test_existing_links_are_never_changed() -> None:
    # Seat 1 is linked by hand to u9; u1's email matches seat 1 but the seat is taken: nothing is proposed.
    result = match(
        [seat("1", "ada@acme.example")],
        [user("u1", "ada@acme.example"), user("u9", "x@acme.example")],
        {"1": "u9"},
        {"u9": "1"},
    )
    assert result.proposals == [] and result.already_linked == 1
    # u1 linked by hand to seat 2 already: seat 1 with u1's email is not given to u1 as well.
    result = match(
        [seat("1", "ada@acme.example"), seat("2", "other@x.example")],
        [user("u1", "ada@acme.example")],
        {"2": "u1"},
        {"u1": "2"},
    )
    assert result.proposals == []
    assert "already linked to another seat" in result.unmatched_seats[0].reason


def test_a_pair_an_admin_unlinked_is_not_linked_again() -> None:
    result = match([seat("1", "ada@acme.example")], [user("u1", "ada@acme.example")], {}, {}, blocked={("1", "u1")})
    assert result.proposals == []
    assert "An admin unlinked" in result.unmatched_seats[0].reason


def test_the_fake_ats_scenarios_link_exactly_the_expected_users() -> None:
    """Cross-check against the generator's own truth (each seat's expected_user_id)."""
    from fake_ats.people import build_seat_holders, build_users
    from fake_ats.spec import DatasetSpec

    spec = DatasetSpec(seed=7, users=40)
    users = build_users(spec)
    holders = build_seat_holders(spec, users)
    seats = [seat(str(1000 + i), h.email, h.first_name, h.last_name) for i, h in enumerate(holders)]
    records = [UserRecord(u.id, u.first_name, u.last_name, u.emails, u.role, u.active) for u in users]
    result = match(seats, records, {}, {})
    expected = {(str(1000 + i), h.expected_user_id) for i, h in enumerate(holders) if h.expected_user_id}
    assert linked_pairs(result) == expected
    assert len(result.proposals) + len(result.unmatched_seats) == len(seats)
