"""National mode: an exact volume for benchmarks, written chunk by chunk in bounded memory."""

from __future__ import annotations

import tracemalloc
from datetime import date

import pytest
from django.db import transaction

from haiquan.clearance.models import Declaration, NumberSequence
from haiquan.demo.compose import Composer
from haiquan.demo.generator import WRITE_BATCH, GenerationReport, national_generate
from haiquan.demo.models import DemoDataset, SyntheticTruth

pytestmark = [pytest.mark.django_db, pytest.mark.slow]

CHUNK = 400
# What a run holds at its peak: the rows of one chunk (about 15 KB a declaration: lines,
# versions with their JSON content, events, payments; 400 × 15 KB = 6 MB) plus fixed state
# (the snapshot of the whole tariff's 11,871 lines and the goods catalogue drawn from it,
# population, the tariff and risk caches, the report), about 20 MB since the whole tariff is
# traded (25.6 MB measured in all). Holding the whole run instead would grow by 15 KB a
# declaration: 450 MB for 30,000; the ratio of five chunks to one above is the real bound.
PEAK_LIMIT = 32 * 2**20


def _traced(declarations: int, messages: list[str]) -> tuple[GenerationReport, int]:
    with transaction.atomic():
        tracemalloc.start()
        try:
            report = national_generate(
                seed=3,
                declarations=declarations,
                months=1,
                until=date(2024, 6, 1),
                chunk_size=CHUNK,
                progress=messages.append,
            )
            _current, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
        assert report.declarations == Declaration.objects.count() == declarations
        assert SyntheticTruth.objects.count() == declarations and report.skipped == 0
        assert NumberSequence.objects.get(name="import").last == report.by_flow["import"]
        assert DemoDataset.objects.get().mode == "national"
        transaction.set_rollback(True)
    return report, peak


def test_national_mode_writes_the_exact_volume_chunk_by_chunk_in_bounded_memory(monkeypatch):
    assert CHUNK < WRITE_BATCH  # here the chunk is also what is held before writing
    _small, one_chunk_peak = _traced(CHUNK, [])
    chunks = []
    begin = Composer.begin_chunk
    monkeypatch.setattr(Composer, "begin_chunk", lambda self: chunks.append(1) or begin(self))
    messages: list[str] = []
    report, five_chunks_peak = _traced(5 * CHUNK, messages)
    # One transaction per chunk, each followed by a progress message.
    assert len(chunks) == 5 and len(messages) >= 5
    # Both runs have the same population (the national minimum of 300 enterprises), so five
    # times the volume may not hold more memory than one chunk does.
    assert report.enterprises == _small.enterprises
    assert five_chunks_peak < one_chunk_peak * 1.15 + 2**20, (one_chunk_peak, five_chunks_peak)
    assert five_chunks_peak < PEAK_LIMIT, f"peak {five_chunks_peak / 2**20:.1f} MB"
