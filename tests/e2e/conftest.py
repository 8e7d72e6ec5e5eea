"""The embedded local stack as a fixture: the same stack `make demo` runs (moto server, emulator, handlers)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from rsc_demo.ats import AtsBackend


@pytest.fixture(scope="module")
def stack() -> Iterator[Any]:
    from rsc_demo.story import stack_config
    from rsc_local.testing import local_stack, testing_config

    base = stack_config("rsc-e2e", log_level="INFO")
    config = testing_config(stack_name="rsc-e2e", parameters=base.parameters, secrets=base.secrets, ats=base.ats)
    with local_stack(config) as running:
        yield running


@pytest.fixture
def fresh_stack(stack: Any) -> Any:
    """The module's stack with its data emptied (tables, secrets created since start, emulator)."""
    stack.reset_data()
    import requests

    from rsc_demo.story import seed_ats

    requests.post(f"{stack.linkedin.base_url}/_control/reset", timeout=5).raise_for_status()
    seed_ats(stack, 300)
    return stack


@pytest.fixture
def ats(stack: Any) -> AtsBackend:
    return AtsBackend(stack.api_url)
