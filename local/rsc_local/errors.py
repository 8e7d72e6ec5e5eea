"""Exceptions raised by the local stack."""

from __future__ import annotations


class LocalStackError(Exception):
    """Base class: the local stack cannot do what was asked (bad template, bad config, failed deploy)."""


class TemplateError(LocalStackError):
    """The template uses something the local stack cannot map faithfully; the message says what and where."""


class ConfigError(LocalStackError):
    """The local-stack configuration is invalid."""


class EnvironmentConflictError(LocalStackError):
    """Two functions resolve the same environment variable to different values.

    All handlers share one process (and so one ``os.environ``), which is only faithful when every function
    sees the same variables: the template gives every function the same Globals environment by design.
    """


class DeployError(LocalStackError):
    """Creating the template's resources in moto failed."""


class FunctionError(LocalStackError):
    """A function invocation failed, as Lambda reports it (``errorType`` and ``errorMessage``).

    When the handler raised, the original exception is chained as ``__cause__``.
    """

    def __init__(self, function_name: str, error_type: str, error_message: str) -> None:
        super().__init__(f"{function_name} failed: {error_type}: {error_message}")
        self.function_name = function_name
        self.error_type = error_type
        self.error_message = error_message
