"""Configuration of the local stack: every outside party (LinkedIn, the ATS) is configuration.

A :class:`LocalStackConfig` is built in code, from a JSON file (same field names, nested) or from
``RSC_LOCAL_*`` environment variables (see :data:`ENV_VARS`); :meth:`LocalStackConfig.load` combines them
(file first, then the variables).
"""

from __future__ import annotations

import dataclasses
import json
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, Protocol, runtime_checkable

from rsc_local.errors import ConfigError

DUMMY_CREDENTIALS = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing"}
"""What every boto3 client of the local stack (and the handlers) authenticates to moto with."""


@runtime_checkable
class LocalService(Protocol):
    """A local stand-in for an outside party (the LinkedIn emulator, the fake ATS) that the stack starts.

    Optional extras the stack uses when present: ``reset()`` (called by ``LocalStack.reset_data``) and, for the
    ATS, ``token`` (the credential seeded into the ATS secret when the configuration names none).
    """

    @property
    def base_url(self) -> str: ...

    def start(self) -> None: ...

    def stop(self) -> None: ...


ServiceFactory = Callable[..., LocalService]


@dataclass
class LinkedInSettings:
    """Which LinkedIn the handlers talk to.

    ``mode="emulator"`` starts ``linkedin_emulator.LinkedInEmulator`` on 127.0.0.1 and points the template's
    LinkedIn URL parameters at it; the partner secret is seeded with the partner credentials it accepts
    (``client_id``/``client_secret``, or local defaults). ``mode="external"`` uses the given base URLs (None keeps
    the template defaults, i.e. the real LinkedIn) and seeds the partner secret only when both credentials are set.
    """

    mode: Literal["emulator", "external"] = "emulator"
    api_base_url: str | None = None
    oauth_base_url: str | None = None
    client_id: str | None = None
    client_secret: str | None = None
    port: int = 0


@dataclass
class AtsSettings:
    """Which ATS export API the handlers talk to.

    ``base_url`` set: an external ATS at that URL (nothing is started). Otherwise a local service is started from
    ``factory`` (a callable) or ``service`` (an import path ``"package.module:attribute"``, by default the fake
    ATS), called with ``**options``; it must return a :class:`LocalService`, and the template's ATS base URL
    parameter points at its ``base_url``. With neither, the template's default URL stays. ``credential`` (e.g.
    ``{"token": ...}``) is seeded into the secret the template names in the ``ats_secret_env`` variable; for a
    local service without one, ``{"token": service.token}`` is seeded when the service has a ``token``.
    """

    service: str | None = "fake_ats:service"
    options: dict[str, Any] = field(default_factory=dict)
    base_url: str | None = None
    credential: dict[str, Any] | None = None
    factory: ServiceFactory | None = field(default=None, compare=False)


@dataclass
class Bindings:
    """Names through which the stack wires itself into the template; a binding whose parameter or variable
    the template does not declare is skipped."""

    stage_parameter: str = "Stage"
    public_base_url_parameter: str = "PublicBaseUrl"
    sender_email_parameter: str = "SenderEmail"
    linkedin_api_parameter: str = "LinkedInApiBaseUrl"
    linkedin_oauth_parameter: str = "LinkedInOAuthBaseUrl"
    ats_base_url_parameter: str = "AtsBaseUrl"
    partner_secret_env: str = "PARTNER_SECRET_NAME"
    ats_secret_env: str = "ATS_API_SECRET_NAME"


