"""boto3 clients, built lazily and cached per container (never at import time)."""

from __future__ import annotations

import functools
from typing import Any

from botocore.config import Config

# 32 connections: the enablement poll calls from 32 threads (botocore keeps 10 and warns beyond them).
BOTO_CONFIG = Config(
    retries={"mode": "standard", "max_attempts": 5}, connect_timeout=3, read_timeout=10, max_pool_connections=32
)


@functools.cache
def client(service: str) -> Any:
    import boto3  # imported here: API handlers that never touch AWS keep their cold start small

    return boto3.client(service, config=BOTO_CONFIG)  # type: ignore[call-overload]


@functools.cache
def dynamodb_table(name: str) -> Any:
    import boto3

    return boto3.resource("dynamodb", config=BOTO_CONFIG).Table(name)


def clear_caches() -> None:
    client.cache_clear()
    dynamodb_table.cache_clear()
