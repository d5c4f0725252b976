"""The timeline's counts while a search streams rows in (counted as they arrive)."""
import datetime as dt
import math
import random

from eo_scene_finder.providers.model import Scene
from eo_scene_finder.ui.results_model import ResultsTableModel
from eo_scene_finder.ui import timeline as timeline_module
from eo_scene_finder.ui.timeline import TimelineWidget


def _scene(i, when, cloud):
    return Scene(id=f"s{i}", collection="c", datetime=when, geometry=None, bbox=None, cloud_cover=cloud)


def test_counts_while_rows_stream_in_equal_a_full_count(qgis_app):
    rng = random.Random(7)
    base = dt.datetime(2022, 6, 1, tzinfo=dt.timezone.utc)
    model = ResultsTableModel()
    timeline = TimelineWidget(model)
    # pages spreading over a few days, then weeks, then years, earlier and later, some undated
    spans = [3, 3, 40, 40, 400, 1500]
    n = 0
    for span in spans:
        page = []
        for _ in range(150):
            when = None if rng.random() < 0.05 else base + dt.timedelta(days=rng.uniform(-span / 3, span))
            page.append(_scene(n, when, rng.choice([None, 5.0, 35.0, 80.0])))
            n += 1
        model.append_scenes(page)
        timeline.rebin()
        streamed = [(s, e, list(c)) for s, e, c in timeline.bins]
        unit = timeline.unit
        timeline.rebin(full=True)
        assert [(s, e, list(c)) for s, e, c in timeline.bins] == streamed and timeline.unit == unit
    dated = sum(1 for r in range(model.rowCount()) if model.scene(r).datetime is not None)
    assert sum(sum(c) for _s, _e, c in timeline.bins) == dated
    assert timeline.unit == "month"


class _CountingMath:
    """The timeline's ``math`` module, counting the scenes it looks at (isnan per scene)."""

    def __init__(self):
        self.looked_at = 0

    def __getattr__(self, name):
        return getattr(math, name)

    def isnan(self, value):
        self.looked_at += 1
        return math.isnan(value)


def test_a_newest_first_search_adds_earlier_bins_without_counting_again(qgis_app, monkeypatch):
    """Catalogs answer newest first: each page reaches further back. The earlier bins are
    added in front of the counted ones (a whole count on every page was ~5 ms of the GUI
    thread at 10,000 scenes), and the counts stay those of a whole count."""
    base = dt.datetime(2024, 6, 1, 12, tzinfo=dt.timezone.utc)
    model = ResultsTableModel()
    timeline = TimelineWidget(model)
    counting = _CountingMath()
    monkeypatch.setattr(timeline_module, "math", counting)
    n = 0
    for page_number in range(6):  # 6 pages of 10 days each, going back: days, then weeks
        page = []
        for i in range(100):
            page.append(_scene(n, base - dt.timedelta(days=10 * page_number, hours=2.4 * i), [5.0, 80.0][i % 2]))
            n += 1
        model.append_scenes(page)
        counting.looked_at, unit_before = 0, timeline.unit
        timeline.rebin()
        if timeline.unit == unit_before and page_number:
            assert counting.looked_at <= 2 * 100  # only the new page was counted
        streamed = [(s, e, list(c)) for s, e, c in timeline.bins]
        timeline.rebin(full=True)
        assert [(s, e, list(c)) for s, e, c in timeline.bins] == streamed
    assert timeline.unit == "day" and sum(sum(c) for _s, _e, c in timeline.bins) == n