@dataclass
class LocalStackConfig:
    """Everything the local stack needs; the defaults start the full stack on free ports.

    Attributes:
        template: Path of the SAM template (relative paths in it are relative to its directory).
        stack_name: CloudFormation stack name in moto.
        region: AWS region for moto and the handlers.
        stage: Value for the template's stage parameter (``bindings.stage_parameter``); None keeps its default.
        parameters: Further parameter overrides (the stack's own bindings win over these).
        host: Interface every local server binds to.
        moto_port, api_port: Ports of moto and of the API adapter; 0 picks a free port.
        control_port: Port of the control API (used by ``rsc-local up`` and detached stacks); None = no control API.
        secrets: Secret name -> value (dict/list = JSON, str = as is) written after the deploy; secrets the template
            declares get a new version, others are created.
        linkedin, ats: The outside parties (see :class:`LinkedInSettings`, :class:`AtsSettings`).
        bindings: Parameter/variable names used to wire the above into the template.
        event_sources: Start the SQS pollers that stand in for Lambda event source mappings.
        default_max_concurrency: Concurrent batches per SQS event source without ScalingConfig.MaximumConcurrency
            (Lambda's real bound is the account concurrency; a small number keeps a laptop responsive).
        poll_wait_seconds: Long-poll wait of the SQS pollers (bounds how long stopping takes).
        scheduler: Fire the template's schedules in the background.
        time_scale: Local time runs this many times faster for schedules, Step Functions Wait states and retry
            intervals (1 = real time).
        enforce_timeouts: Report an invocation that outlives the function's Timeout as ``Sandbox.Timedout``
            (the handler still runs to the end; threads cannot be killed).
        ignore_resource_types: Extra resource types to leave out of moto (beyond the built-in list).
        primary_api: Logical id of the API whose URL becomes ``api_url``/PublicBaseUrl when there are several.
        sender_identities: Extra SES identities to verify (the sender email parameter is always verified).
    """

    template: Path = Path("template.yaml")
    stack_name: str = "rsc-local"
    region: str = "us-east-1"
    stage: str | None = None
    parameters: dict[str, str] = field(default_factory=dict)
    host: str = "127.0.0.1"
    moto_port: int = 0
    api_port: int = 0
    control_port: int | None = None
    secrets: dict[str, Any] = field(default_factory=dict)
    linkedin: LinkedInSettings = field(default_factory=LinkedInSettings)
    ats: AtsSettings = field(default_factory=AtsSettings)
    bindings: Bindings = field(default_factory=Bindings)
    event_sources: bool = True
    default_max_concurrency: int = 5
    poll_wait_seconds: int = 1
    scheduler: bool = False
    time_scale: float = 1.0
    enforce_timeouts: bool = True
    ignore_resource_types: list[str] = field(default_factory=list)
    primary_api: str | None = None
    sender_identities: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.template = Path(self.template)
        if self.time_scale <= 0:
            raise ConfigError("time_scale must be positive")
        if self.default_max_concurrency < 1:
            raise ConfigError("default_max_concurrency must be at least 1")
        if not 0 <= self.poll_wait_seconds <= 20:
            raise ConfigError("poll_wait_seconds must be between 0 and 20 (SQS's limit)")
        if self.linkedin.mode not in ("emulator", "external"):
            raise ConfigError(f"linkedin.mode must be 'emulator' or 'external', not {self.linkedin.mode!r}")

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> LocalStackConfig:
        """Build from plain data (the JSON file's shape); unknown keys are an error."""
        nested = {"linkedin": LinkedInSettings, "ats": AtsSettings, "bindings": Bindings}
        kwargs: dict[str, Any] = {}
        for key, value in data.items():
            if key not in _field_names(cls):
                raise ConfigError(f"unknown configuration key {key!r}")
            if key in nested:
                sub = nested[key]
                unknown = set(value) - _field_names(sub)
                if unknown:
                    raise ConfigError(f"unknown keys in {key!r}: {sorted(unknown)}")
                value = sub(**value)
            kwargs[key] = value
        return cls(**kwargs)

    def to_dict(self) -> dict[str, Any]:
        """Plain data that :meth:`from_dict` accepts; a programmatic ATS factory cannot be carried over."""
        if self.ats.factory is not None:
            raise ConfigError("ats.factory is a callable; use ats.service ('module:attribute') to serialise")
        data = dataclasses.asdict(self)
        data["template"] = str(self.template)
        data["ats"].pop("factory")
        return data

    @classmethod
    def from_file(cls, path: Path) -> LocalStackConfig:
        try:
            data = json.loads(Path(path).read_text())
        except (OSError, ValueError) as exc:
            raise ConfigError(f"cannot read configuration file {path}: {exc}") from exc
        config = cls.from_dict(data)
        if not config.template.is_absolute():
            config.template = Path(path).resolve().parent / config.template
        return config

    @classmethod
    def load(
        cls, environ: Mapping[str, str] | None = None, *, base: LocalStackConfig | None = None
    ) -> LocalStackConfig:
        """``base`` (or the JSON file named by RSC_LOCAL_CONFIG, or the defaults), then RSC_LOCAL_* overrides."""
        environ = os.environ if environ is None else environ
        if base is not None:
            config = dataclasses.replace(base)
        elif environ.get("RSC_LOCAL_CONFIG"):
            config = cls.from_file(Path(environ["RSC_LOCAL_CONFIG"]))
        else:
            config = cls()
        for name, (path, parse) in ENV_VARS.items():
            if name in environ and environ[name] != "":
                try:
                    value = parse(environ[name])
                except ValueError as exc:
                    raise ConfigError(f"{name}: {exc}") from exc
                _set_path(config, path, value)
        config.__post_init__()
        return config


