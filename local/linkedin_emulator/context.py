"""What every request handler gets: the store, the clock, the push dispatcher and the emulator's settings."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

from .clock import Clock
from .model import AccessToken
from .push import PushDispatcher
from .state import EmulatorState
from .wire import Request, Response


@dataclass(frozen=True)
class Context:
    state: EmulatorState
    clock: Clock
    pushes: PushDispatcher
    allow_insecure_callbacks: bool


@dataclass(frozen=True)
class Call:
    """One routed request: the request, the path parameters and, on /v2 routes, the caller's token."""

    request: Request
    params: Mapping[str, str]
    token: AccessToken | None = None

    @property
    def client_id(self) -> str:
        assert self.token is not None, "only authenticated routes read the caller"
        return self.token.client_id


Handler = Callable[[Context, Call], Response]
