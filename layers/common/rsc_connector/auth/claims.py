"""Who is calling: the ATS user's claims, as the authorizer passes them to every handler."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from rsc_connector.errors import NotFound, RequirementNotMet, Unauthenticated

Identifier = Annotated[str, Field(min_length=1, max_length=128, pattern=r"^[A-Za-z0-9_.:-]+$")]

# The ATS roles allowed to set up the integration and change seat links (the seed: "Admin/Owner").
ADMIN_ROLES = frozenset({"admin", "owner"})
ENTERPRISE_PLAN = "enterprise"


class Role(StrEnum):
    OWNER = "owner"
    ADMIN = "admin"
    RECRUITER = "recruiter"
    HIRING_MANAGER = "hiring_manager"
    INTERVIEWER = "interviewer"
    LIMITED = "limited"


class Caller(BaseModel):
    """The authenticated ATS user. Built only from the authorizer's context, never from the request body."""

    model_config = ConfigDict(frozen=True)

    account_id: Identifier
    user_id: Identifier
    role: str = Field(min_length=1, max_length=64)
    plan: str = Field(min_length=1, max_length=64)

    @classmethod
    def from_jwt_claims(cls, claims: dict[str, Any]) -> Caller:
        try:
            return cls(
                account_id=str(claims.get("account_id", "")),
                user_id=str(claims.get("sub", "")),
                role=str(claims.get("role", "")).lower(),
                plan=str(claims.get("plan", "")).lower(),
            )
        except ValidationError as exc:
            raise Unauthenticated("token claims are incomplete (account_id, sub, role, plan)") from exc

    @classmethod
    def from_authorizer_context(cls, context: dict[str, Any] | None) -> Caller:
        if not context or "accountId" not in context:
            raise Unauthenticated("request was not authenticated")
        try:
            return cls(
                account_id=str(context["accountId"]),
                user_id=str(context.get("userId", "")),
                role=str(context.get("role", "")),
                plan=str(context.get("plan", "")),
            )
        except ValidationError as exc:
            raise Unauthenticated("authorizer context is incomplete") from exc

    def to_authorizer_context(self) -> dict[str, str]:
        return {"accountId": self.account_id, "userId": self.user_id, "role": self.role, "plan": self.plan}

    @property
    def is_admin(self) -> bool:
        return self.role in ADMIN_ROLES

    def ensure_account(self, account_id: str) -> None:
        """A token for one account never reads or changes another: answer as if it did not exist."""
        if account_id != self.account_id:
            raise NotFound(f"account {account_id} not found")

    def require_admin(self, action: str) -> None:
        if not self.is_admin:
            raise RequirementNotMet(
                f"Only an account Admin or Owner can {action}; your role is '{self.role}'.",
                code="ROLE_NOT_ALLOWED",
                details={"requiredRoles": sorted(ADMIN_ROLES), "role": self.role},
            )

    def require_enterprise(self) -> None:
        if self.plan != ENTERPRISE_PLAN:
            raise RequirementNotMet(
                "LinkedIn Recruiter System Connect is available on the Enterprise plan; "
                f"this account is on the '{self.plan}' plan. Upgrade to Enterprise to activate it.",
                code="PLAN_NOT_ENTERPRISE",
                details={"requiredPlan": ENTERPRISE_PLAN, "plan": self.plan},
            )
