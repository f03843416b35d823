"""A tiny run of the benchmark's fill and page measurements, so `make bench` cannot rot.

No timing targets here (speed is measured by `make bench`, not by tests): the run
must fill every app, then answer every measured page with 200 and a query count.
"""

import pytest

pytestmark = pytest.mark.django_db


def test_benchmark_fills_and_measures_every_page(monkeypatch):
    from tests.bench import run
    from tests.bench.fill import fill

    monkeypatch.setattr(run, "REPEAT", 1)
    filled = fill(scale=0.002)
    assert filled["sizes"]["programs"] == 20
    assert filled["object_permission_rows"] > 0
    pages, ratios, _users = run.measure_pages(filled)
    expected = {
        "programs list (leadership)",
        "programs list (program manager)",
        "programs list filtered",
        "program detail",
        "API programs list",
        "global search",
        "home page",
        "django admin changelist",
        "agreements list",
        "TSFD queue",
    }
    assert expected <= set(pages)
    assert all(row["queries"] > 0 for row in pages.values())
    assert len(ratios) == 3
    quality = run.data_quality_audit()
    assert quality["records_checked"] >= sum(filled["sizes"].values())
    assert sum(quality["findings_by_rule"].values()) == quality["findings"]
