"""The proof suites of issue 7 (bad input, security) on ONE embedded local stack for the package.

Fast size (CI, `make test-stack`): ``.venv/bin/pytest tests/proof -q``. Full size: ``PROOF_EXAMPLES=500
.venv/bin/pytest tests/proof -q`` (500 schemathesis examples per operation and mode, every unicode/injection
string in every field, every forged token on every route).

The stack plays the demo's whole story once (Acme with PROOF_RECORDS=300 records: ACTIVATE, Partner ready,
Enabled, the sync, seat linking) with every log record captured, which test_security.py scans; so every test has
real data. The schemathesis fuzz (``test_fuzz_*``) may deactivate the account: it runs last in the package.
"""

from __future__ import annotations

import contextlib
import io
import json
import logging
import sys
from collections.abc import Iterator
from typing import Any

import pytest
import requests

from tests.proof.support import ACCOUNT, OTHER_ACCOUNT, OTHER_OWNER, OWNER, RECORDS, Demo, quiet


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The fuzz changes the account (it may deactivate it): run it after every other proof test."""
    proof = [i for i in items if i.nodeid.replace("\\", "/").startswith("tests/proof/")]
    fuzz = [i for i in proof if i.name.startswith("test_fuzz")]
    if not fuzz:
        return
    rest = [i for i in items if i not in fuzz]
    others = [i for i in proof if i not in fuzz]
    at = rest.index(others[-1]) + 1 if others else len(rest)
    items[:] = rest[:at] + fuzz + rest[at:]  # right after the package's other tests: one stack for the package


class LogCapture(logging.Handler):
    """Keeps every log record whole (message, arguments, extra fields, exception text) and also the line each
    handler of its logger writes (Powertools' JSON, with keys appended to the logger, not to the record)."""

    def __init__(self) -> None:
        super().__init__(level=logging.DEBUG)
        self.lines: list[str] = []

    def filter(self, record: logging.LogRecord) -> bool:
        # Every record, whatever filters others attach: Powertools' Logger adds a SuppressFilter for its service to
        # the root logger's handlers when it is first created (here, when the stack first imports a handler).
        return True

    def emit(self, record: logging.LogRecord) -> None:
        fields = {k: v for k, v in record.__dict__.items() if k != "exc_info"}
        if record.exc_info:
            fields["exception"] = logging.Formatter().formatException(record.exc_info)
        try:
            message = record.getMessage()
        except Exception:  # a bad format string must not hide the record
            message = str(record.msg)
        parts = [json.dumps(fields, default=str), message]
        for handler in logging.getLogger(record.name).handlers:
            with contextlib.suppress(Exception):
                parts.append(handler.format(record))
        self.lines.append(" ".join(parts))


class Tee(io.TextIOBase):
    """sys.stdout/sys.stderr during the story: what is printed (not logged) is kept too."""

    def __init__(self, original: Any) -> None:
        self.original = original
        self.buffer_ = io.StringIO()

    def write(self, text: str) -> int:
        self.buffer_.write(text)
        return int(self.original.write(text))

    def flush(self) -> None:
        self.original.flush()


@pytest.fixture(scope="package")
def demo() -> Iterator[Demo]:
    from rsc_demo.story import run_seat_story, run_story, run_sync_story, seed_ats, stack_config
    from rsc_local.testing import local_stack, testing_config

    base = stack_config("rsc-proof", log_level="INFO")
    config = testing_config(stack_name="rsc-proof", parameters=base.parameters, secrets=base.secrets, ats=base.ats)
    with local_stack(config) as stack:
        capture = LogCapture()
        root = logging.getLogger()
        previous = root.level
        out, err = Tee(sys.stdout), Tee(sys.stderr)
        story_out = io.StringIO()
        root.addHandler(capture)
        root.setLevel(logging.INFO)  # every library's records at INFO and above (Lambda's root logger)
        try:
            with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
                spec = seed_ats(stack, RECORDS)
                story = run_story(stack, story_out)
                sync = run_sync_story(stack, spec, story_out, timeout=300)
                seats = run_seat_story(stack, story_out)
        finally:
            root.removeHandler(capture)
            root.setLevel(previous)
        assert sync["sync"].get("status") == "SUCCEEDED" and sync["verify"].ok, story_out.getvalue()[-3000:]
        assert seats["manual"].status == 200, story_out.getvalue()[-3000:]
        linked = seats["manual"].body
        demo = Demo(
            stack=stack,
            spec=spec,
            log_lines=capture.lines,
            printed=out.buffer_.getvalue() + err.buffer_.getvalue(),
            story=story,
            sync=sync,
            seats=seats,
            linked_user={"id": linked["userId"], "seatId": linked["seats"][0]["seatId"]},
        )
        _second_tenant(stack)
        quiet(stack)
        yield demo


def _second_tenant(stack: Any) -> None:
    """Initech: another Enterprise customer of the ATS, with its own users at the ATS and its own LinkedIn app."""
    import fake_ats
    from rsc_demo.ats import AtsBackend

    spec = fake_ats.dataset_from_total(60, seed=7, company="Initech")
    requests.post(
        f"{stack.ats.base_url}/_control/accounts/{OTHER_ACCOUNT}", json=spec.to_dict(), timeout=30
    ).raise_for_status()
    activated = AtsBackend(stack.api_url).activate(OTHER_OWNER, "Initech")
    assert activated.status == 200, activated.body
    assert ACCOUNT != OTHER_ACCOUNT and OWNER.account_id == ACCOUNT


@pytest.fixture
def stack(demo: Demo) -> Any:
    return demo.stack


def pytest_terminal_summary(terminalreporter: Any) -> None:
    """The fuzz's totals (operations, requests, statuses), for the CI log."""
    module = sys.modules.get("tests.proof.test_bad_input")
    statuses = getattr(module, "FUZZ_STATUSES", None)
    if not statuses:
        return
    total: dict[int, int] = {}
    for counter in statuses.values():
        for status, count in counter.items():
            total[status] = total.get(status, 0) + count
    operations = {name.rsplit(" ", 1)[0] for name in statuses}
    terminalreporter.write_line(
        f"proof fuzz: {len(operations)} operations, {len(statuses)} operation/mode runs, "
        f"{sum(total.values())} requests, statuses {dict(sorted(total.items()))}"
    )
