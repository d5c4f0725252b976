"""The timeline's counts while a search streams rows in (counted as they arrive)."""
import datetime as dt
import random

from eo_scene_finder.providers.model import Scene
from eo_scene_finder.ui.results_model import ResultsTableModel
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
