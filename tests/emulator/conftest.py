"""Fixtures for the LinkedIn emulator's own suite: one emulator per module on a frozen clock, reset per test."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from linkedin_emulator import Clock, LinkedInEmulator
from tests.emulator.support import PARTNER_ID, PARTNER_SECRET, START, Child, LinkedIn
from tests.emulator.sync_support import Sync, enable


@pytest.fixture(scope="module")
def emulator() -> Iterator[LinkedInEmulator]:
    emu = LinkedInEmulator(
        port=0,
        partner_client_id=PARTNER_ID,
        partner_client_secret=PARTNER_SECRET,
        clock=Clock(START, frozen=True),
        allow_insecure_callbacks=True,
    )
    emu.start()
    yield emu
    emu.stop()


@pytest.fixture
def li(emulator: LinkedInEmulator) -> LinkedIn:
    emulator.reset()
    emulator.clock.set(START)
    return LinkedIn(emulator)


@pytest.fixture
def onboarded(li: LinkedIn) -> Child:
    """A child app whose member m1 clicked Request on contract 123 (org 456): four REQUESTED integrations."""
    child = li.provision()
    li.add_member()
    li.widget_request(child)
    return child


@pytest.fixture
def enabled(onboarded: Child, li: LinkedIn) -> Child:
    """The onboarded child app with its company-level integrations on org 456 ENABLED: it may sync."""
    enable(li, onboarded)
    return onboarded


@pytest.fixture
def sync(li: LinkedIn, enabled: Child) -> Sync:
    return Sync(li, enabled)
