"""Who may do what, and how the customer's LinkedIn app is named."""

import pytest

from rsc_connector.auth.claims import Caller
from rsc_connector.errors import NotFound, RequirementNotMet, Unauthenticated
from rsc_connector.onboarding import child_app_name


def caller(role="admin", plan="enterprise", account="a1"):
    return Caller(account_id=account, user_id="u1", role=role, plan=plan)


@pytest.mark.parametrize("role", ["admin", "owner"])
def test_admin_and_owner_may_set_up(role):
    caller(role=role).require_admin("activate")


@pytest.mark.parametrize("role", ["recruiter", "hiring_manager", "interviewer"])
def test_other_roles_get_a_403_naming_the_requirement(role):
    with pytest.raises(RequirementNotMet) as err:
        caller(role=role).require_admin("activate the LinkedIn integration")
    assert err.value.code == "ROLE_NOT_ALLOWED"
    assert "Admin or Owner" in err.value.message and role in err.value.message


@pytest.mark.parametrize("plan", ["basic", "plus", "trial"])
def test_only_enterprise_may_activate(plan):
    with pytest.raises(RequirementNotMet) as err:
        caller(plan=plan).require_enterprise()
    assert err.value.code == "PLAN_NOT_ENTERPRISE" and "Enterprise" in err.value.message


def test_a_token_never_reaches_another_account():
    with pytest.raises(NotFound):
        caller(account="a1").ensure_account("a2")


def test_claims_need_account_user_role_plan():
    with pytest.raises(Unauthenticated):
        Caller.from_jwt_claims({"sub": "u1", "role": "admin", "plan": "enterprise"})
    with pytest.raises(Unauthenticated):
        Caller.from_jwt_claims({"sub": "u1", "account_id": "../etc", "role": "admin", "plan": "enterprise"})
    assert Caller.from_jwt_claims({"sub": "u1", "account_id": "a1", "role": "Admin", "plan": "Enterprise"}).is_admin


@pytest.mark.parametrize(
    ("company", "expected"),
    [
        ("Acme", "JobScore - Acme"),
        ("Acme LinkedIn Team", "JobScore - Acme Team"),
        ("A" * 80, "JobScore - " + "A" * 38 + "…"),
    ],
)
def test_child_app_name_follows_linkedins_rules(company, expected):
    name = child_app_name("JobScore", company)
    assert name == expected
    assert len(name) <= 50 and "linkedin" not in name.lower()
