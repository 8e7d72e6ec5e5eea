"""Fixtures for the local-stack tests: one in-process stack of the test template per module.

Module scope on purpose: moto's state is process global, and a stack left running would leak its environment
(AWS_ENDPOINT_URL, ...) into the other test suites of the same pytest session.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import pytest

from rsc_local.config import AtsSettings, LinkedInSettings, LocalStackConfig
from rsc_local.stack import LocalStack
from rsc_local.testing import local_stack, testing_config

FIXTURES = Path(__file__).parent / "fixtures"
TEST_TEMPLATE = FIXTURES / "template.yaml"
SEEDED_SECRET = "rsc-local-test/test/seeded"


def fixture_config(**overrides: object) -> LocalStackConfig:
    """The test template with no outside parties (it has no parameters for them) and one seeded secret."""
    fields: dict[str, object] = {
        "linkedin": LinkedInSettings(mode="external"),
        "ats": AtsSettings(service=None),
        "secrets": {SEEDED_SECRET: {"token": "s3cret"}},
    }
    fields.update(overrides)
    return testing_config(TEST_TEMPLATE, **fields)


@pytest.fixture(scope="module")
def stack() -> Iterator[LocalStack]:
    with local_stack(fixture_config()) as running:
        yield running


@pytest.fixture
def probe(stack: LocalStack) -> ModuleType:
    """The probe module the test handlers record into (shipped as the template's layer)."""
    import local_probe  # importable while the stack runs: the layer directory is on sys.path

    return local_probe
