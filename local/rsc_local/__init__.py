"""The embedded local stack: template.yaml deployed into moto, with the real handlers behind Lambda-like
event sources, an API Gateway adapter and schedules (see docs/local-stack.md)."""

from typing import TYPE_CHECKING, Any

from rsc_local.config import AtsSettings, Bindings, LinkedInSettings, LocalService, LocalStackConfig
from rsc_local.errors import (
    ConfigError,
    DeployError,
    EnvironmentConflictError,
    FunctionError,
    LocalStackError,
    TemplateError,
)

if TYPE_CHECKING:
    from rsc_local.stack import LocalStack

__all__ = [
    "AtsSettings",
    "Bindings",
    "ConfigError",
    "DeployError",
    "EnvironmentConflictError",
    "FunctionError",
    "LinkedInSettings",
    "LocalService",
    "LocalStack",
    "LocalStackConfig",
    "LocalStackError",
    "TemplateError",
]


def __getattr__(name: str) -> Any:
    # LocalStack pulls in moto (seconds of imports); the CLI's status/down and the client do not need it.
    if name == "LocalStack":
        from rsc_local.stack import LocalStack

        return LocalStack
    raise AttributeError(f"module 'rsc_local' has no attribute {name!r}")