def _field_names(cls: type) -> set[str]:
    return {f.name for f in dataclasses.fields(cls)}


def _set_path(config: LocalStackConfig, path: str, value: Any) -> None:
    target: Any = config
    *parents, leaf = path.split(".")
    for parent in parents:
        target = getattr(target, parent)
    setattr(target, leaf, value)


def _parse_bool(text: str) -> bool:
    lowered = text.strip().lower()
    if lowered in ("1", "true", "yes", "on"):
        return True
    if lowered in ("0", "false", "no", "off"):
        return False
    raise ValueError(f"not a boolean: {text!r}")


def _parse_json_object(text: str) -> dict[str, Any]:
    value = json.loads(text)
    if not isinstance(value, dict):
        raise ValueError("expected a JSON object")
    return value


def _parse_token(text: str) -> dict[str, Any]:
    return {"token": text}


ENV_VARS: dict[str, tuple[str, Callable[[str], Any]]] = {
    "RSC_LOCAL_TEMPLATE": ("template", Path),
    "RSC_LOCAL_STACK_NAME": ("stack_name", str),
    "RSC_LOCAL_REGION": ("region", str),
    "RSC_LOCAL_STAGE": ("stage", str),
    "RSC_LOCAL_PARAMETERS": ("parameters", _parse_json_object),
    "RSC_LOCAL_HOST": ("host", str),
    "RSC_LOCAL_MOTO_PORT": ("moto_port", int),
    "RSC_LOCAL_API_PORT": ("api_port", int),
    "RSC_LOCAL_CONTROL_PORT": ("control_port", int),
    "RSC_LOCAL_SECRETS": ("secrets", _parse_json_object),
    "RSC_LOCAL_EVENT_SOURCES": ("event_sources", _parse_bool),
    "RSC_LOCAL_SCHEDULER": ("scheduler", _parse_bool),
    "RSC_LOCAL_TIME_SCALE": ("time_scale", float),
    "RSC_LOCAL_ENFORCE_TIMEOUTS": ("enforce_timeouts", _parse_bool),
    "RSC_LOCAL_LINKEDIN_MODE": ("linkedin.mode", str),
    "RSC_LOCAL_LINKEDIN_API_BASE_URL": ("linkedin.api_base_url", str),
    "RSC_LOCAL_LINKEDIN_OAUTH_BASE_URL": ("linkedin.oauth_base_url", str),
    "RSC_LOCAL_LINKEDIN_CLIENT_ID": ("linkedin.client_id", str),
    "RSC_LOCAL_LINKEDIN_CLIENT_SECRET": ("linkedin.client_secret", str),
    "RSC_LOCAL_LINKEDIN_PORT": ("linkedin.port", int),
    "RSC_LOCAL_ATS_SERVICE": ("ats.service", str),
    "RSC_LOCAL_ATS_OPTIONS": ("ats.options", _parse_json_object),
    "RSC_LOCAL_ATS_BASE_URL": ("ats.base_url", str),
    "RSC_LOCAL_ATS_TOKEN": ("ats.credential", _parse_token),
    "RSC_LOCAL_ATS_CREDENTIAL": ("ats.credential", _parse_json_object),
}
"""Environment variable -> (config field path, parser)."""
