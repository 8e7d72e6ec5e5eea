"""The outside parties: LinkedIn (emulator or external) and the ATS export API (local service or external)."""

from __future__ import annotations

import importlib
import logging
from dataclasses import dataclass
from typing import Any

from rsc_local.config import AtsSettings, LinkedInSettings, LocalService, ServiceFactory
from rsc_local.errors import ConfigError

log = logging.getLogger(__name__)

DEFAULT_PARTNER_CLIENT_ID = "rsc-local-partner"
DEFAULT_PARTNER_CLIENT_SECRET = "rsc-local-partner-secret"


@dataclass
class LinkedInEndpoints:
    """Where the handlers reach LinkedIn, and the partner credentials to seed (None = leave the secret alone)."""

    api_base_url: str | None
    oauth_base_url: str | None
    client_id: str | None
    client_secret: str | None
    emulator: Any | None = None

    def partner_secret(self) -> dict[str, str] | None:
        if self.client_id is None or self.client_secret is None:
            return None
        return {"client_id": self.client_id, "client_secret": self.client_secret}


def start_linkedin(settings: LinkedInSettings, host: str) -> LinkedInEndpoints:
    """Start the emulator (``mode="emulator"``) or describe the external LinkedIn."""
    if settings.mode == "external":
        return LinkedInEndpoints(
            api_base_url=settings.api_base_url,
            oauth_base_url=settings.oauth_base_url,
            client_id=settings.client_id,
            client_secret=settings.client_secret,
        )
    try:
        from linkedin_emulator import LinkedInEmulator
    except ImportError as exc:
        raise ConfigError(
            f"linkedin.mode is 'emulator' but the linkedin_emulator package cannot be imported ({exc}); "
            "use linkedin.mode='external' (RSC_LOCAL_LINKEDIN_MODE=external) to run without it"
        ) from exc
    client_id = settings.client_id or DEFAULT_PARTNER_CLIENT_ID
    client_secret = settings.client_secret or DEFAULT_PARTNER_CLIENT_SECRET
    emulator = LinkedInEmulator(
        host=host,
        port=settings.port,
        partner_client_id=client_id,
        partner_client_secret=client_secret,
        allow_insecure_callbacks=True,
    )
    emulator.start()
    log.info("LinkedIn emulator at %s", emulator.base_url)
    return LinkedInEndpoints(
        api_base_url=str(emulator.api_base_url),
        oauth_base_url=str(emulator.oauth_base_url),
        client_id=client_id,
        client_secret=client_secret,
        emulator=emulator,
    )


def start_ats(settings: AtsSettings) -> LocalService | None:
    """Start the configured local ATS service, if any (None: an external ATS at ``settings.base_url``, or the
    template's default)."""
    if settings.base_url:
        return None
    factory = settings.factory or (load_factory(settings.service) if settings.service else None)
    if factory is None:
        return None
    service = factory(**settings.options)
    if not isinstance(service, LocalService):
        raise ConfigError(f"the ATS factory returned {service!r}, which has no start()/stop()/base_url")
    service.start()
    log.info("local ATS at %s", service.base_url)
    return service


def ats_credential(settings: AtsSettings, service: LocalService | None) -> dict[str, Any] | None:
    """The ATS credential to seed: the configured one, else the local service's token."""
    if settings.credential is not None:
        return settings.credential
    token = getattr(service, "token", None)
    return {"token": token} if isinstance(token, str) else None


def load_factory(spec: str) -> ServiceFactory:
    """Import ``"package.module:attribute"``."""
    module_name, _, attribute = spec.partition(":")
    if not module_name or not attribute:
        raise ConfigError(f"service {spec!r} must look like 'package.module:attribute'")
    try:
        factory = getattr(importlib.import_module(module_name), attribute)
    except (ImportError, AttributeError) as exc:
        raise ConfigError(f"cannot load service {spec!r}: {exc}") from exc
    if not callable(factory):
        raise ConfigError(f"service {spec!r} is not callable")
    return factory


def stop_quietly(service: Any) -> None:
    try:
        service.stop()
    except Exception:
        log.exception("stopping %r failed", service)
