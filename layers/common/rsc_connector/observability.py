"""Logger, shared by every module. Never pass secrets, tokens or candidate PII to it."""

from __future__ import annotations

from aws_lambda_powertools import Logger

logger = Logger(service="rsc-connector")
