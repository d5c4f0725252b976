"""Best coverage: the fewest, clearest scenes covering the area, one pass preferred, clear
messages when the target cannot be reached."""
from __future__ import annotations

import datetime as dt
import json
import random
from pathlib import Path

import pytest
from shapely.geometry import box, mapping, shape

from eo_scene_finder.providers import errors
from eo_scene_finder.providers.coverage import CoverageCandidate, best_coverage, exact_minimum_cover, orbit_of

UTC = dt.timezone.utc
DAY1 = dt.datetime(2024, 5, 1, 10, 30, tzinfo=UTC)
DAY2 = dt.datetime(2024, 5, 6, 10, 30, tzinfo=UTC)
DAY3 = dt.datetime(2024, 5, 11, 10, 30, tzinfo=UTC)


def cand(cid, geom, cloud=0.0, when=DAY1, orbit=None):
    return CoverageCandidate(cid, mapping(geom), cloud, when, orbit)


def test_known_minimal_cover_is_found():
    # A strip 3° wide: D+C (or D+E) cover it with two scenes; any cover by A, B, C needs three.
    aoi = mapping(box(0, 0, 3, 1))
    cands = [cand("A", box(0, 0, 1, 1), when=DAY1), cand("B", box(1, 0, 2, 1), when=DAY2),
             cand("C", box(2, 0, 3, 1), when=DAY3), cand("D", box(0, 0, 2, 1), 10, DAY2),
             cand("E", box(1.5, 0, 3, 1), 10, DAY1)]
    result = best_coverage(aoi, cands, target=0.98)
    exact = exact_minimum_cover(aoi, cands, target=0.98)
    assert len(exact.chosen) == 2
    assert sorted(result.chosen) == sorted(exact.chosen) == ["C", "D"]  # the clear C rather than E
    assert result.reached and result.coverage == pytest.approx(1.0)
    assert sum(result.added.values()) == pytest.approx(1.0)
    assert result.message == "2 scenes cover 100 % of the area (target 98 %)."


def test_greedy_trap_is_pruned_to_the_optimum():
    # The big middle scene is the greedy's first pick, but the two halves alone cover everything.
    aoi = mapping(box(0, 0, 4, 1))
    cands = [cand("middle", box(0.5, 0, 3.5, 1), when=DAY1), cand("left", box(0, 0, 2, 1), when=DAY2),
             cand("right", box(2, 0, 4, 1), when=DAY3)]
    result = best_coverage(aoi, cands, target=1.0)
    assert sorted(result.chosen) == ["left", "right"]
    assert len(exact_minimum_cover(aoi, cands, target=1.0).chosen) == 2


def test_one_pass_that_covers_enough_is_preferred():
    aoi = mapping(box(0, 0, 2, 1))
    cands = [cand("X", box(0, 0, 1.05, 1), 0, DAY2), cand("Y", box(0.95, 0, 2, 1), 0, DAY3),
             cand("P1", box(0, 0, 1.05, 1), 5, DAY1, "8"), cand("P2", box(0.95, 0, 2, 1), 5, DAY1, "8"),
             cand("Q", box(0.95, 0, 2, 1), 0, DAY1, "9")]  # same day, other orbit: not the same pass
    result = best_coverage(aoi, cands, target=0.98)
    assert sorted(result.chosen) == ["P1", "P2"]
    assert result.single_pass
    assert "all from one pass (2024-05-01, orbit 8)" in result.message
    # when no single pass reaches the target, the mixed choice stands
    mixed = best_coverage(aoi, [c for c in cands if c.id != "P2"], target=0.98)
    assert sorted(mixed.chosen) == ["X", "Y"] and not mixed.single_pass


def test_least_cloudy_of_equal_covers():
    aoi = mapping(box(0, 0, 1, 1))
    cands = [cand("cloudy", box(-1, -1, 2, 2), 60), cand("clear", box(-0.5, -0.5, 1.5, 1.5), 3),
             cand("half", box(0, 0, 0.5, 1), 0)]
    assert best_coverage(aoi, cands).chosen == ["clear"]


def test_unreachable_target_says_so():
    aoi = mapping(box(0, 0, 2, 1))
    cands = [cand("A", box(0, 0, 0.5, 1)), cand("B", box(1, 0, 1.5, 1), when=DAY2),
             cand("far", box(10, 10, 11, 11))]
    result = best_coverage(aoi, cands, target=0.98)
    assert not result.reached
    assert sorted(result.chosen) == ["A", "B"]
    assert result.coverage == pytest.approx(0.5)
    assert result.message.startswith("The target of 98 % cannot be reached: all 2 overlapping scenes together "
                                     "cover 50 % of the area")
    assert not exact_minimum_cover(aoi, cands, 0.98).reached
    none = best_coverage(aoi, [cand("far", box(10, 10, 11, 11))])
    assert none.chosen == [] and not none.reached and none.message.startswith("No scene overlaps the area")


def test_max_scenes_stops_and_says_so():
    aoi = mapping(box(0, 0, 3, 1))
    cands = [cand(n, box(i, 0, i + 1, 1), when=d) for i, (n, d) in enumerate(zip("ABC", (DAY1, DAY2, DAY3)))]
    result = best_coverage(aoi, cands, target=0.98, max_scenes=2)
    assert len(result.chosen) == 2 and not result.reached
    assert result.message.startswith("Stopped at the limit of 2 scenes: they cover 66.7 % of the area")
    assert best_coverage(aoi, cands, target=0.98, max_scenes=0).reached  # 0: no limit


