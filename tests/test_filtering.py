"""Client-side search semantics: footprints not bboxes, inclusive dates, ranges, cloud, sort."""
import datetime as dt

import pytest

from eo_scene_finder.providers import filtering
from eo_scene_finder.providers.errors import InvalidRequestError
from eo_scene_finder.providers.model import SearchRequest, SortField
from eo_scene_finder.providers.catalogs.stac.items import item_to_scene

UTC = dt.timezone.utc

# A thin diagonal footprint from (0,0) to (10,10): its bbox is the whole square.
DIAGONAL = {"type": "Polygon", "coordinates": [[[0, 0], [1, 0], [10, 9], [10, 10], [9, 10], [0, 1], [0, 0]]]}


def scene(id="S", geometry=DIAGONAL, bbox=None, collection="c1", **props):
    item = {"type": "Feature", "stac_version": "1.0.0", "id": id, "collection": collection,
            "geometry": geometry, "properties": props, "assets": {}, "links": []}
    if bbox is not None:
        item["bbox"] = bbox
    return item_to_scene(item)


# ----------------------------------------------------------------------------- AOI
def test_bbox_touching_aoi_but_not_footprint_is_excluded():
    s = scene(bbox=[0, 0, 10, 10], datetime="2024-01-01T00:00:00Z")
    corner = SearchRequest.create(aoi=[8, 0, 10, 2])  # inside the bbox, away from the diagonal
    on_it = SearchRequest.create(aoi=[4, 4, 6, 6])
    assert not filtering.intersects_aoi(s, corner.aoi)
    assert not filtering.scene_matches(s, corner)
    assert filtering.intersects_aoi(s, on_it.aoi)
    assert filtering.scene_matches(s, on_it)


def test_polygon_aoi_not_its_bbox():
    s = scene(geometry={"type": "Polygon", "coordinates": [[[8, 8], [9, 8], [9, 9], [8, 9], [8, 8]]]})
    triangle = SearchRequest.create(aoi={"type": "Polygon", "coordinates": [[[0, 0], [10, 0], [0, 10], [0, 0]]]})
    assert not filtering.scene_matches(s, triangle)  # inside the triangle's bbox only


def test_null_geometry_uses_bbox_and_nothing_at_all_only_without_aoi():
    by_bbox = scene(geometry=None, bbox=[20, 20, 21, 21])
    nothing = scene(geometry=None)
    aoi = SearchRequest.create(aoi=[20.5, 20.5, 30, 30])
    assert filtering.scene_matches(by_bbox, aoi)
    assert not filtering.scene_matches(nothing, aoi)
    assert filtering.scene_matches(nothing, SearchRequest.create())


def test_antimeridian_aoi_finds_scenes_on_both_sides():
    east = scene(id="e", geometry={"type": "Polygon", "coordinates": [[[179, 0], [179.5, 0], [179.5, 1], [179, 1], [179, 0]]]})
    west = scene(id="w", geometry={"type": "Polygon", "coordinates": [[[-179.5, 0], [-179, 0], [-179, 1], [-179.5, 1], [-179.5, 0]]]})
    far = scene(id="f", geometry={"type": "Polygon", "coordinates": [[[0, 0], [1, 0], [1, 1], [0, 1], [0, 0]]]})
    req = SearchRequest.create(aoi=[178, -1, -178, 2])
    assert [s.id for s in (east, west, far) if filtering.scene_matches(s, req)] == ["e", "w"]


def test_invalid_footprint_does_not_break_the_search():
    bowtie = scene(geometry={"type": "Polygon", "coordinates": [[[0, 0], [2, 2], [2, 0], [0, 2], [0, 0]]]})
    assert filtering.intersects_aoi(bowtie, SearchRequest.create(aoi=[1.8, 0.5, 3, 1.5]).aoi)
    assert not filtering.intersects_aoi(bowtie, SearchRequest.create(aoi=[5, 5, 6, 6]).aoi)


# ---------------------------------------------------------------------------- dates
def test_end_date_is_inclusive_for_the_whole_day():
    s = scene(datetime="2024-05-10T23:59:00Z")
    assert filtering.scene_matches(s, SearchRequest.create(start="2024-05-10", end="2024-05-10"))
    assert filtering.scene_matches(s, SearchRequest.create(end="2024-05-10"))
    assert not filtering.scene_matches(s, SearchRequest.create(end="2024-05-09"))
    assert not filtering.scene_matches(s, SearchRequest.create(start="2024-05-11"))


def test_ranges_match_when_they_overlap():
    ranged = scene(start_datetime="2024-01-10T00:00:00Z", end_datetime="2024-01-20T00:00:00Z",
                   datetime=None)
    assert filtering.within_dates(ranged, *_days("2024-01-15", "2024-01-15"))
    assert filtering.within_dates(ranged, *_days("2024-01-01", "2024-01-10"))  # touches the start
    assert filtering.within_dates(ranged, *_days("2024-01-20", "2024-02-01"))  # touches the end
    assert not filtering.within_dates(ranged, *_days("2024-01-21", "2024-02-01"))
    assert not filtering.within_dates(ranged, *_days("2023-12-01", "2024-01-09"))


