"""Users and the Recruiter seat holders derived from the same seed (for seat linking)."""

from __future__ import annotations

import dataclasses
import re

import fake_ats
from fake_ats import DatasetSpec
from tests.fake_ats.support import EMAIL


def users_by_scenario(spec: DatasetSpec) -> dict[str, list[fake_ats.UserProfile]]:
    out: dict[str, list[fake_ats.UserProfile]] = {}
    for user in fake_ats.user_profiles(spec):
        out.setdefault(user.scenario, []).append(user)
    return out


def test_users_cover_every_seat_linking_case() -> None:
    spec = DatasetSpec(seed=4, users=24)
    users = users_by_scenario(spec)
    records = list(fake_ats.records(spec, "acct", "users"))
    assert [u.record() for u in fake_ats.user_profiles(spec)] == records
    assert {
        "exact",
        "case_variant",
        "secondary_email",
        "different_email",
        "shared_email",
        "inactive",
        "no_seat",
        "no_email",
        "inactive_no_seat",
    } <= set(users)
    roles = {record["role"] for record in records}
    assert roles == {"owner", "admin", "recruiter", "hiring_manager", "interviewer"}
    for record in records:
        if record["role"] in ("owner", "admin"):
            assert record["emails"], record  # admins and owners always have an email
        assert all(EMAIL.match(email) for email in record["emails"])
    case = users["case_variant"][0]
    assert case.emails[0] != case.emails[0].lower() and case.linkedin_email == case.emails[0].lower()
    secondary = users["secondary_email"][0]
    assert secondary.linkedin_email == secondary.emails[1] != secondary.emails[0]
    different = users["different_email"][0]
    assert different.linkedin_email not in different.emails
    first, second = users["shared_email"]
    assert first.emails[0] == second.emails[0] and first.id != second.id
    assert not users["inactive"][0].active and not users["inactive_no_seat"][0].active
    assert users["no_email"][0].emails == ()


def test_seat_holders_and_their_expected_links() -> None:
    spec = DatasetSpec(seed=4, users=24)
    users = {user.id: user for user in fake_ats.user_profiles(spec)}
    seats = fake_ats.seat_holders(spec)
    assert fake_ats.seat_holder_emails(spec) == [seat.email for seat in seats if seat.email is not None]
    by_scenario: dict[str, list[fake_ats.SeatHolder]] = {}
    for seat in seats:
        by_scenario.setdefault(seat.scenario, []).append(seat)
        assert seat.email is None or EMAIL.match(seat.email)
    assert by_scenario["no_user"] and all(not s.matching_user_ids for s in by_scenario["no_user"])
    assert all(s.expected_user_id and users[s.expected_user_id].active for s in by_scenario["exact"])
    case = by_scenario["case_variant"][0]
    assert case.expected_user_id and case.email != users[case.expected_user_id].emails[0]
    assert case.email == users[case.expected_user_id].emails[0].lower()
    assert by_scenario["secondary_email"][0].expected_user_id is not None
    assert by_scenario["different_email"][0].expected_user_id is None
    shared = by_scenario["shared_email"]
    assert len(shared) == 1 and len(shared[0].matching_user_ids) == 2 and shared[0].expected_user_id is None
    inactive = by_scenario["inactive"][0]
    assert len(inactive.matching_user_ids) == 1 and inactive.expected_user_id is None
    assert any(seat.admin for seat in seats) and not all(seat.admin for seat in seats)
    # the rule behind expected_user_id: exactly one active user with that email, ignoring case
    for seat in seats:
        email = (seat.email or "").lower()
        active = [u.id for u in users.values() if u.active and email in {e.lower() for e in u.emails}]
        assert seat.expected_user_id == (active[0] if len(active) == 1 else None)


def test_one_seat_without_email_and_a_member_id_for_every_seat() -> None:
    spec = DatasetSpec(seed=4, users=24)
    seats = fake_ats.seat_holders(spec)
    no_email = [seat for seat in seats if seat.scenario == "no_email"]
    assert len(no_email) == 1 and seats[-1] is no_email[0]
    assert no_email[0].email is None and no_email[0].expected_user_id is None
    assert no_email[0].matching_user_ids == () and no_email[0].first_name and no_email[0].last_name
    assert [seat.email for seat in seats].count(None) == 1
    ids = [seat.member_id for seat in seats]
    assert len(set(ids)) == len(ids) and all(re.fullmatch(r"m[0-9a-f]{8}", i) for i in ids)
    assert ids == [seat.member_id for seat in fake_ats.seat_holders(dataclasses.replace(spec))]  # stable
    assert ids != [seat.member_id for seat in fake_ats.seat_holders(dataclasses.replace(spec, seed=5))]
    # adding users appends seats: the member ids of the seats both specs have at one place stay the same
    grown = fake_ats.seat_holders(dataclasses.replace(spec, users=25))
    assert [s.member_id for s in grown[:5]] == ids[:5]
    assert "no_email" not in {seat.scenario for seat in fake_ats.seat_holders(DatasetSpec(seed=4, users=7))}
    assert [s.scenario for s in fake_ats.seat_holders(DatasetSpec(seed=4, users=8))].count("no_email") == 1


def test_users_and_seats_are_deterministic_and_seed_dependent() -> None:
    spec = DatasetSpec(seed=4, users=24)
    assert fake_ats.seat_holders(spec) == fake_ats.seat_holders(dataclasses.replace(spec))
    assert fake_ats.seat_holder_emails(spec) != fake_ats.seat_holder_emails(dataclasses.replace(spec, seed=5))


def test_company_domain_and_small_user_counts() -> None:
    spec = DatasetSpec(seed=1, users=5, company="Acme Corp")
    users = fake_ats.user_profiles(spec)
    assert len(users) == 5 and users[0].role == "owner"
    assert all(email.lower().endswith("@acmecorp.example") for user in users for email in user.emails[:1])
    assert "shared_email" not in {user.scenario for user in users}  # a shared email needs both of its users
    assert fake_ats.seat_holders(DatasetSpec(users=0)) == []