def test_bad_input_is_refused_in_plain_words():
    cands = [cand("A", box(0, 0, 1, 1))]
    with pytest.raises(errors.EoSceneFinderError, match="not an area"):
        best_coverage({"type": "Point", "coordinates": [0, 0]}, cands)
    with pytest.raises(errors.EoSceneFinderError, match="needs an area of interest"):
        best_coverage(None, cands)
    with pytest.raises(errors.EoSceneFinderError, match="not valid GeoJSON"):
        best_coverage("{not json", cands)
    with pytest.raises(errors.InvalidRequestError, match="coverage target"):
        best_coverage(mapping(box(0, 0, 1, 1)), cands, target=0)
    with pytest.raises(errors.InvalidRequestError, match="coverage target"):
        best_coverage(mapping(box(0, 0, 1, 1)), cands, target=1.5)
    with pytest.raises(errors.InvalidRequestError, match="cannot be negative"):
        best_coverage(mapping(box(0, 0, 1, 1)), cands, max_scenes=-1)


def test_broken_footprints_are_skipped():
    aoi = mapping(box(0, 0, 1, 1))
    cands = [CoverageCandidate("broken", {"type": "Polygon", "coordinates": "nope"}),
             CoverageCandidate("none", None), CoverageCandidate("line", {"type": "LineString", "coordinates": [[0, 0], [1, 1]]}),
             cand("bowtie", shape({"type": "Polygon", "coordinates": [[[0, 0], [1, 1], [1, 0], [0, 1], [0, 0]]]})),
             cand("ok", box(0, 0, 1, 1), 50)]
    assert best_coverage(aoi, cands).chosen == ["ok"]


def test_cancel_stops():
    aoi = mapping(box(0, 0, 3, 1))
    cands = [cand(str(i), box(i / 10, 0, i / 10 + 0.2, 1)) for i in range(29)]
    result = best_coverage(aoi, cands, cancel=lambda: True)
    assert result.chosen == [] and "cancelled" in result.message


def test_real_sentinel2_footprints():
    """Planetary Computer items of one pass: an AOI over two neighbouring tiles (which ten
    tiles overlap) is covered with as few as the exact optimum."""
    path = Path(__file__).parent / "data" / "stac" / "items_sentinel-2-l2a.ndjson"
    items = [json.loads(line) for line in path.open(encoding="utf-8")][:40]
    cands = [CoverageCandidate(i["id"], i["geometry"], i["properties"].get("eo:cloud_cover"),
                               dt.datetime.fromisoformat(i["properties"]["datetime"].replace("Z", "+00:00")),
                               orbit_of(i["properties"], i["id"])) for i in items]
    a, b = (shape(i["geometry"]) for i in items if i["id"].split("_")[4] in ("T30XWQ", "T30XWR"))
    aoi = a.union(b).buffer(-0.05)
    result = best_coverage(mapping(aoi), cands, target=0.999)
    exact = exact_minimum_cover(mapping(aoi), [c for c in cands if shape(c.footprint).intersects(aoi)], 0.999)
    assert result.reached
    assert len(result.chosen) == len(exact.chosen)


def test_orbit_of():
    assert orbit_of({"sat:relative_orbit": 83}) == "83"
    assert orbit_of({"relativeOrbitNumber": "108"}) == "108"
    assert orbit_of({}, "S2B_MSIL2A_20240516T162829_R083_T31XDL_20240516T214419") == "83"
    assert orbit_of({}, "LC08_L2SP_198030") is None


def test_greedy_close_to_optimum_on_random_cases():
    rng = random.Random(17)
    worse = 0
    for _ in range(25):
        aoi = box(0, 0, 1, 1)
        cands = []
        for i in range(9):
            x, y = rng.uniform(-0.3, 0.8), rng.uniform(-0.3, 0.8)
            w, h = rng.uniform(0.3, 0.8), rng.uniform(0.3, 0.8)
            cands.append(cand(f"c{i}", box(x, y, x + w, y + h), rng.choice([0, 10, 40]),
                              DAY1 + dt.timedelta(days=i)))
        exact = exact_minimum_cover(mapping(aoi), cands, 0.9)
        greedy = best_coverage(mapping(aoi), cands, 0.9)
        assert greedy.reached == exact.reached
        if exact.reached:
            assert len(greedy.chosen) <= len(exact.chosen) + 1
            worse += len(greedy.chosen) > len(exact.chosen)
    assert worse <= 5


def test_a_chosen_scene_gives_way_to_a_clearer_one_covering_as_much():
    from eo_scene_finder.providers.coverage import _prepare, _swap_for_clearer

    aoi = box(0, 0, 2, 1)
    pieces, area = _prepare(aoi, [
        CoverageCandidate("left-cloudy", mapping(box(0, 0, 1.1, 1)), 40.0),
        CoverageCandidate("right", mapping(box(0.9, 0, 2, 1)), 3.0),
        CoverageCandidate("left-clear", mapping(box(-0.1, 0, 1.05, 1)), 2.0),
        CoverageCandidate("left-half", mapping(box(0, 0, 0.5, 1)), 0.0),     # clearest, but leaves a gap
    ])
    by_id = {p.id: p for p in pieces}
    swapped = _swap_for_clearer([by_id["left-cloudy"], by_id["right"]], pieces, area, 0.98, None)
    assert [p.id for p in swapped] == ["left-clear", "right"]
    # nothing clearer covers enough: the choice stays
    kept = _swap_for_clearer([by_id["left-clear"], by_id["right"]], pieces, area, 0.98, None)
    assert [p.id for p in kept] == ["left-clear", "right"]
