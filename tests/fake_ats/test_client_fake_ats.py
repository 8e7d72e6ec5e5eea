"""AtsExportClient against the fake ATS over HTTP: complete reads, recovery from faults, no retry of 401/404."""

from __future__ import annotations

from typing import Any

import pytest

import fake_ats
from fake_ats import RESOURCES, FakeAts
from rsc_connector.ats import AtsAuthError, AtsError, AtsExportClient, AtsNotFound
from tests.fake_ats.support import SMALL, TOKEN


def read(client: AtsExportClient, account: str, resource: str, limit: int) -> list[dict[str, Any]]:
    return [item for page in client.iterate(account, resource, limit=limit) for item in page.items]


def test_the_client_reads_every_resource_completely(ats: FakeAts) -> None:
    client = AtsExportClient(ats.base_url, TOKEN, sleep=lambda _: None)
    for resource in RESOURCES:
        first = client.page("acme", resource, limit=50)
        assert first.total_estimate == SMALL.counts()[resource]
        assert read(client, "acme", resource, 50) == list(fake_ats.records(SMALL, "acme", resource))


def test_the_client_recovers_from_30_percent_faults_without_losing_or_duplicating(ats: FakeAts) -> None:
    # Given a fake ATS failing 30% of requests with 500, 503 and 429 (Retry-After: 0)
    ats.set_faults(rate=0.3, statuses=[500, 503, 429], retry_after=0)
    sleeps: list[float] = []
    client = AtsExportClient(ats.base_url, TOKEN, sleep=sleeps.append, max_attempts=8, backoff_base=0.001)
    # When every resource is read, in pages of 20
    for resource in RESOURCES:
        items = read(client, "acme", resource, 20)
        # Then nothing is lost or read twice
        assert items == list(fake_ats.records(SMALL, "acme", resource))
        assert len({item["id"] for item in items}) == len(items)
    stats = ats.stats()
    assert stats["faults"] >= 10 and set(stats["faultsByStatus"]) == {"500", "503", "429"}
    assert len(sleeps) == stats["faults"]  # one backoff per injected fault, no more
    assert stats["recordsServed"] == SMALL.total_records() + SMALL.users


@pytest.mark.parametrize(
    ("token", "account", "error"), [("wrong-token", "acme", AtsAuthError), (TOKEN, "nobody", AtsNotFound)]
)
def test_401_and_404_are_not_retried(ats: FakeAts, token: str, account: str, error: type[AtsError]) -> None:
    sleeps: list[float] = []
    client = AtsExportClient(ats.base_url, token, sleep=sleeps.append)
    with pytest.raises(error) as caught:
        client.page(account, "jobs")
    assert ats.stats()["requests"] == 1 and sleeps == []
    assert token not in str(caught.value) and TOKEN not in str(caught.value)


def test_a_bad_cursor_is_a_permanent_error(ats: FakeAts) -> None:
    client = AtsExportClient(ats.base_url, TOKEN, sleep=lambda _: None)
    with pytest.raises(AtsError) as caught:
        client.page("acme", "jobs", cursor="forged")
    assert caught.value.status == 400 and not caught.value.retryable
    assert "INVALID_CURSOR" not in str(caught.value) and "cursor" in str(caught.value)


def test_an_unreachable_ats_is_a_retryable_error() -> None:
    with FakeAts(token=TOKEN) as gone:
        url = gone.base_url
    client = AtsExportClient(url, TOKEN, sleep=lambda _: None, max_attempts=2, timeout=(0.5, 0.5))
    with pytest.raises(AtsError) as caught:
        client.page("acme", "jobs")
    assert caught.value.retryable and caught.value.status is None and TOKEN not in str(caught.value)
