"""Performance sanity: records come on demand, cheaply, even deep inside a ten-million-record dataset."""

from __future__ import annotations

import statistics
import time

import fake_ats
from fake_ats import SYNC_RESOURCES
from fake_ats.generator import dataset


def test_generating_10000_records_takes_under_2_seconds() -> None:
    spec = fake_ats.dataset_from_total(10_000_000, seed=17)
    generator = dataset(spec)
    start = time.perf_counter()
    produced = 0
    for n, resource in enumerate(SYNC_RESOURCES):
        offset = generator.counts[resource] // (n + 2)
        produced += len(generator.slice(resource, offset, 10_000 // len(SYNC_RESOURCES) + 1))
    elapsed = time.perf_counter() - start
    assert produced >= 10_000
    assert elapsed < 2.0, f"{produced} records took {elapsed:.2f} s"


def test_a_page_of_100_is_cheap_anywhere_in_the_dataset() -> None:
    spec = fake_ats.dataset_from_total(1_000_000, seed=18)
    generator = dataset(spec)
    timings: list[float] = []
    for resource in SYNC_RESOURCES:
        for k in range(1, 6):
            start = time.perf_counter()
            generator.slice(resource, generator.counts[resource] * k // 7, 100)
            timings.append(time.perf_counter() - start)
    # design target ~5 ms per page; the bound leaves room for a loaded CI machine
    assert statistics.median(timings) < 0.02, [f"{t * 1000:.1f}" for t in timings]


def test_counting_and_listing_rejections_does_not_generate_records() -> None:
    spec = fake_ats.dataset_from_total(10_000_000, seed=19)
    start = time.perf_counter()
    counts = fake_ats.expected_rejection_counts(spec)
    rejections = fake_ats.expected_rejections(spec)
    elapsed = time.perf_counter() - start
    assert len(rejections) == sum(counts.values()) > 100_000
    assert elapsed < 5.0
