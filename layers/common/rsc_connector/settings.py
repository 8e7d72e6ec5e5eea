"""Configuration of every function, parsed once from the environment and validated at cold start."""

from __future__ import annotations

import functools
import os
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

NonEmpty = Annotated[str, Field(min_length=1)]


class Settings(BaseModel):
    """The environment template.yaml's Globals give every function (names as in the template)."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    STAGE: NonEmpty
    TABLE_NAME: NonEmpty
    ATS_NAME: NonEmpty = "JobScore"
    LINKEDIN_API_BASE_URL: NonEmpty = "https://api.linkedin.com/v2"
    LINKEDIN_OAUTH_BASE_URL: NonEmpty = "https://www.linkedin.com/oauth/v2"
    PUBLIC_BASE_URL: str = ""
    ATS_APP_URL: NonEmpty
    ATS_JS_SDK_DOMAIN: NonEmpty
    ATS_BASE_URL: str = ""
    SENDER_EMAIL: str = ""
    PARTNER_SECRET_NAME: NonEmpty
    ATS_JWT_SECRET_NAME: NonEmpty
    ATS_API_SECRET_NAME: str = ""
    CUSTOMER_SECRET_PREFIX: NonEmpty
    INITIAL_SYNC_STATE_MACHINE_ARN: str = ""
    DEACTIVATION_STATE_MACHINE_ARN: str = ""
    SYNC_QUEUE_URL: str = ""
    SYNC_BUCKET: str = ""
    IDEMPOTENCY_TABLE_NAME: str = ""
    # The customer's LinkedIn ceiling (linkedin-rsc-api.md 5.4); lower them, never raise them above LinkedIn's.
    LINKEDIN_SYNC_RECORDS_PER_MINUTE: int = Field(default=10_000, ge=200)  # template MinValue
    LINKEDIN_SYNC_CALLS_PER_DAY: int = Field(default=100_000, gt=0)
    SYNC_STALL_SECONDS: int = Field(default=1800, gt=0)
    # Seconds an OAuth state stays valid (the 10 minutes).
    OAUTH_STATE_TTL_SECONDS: int = Field(default=600, gt=0)


@functools.cache
def get_settings() -> Settings:
    """Settings from os.environ; cached for the life of the Lambda container (clear with cache_clear)."""
    return Settings.model_validate(dict(os.environ))
