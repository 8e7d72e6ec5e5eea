"""One fake ATS per module (reset before each test) serving SMALL as account "acme"."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import requests

from fake_ats import FakeAts
from tests.fake_ats.support import SMALL, TOKEN


@pytest.fixture(scope="module")
def server() -> Iterator[FakeAts]:
    ats = FakeAts(token=TOKEN, datasets={"acme": SMALL})
    ats.start()
    yield ats
    ats.stop()


@pytest.fixture
def ats(server: FakeAts) -> FakeAts:
    server.reset()
    return server


@pytest.fixture
def http() -> Iterator[requests.Session]:
    with requests.Session() as session:
        yield session