def test_isdeform_date_pairs_without_datetime():
    by_fields = scene(startDate="2017-11-07T02:30:00.000Z", completionDate="2017-11-19T02:30:00.000Z")
    by_interval = scene(date="2017-11-07T02:30:00Z/2017-11-19T02:30:00Z")
    for s in (by_fields, by_interval):
        assert filtering.scene_time_range(s) == (dt.datetime(2017, 11, 7, 2, 30, tzinfo=UTC),
                                                 dt.datetime(2017, 11, 19, 2, 30, tzinfo=UTC))
        assert filtering.scene_matches(s, SearchRequest.create(start="2017-11-10", end="2017-11-12"))
        assert not filtering.scene_matches(s, SearchRequest.create(start="2017-11-20"))


def test_scene_without_any_date_only_matches_undated_searches():
    undated = scene()
    assert filtering.scene_matches(undated, SearchRequest.create())
    assert not filtering.scene_matches(undated, SearchRequest.create(start="2000-01-01"))


def _days(a, b):
    r = SearchRequest.create(start=a, end=b)
    return r.start, r.end


# ---------------------------------------------------------------------------- cloud, ids, cql2
def test_cloud_cover_and_scenes_without_it():
    clear = scene(id="clear", **{"eo:cloud_cover": 5})
    cloudy = scene(id="cloudy", **{"eo:cloud_cover": 60})
    exactly = scene(id="exact", **{"eo:cloud_cover": 20})
    radar = scene(id="radar")  # states no cloud cover: passes
    req = SearchRequest.create(max_cloud=20)
    assert [s.id for s in (clear, cloudy, exactly, radar) if filtering.scene_matches(s, req)] == [
        "clear", "exact", "radar"]


def test_collections_ids_and_cql2():
    a = scene(id="a", collection="c1", platform="landsat-8")
    b = scene(id="b", collection="c2", platform="landsat-9")
    assert [s.id for s in (a, b) if filtering.scene_matches(s, SearchRequest.create(collections="c2"))] == ["b"]
    assert [s.id for s in (a, b) if filtering.scene_matches(s, SearchRequest.create(ids=["a"]))] == ["a"]
    req = SearchRequest.create(cql2="platform = 'landsat-9'")
    assert [s.id for s in (a, b) if filtering.scene_matches(s, req)] == ["b"]
    assert filtering.cql2_ok(a, {"op": "=", "args": [{"property": "platform"}, "landsat-8"]})
    assert filtering.cql2_ok(a, None) and filtering.cql2_ok(a, "  ")


def test_bad_cql2_is_reported_not_swallowed():
    with pytest.raises(InvalidRequestError, match="character"):
        filtering.scene_matches(scene(), SearchRequest.create(cql2="platform = = 'x'"))


# ---------------------------------------------------------------------------- sort
def test_sort_is_stable_with_missing_values_last_in_both_directions():
    s = [scene(id="a", datetime="2024-01-03T00:00:00Z", **{"eo:cloud_cover": 10}),
         scene(id="b", datetime="2024-01-01T00:00:00Z"),
         scene(id="c", datetime="2024-01-02T00:00:00Z", **{"eo:cloud_cover": 10}),
         scene(id="d", datetime="2024-01-02T00:00:00Z", **{"eo:cloud_cover": 2})]
    ids = lambda xs: [x.id for x in xs]  # noqa: E731
    assert ids(filtering.sort_scenes(s, SortField.parse_list("eo:cloud_cover"))) == ["d", "a", "c", "b"]
    assert ids(filtering.sort_scenes(s, SortField.parse_list("-eo:cloud_cover"))) == ["a", "c", "d", "b"]
    assert ids(filtering.sort_scenes(s, SortField.parse_list("-datetime"))) == ["a", "c", "d", "b"]
    assert ids(filtering.sort_scenes(s, SortField.parse_list("eo:cloud_cover,-datetime"))) == ["d", "a", "c", "b"]
    assert ids(filtering.sort_scenes(s, SortField.parse_list("-properties.datetime,id"))) == ["a", "c", "d", "b"]
    assert ids(filtering.sort_scenes(s, ())) == ["a", "b", "c", "d"]


def test_sort_by_isdeform_ranges_and_string_dates():
    s = [scene(id="late", startDate="2020-02-01T00:00:00Z", completionDate="2020-03-01T00:00:00Z"),
         scene(id="early", date="2019-01-01T00:00:00Z/2019-01-13T00:00:00Z"),
         scene(id="none")]
    assert [x.id for x in filtering.sort_scenes(s, SortField.parse_list("datetime"))] == ["early", "late", "none"]
