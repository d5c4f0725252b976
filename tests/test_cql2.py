"""CQL2-text parsing, CQL2-JSON evaluation against scenes, and syntax errors a user can fix."""
import pytest

from eo_scene_finder.providers import cql2
from eo_scene_finder.providers.errors import InvalidRequestError
from eo_scene_finder.providers.catalogs.stac.items import item_to_scene


def make_scene(**props):
    geometry = props.pop("geometry", {"type": "Polygon", "coordinates": [[[0, 0], [2, 0], [2, 2], [0, 2], [0, 0]]]})
    item = {"type": "Feature", "stac_version": "1.0.0", "id": props.pop("id", "S1"),
            "collection": props.pop("collection", "demo"), "geometry": geometry,
            "bbox": props.pop("bbox", None), "properties": props, "assets": {}, "links": []}
    if item["bbox"] is None:
        del item["bbox"]
    return item_to_scene(item)


LANDSAT = make_scene(id="LC08_A", datetime="2024-05-10T10:30:00Z", platform="landsat-8",
                     **{"eo:cloud_cover": 12.5, "proj:epsg": 32621, "instruments": ["oli", "tirs"],
                        "title": "Ilulissat Ǻ", "flag": True})


# ------------------------------------------------------------------ parse: JSON encoding
@pytest.mark.parametrize("text, expected", [
    ("eo:cloud_cover < 10", {"op": "<", "args": [{"property": "eo:cloud_cover"}, 10]}),
    ("platform = 'landsat-8' AND eo:cloud_cover <= 20.5",
     {"op": "and", "args": [{"op": "=", "args": [{"property": "platform"}, "landsat-8"]},
                            {"op": "<=", "args": [{"property": "eo:cloud_cover"}, 20.5]}]}),
    ("a = 1 or b <> 'x' and c >= -3",
     {"op": "or", "args": [{"op": "=", "args": [{"property": "a"}, 1]},
                           {"op": "and", "args": [{"op": "<>", "args": [{"property": "b"}, "x"]},
                                                  {"op": ">=", "args": [{"property": "c"}, -3]}]}]}),
    ("NOT (a > 1)", {"op": "not", "args": [{"op": ">", "args": [{"property": "a"}, 1]}]}),
    ('"my prop" = \'it\'\'s\'', {"op": "=", "args": [{"property": "my prop"}, "it's"]}),
    ("properties.sat:orbit_state = 'ascending'",
     {"op": "=", "args": [{"property": "properties.sat:orbit_state"}, "ascending"]}),
    ("id LIKE 'LC08%'", {"op": "like", "args": [{"property": "id"}, "LC08%"]}),
    ("id NOT LIKE 'LC08%'", {"op": "not", "args": [{"op": "like", "args": [{"property": "id"}, "LC08%"]}]}),
    ("eo:cloud_cover BETWEEN 0 AND 10",
     {"op": "between", "args": [{"property": "eo:cloud_cover"}, 0, 10]}),
    ("platform IN ('landsat-8', 'landsat-9')",
     {"op": "in", "args": [{"property": "platform"}, ["landsat-8", "landsat-9"]]}),
    ("x IS NULL", {"op": "isNull", "args": [{"property": "x"}]}),
    ("x IS NOT NULL", {"op": "not", "args": [{"op": "isNull", "args": [{"property": "x"}]}]}),
    ("flag = TRUE", {"op": "=", "args": [{"property": "flag"}, True]}),
    ("datetime > TIMESTAMP('2024-01-01T00:00:00Z')",
     {"op": ">", "args": [{"property": "datetime"}, {"timestamp": "2024-01-01T00:00:00Z"}]}),
    ("datetime >= DATE('2024-01-01')",
     {"op": ">=", "args": [{"property": "datetime"}, {"date": "2024-01-01"}]}),
    ("T_INTERSECTS(datetime, INTERVAL('2024-05-01', '..'))",
     {"op": "t_intersects", "args": [{"property": "datetime"}, {"interval": ["2024-05-01", ".."]}]}),
    ("s_intersects(geometry, POINT(1 1))",
     {"op": "s_intersects", "args": [{"property": "geometry"}, {"type": "Point", "coordinates": [1, 1]}]}),
    ("S_INTERSECTS(geometry, BBOX(-1, -1, 0.5, 0.5))",
     {"op": "s_intersects", "args": [{"property": "geometry"}, {"bbox": [-1, -1, 0.5, 0.5]}]}),
    ("S_INTERSECTS(geometry, ENVELOPE(-1, 0.5, 0.5, -1))",
     {"op": "s_intersects", "args": [{"property": "geometry"}, {"bbox": [-1, -1, 0.5, 0.5]}]}),
    ("A_CONTAINS(instruments, ('oli'))",
     {"op": "a_contains", "args": [{"property": "instruments"}, ["oli"]]}),
    ("CASEI(platform) = casei('LANDSAT-8')",
     {"op": "=", "args": [{"op": "casei", "args": [{"property": "platform"}]}, {"op": "casei", "args": ["LANDSAT-8"]}]}),
    ("(a + 2) * 3 > 10", {"op": ">", "args": [{"op": "*", "args": [{"op": "+", "args": [{"property": "a"}, 2]}, 3]}, 10]}),
    ("date = '2017-11-07/2017-11-19'",  # ISDeform has a property called "date"
     {"op": "=", "args": [{"property": "date"}, "2017-11-07/2017-11-19"]}),
])
def test_parse_gives_ogc_cql2_json(text, expected):
    assert cql2.parse(text) == expected


def test_keywords_are_case_insensitive():
    upper = cql2.parse("A = 1 AND B IS NOT NULL OR C BETWEEN 1 AND 2")
    lower = cql2.parse("A = 1 and B is not null or C between 1 and 2")
    assert upper == lower


@pytest.mark.parametrize("text", [
    "POLYGON((0 0, 1 0, 1 1, 0 1, 0 0))",
    "POLYGON((0 0, 10 0, 10 10, 0 10, 0 0), (2 2, 3 2, 3 3, 2 2))",
    "LINESTRING(0 0, 1 1, 2 0)",
    "MULTIPOINT((1 2), (3 4))",
    "MULTILINESTRING((0 0, 1 1), (2 2, 3 3))",
    "MULTIPOLYGON(((0 0, 1 0, 1 1, 0 0)), ((5 5, 6 5, 6 6, 5 5)))",
    "GEOMETRYCOLLECTION(POINT(1 2), LINESTRING(0 0, 1 1))",
    "POINT(-51.1 69.2)",
])
def test_wkt_literals_become_geojson_and_round_trip(text):
    from shapely import wkt
    from shapely.geometry import shape
    expr = cql2.parse(f"S_INTERSECTS(geometry, {text})")
    geom = expr["args"][1]
    assert shape(geom).equals(wkt.loads(text))
    assert cql2.parse(cql2.to_text(expr)) == expr


@pytest.mark.parametrize("text", [
    "eo:cloud_cover < 10 AND platform = 'landsat-8'",
    "NOT (x BETWEEN 1 AND 5) OR \"odd name\" LIKE 'a%'",
    "T_DURING(datetime, INTERVAL(TIMESTAMP('2024-01-01T00:00:00Z'), DATE('2024-02-01')))",
    "A_OVERLAPS(instruments, ('oli', 'msi')) AND id IN ('a', 'b')",
])
def test_text_json_text_round_trip(text):
    expr = cql2.parse(text)
    assert cql2.parse(cql2.to_text(expr)) == expr


# ------------------------------------------------------------------------- syntax errors
@pytest.mark.parametrize("text, message", [
    ("eo:cloud_cover < 10 AND AND platform = 'x'", "Unexpected 'AND' at character 25 in the filter"),
    ("platform = 'landsat-8", "quotes starting at character 12"),
    ("eo:cloud_cover <", "ends too early"),
    ("(a = 1", "expected ')'"),
    ("a = 1)", "Unexpected ')' at character 6"),
    ("a = 1 b = 2", "Unexpected 'b' at character 7"),
    ("platform", "expected a comparison"),
    ("a = 1 AND (b = 2 OR)", "Unexpected ')' at character 20"),
    ("a # 3", "Unexpected '#' at character 3"),
    ("datetime > TIMESTAMP('yesterday')", "'yesterday' at character 22"),
    ("S_INTERSECTS(geometry, BBOX(1, 2, 3))", "BBOX needs 4 numbers"),
    ("", "empty"),
])
def test_syntax_errors_say_where(text, message):
    with pytest.raises(InvalidRequestError) as info:
        cql2.parse(text)
    assert message in info.value.user_message


# ---------------------------------------------------------------------------- evaluate
@pytest.mark.parametrize("text, expected", [
    ("eo:cloud_cover < 20", True),
    ("eo:cloud_cover < 10", False),
    ("properties.eo:cloud_cover = 12.5", True),
    ("eo:cloud_cover <> 12.5", False),
    ("eo:cloud_cover >= 12.5 AND eo:cloud_cover <= 12.5", True),
    ("eo:cloud_cover > 50 OR platform = 'landsat-8'", True),
    ("NOT (platform = 'landsat-8')", False),
    ("id = 'LC08_A'", True),
    ("collection = 'demo'", True),
    ("id LIKE 'LC0_\\_%'", True),
    ("id LIKE 'lc08%'", False),
    ("CASEI(id) LIKE CASEI('lc08%')", True),
    ("ACCENTI(title) = 'Ilulissat A'", True),
    ("eo:cloud_cover BETWEEN 10 AND 12.5", True),
    ("eo:cloud_cover NOT BETWEEN 10 AND 12.5", False),
    ("platform IN ('sentinel-2a', 'landsat-8')", True),
    ("platform NOT IN ('sentinel-2a', 'landsat-8')", False),
    ("proj:epsg IN (32621)", True),
    ("nothing IS NULL", True),
    ("platform IS NOT NULL", True),
    ("flag = TRUE", True),
    ("eo:cloud_cover * 2 + 1 = 26", True),
    ("eo:cloud_cover / 0 = 1", False),
    ("datetime > TIMESTAMP('2024-05-10T10:00:00Z')", True),
    ("datetime < TIMESTAMP('2024-05-10T10:00:00Z')", False),
    ("datetime = DATE('2024-05-10')", True),
    ("datetime >= DATE('2024-05-11')", False),
    ("T_INTERSECTS(datetime, INTERVAL('2024-05-10', '2024-05-10'))", True),
    ("T_INTERSECTS(datetime, INTERVAL('2024-05-11', '..'))", False),
    ("T_INTERSECTS(datetime, DATE('2024-05-10'))", True),
    ("T_DURING(datetime, INTERVAL('2024-05-01', '2024-06-01'))", True),
    ("T_DISJOINT(datetime, INTERVAL('2024-05-01', '2024-06-01'))", False),
    ("T_AFTER(datetime, TIMESTAMP('2024-05-01T00:00:00Z'))", True),
    ("T_BEFORE(datetime, TIMESTAMP('2024-05-01T00:00:00Z'))", False),
    ("T_BEFORE(datetime, INTERVAL('2024-06-01', '..'))", True),
    ("T_EQUALS(datetime, TIMESTAMP('2024-05-10T10:30:00Z'))", True),
    ("S_INTERSECTS(geometry, POINT(1 1))", True),
    ("S_INTERSECTS(geometry, POINT(3 3))", False),
    ("S_INTERSECTS(geometry, BBOX(1.5, 1.5, 5, 5))", True),
    ("S_DISJOINT(geometry, BBOX(3, 3, 5, 5))", True),
    ("S_WITHIN(geometry, POLYGON((-1 -1, 3 -1, 3 3, -1 3, -1 -1)))", True),
    ("S_CONTAINS(geometry, POINT(1 1))", True),
    ("S_TOUCHES(geometry, POINT(2 2))", True),
    ("S_OVERLAPS(geometry, BBOX(1, 1, 3, 3))", True),
    ("S_CROSSES(geometry, LINESTRING(-1 1, 3 1))", True),
    ("S_EQUALS(geometry, BBOX(0, 0, 2, 2))", True),
    ("A_CONTAINS(instruments, ('oli'))", True),
    ("A_CONTAINS(instruments, ('oli', 'msi'))", False),
    ("A_CONTAINEDBY(instruments, ('oli', 'tirs', 'msi'))", True),
    ("A_OVERLAPS(instruments, ('msi', 'tirs'))", True),
    ("A_EQUALS(instruments, ('oli', 'tirs'))", True),
    ("TRUE", True),
    ("FALSE", False),
])
def test_evaluate_every_operator(text, expected):
    assert cql2.evaluate(cql2.parse(text), LANDSAT) is expected


@pytest.mark.parametrize("text", [
    "eo:cloud_cover < 10",
    "eo:cloud_cover >= 10",
    "NOT (eo:cloud_cover < 10)",
    "eo:cloud_cover BETWEEN 0 AND 100",
    "platform LIKE '%'",
    "platform IN ('x')",
    "S_INTERSECTS(geometry, POINT(1 1))",
    "T_INTERSECTS(datetime, INTERVAL('..', '..'))",
    "A_CONTAINS(instruments, ('oli'))",
])
def test_missing_properties_never_match_and_never_raise(text):
    bare = make_scene(id="X", geometry=None)
    assert cql2.evaluate(cql2.parse(text), bare) is False


def test_missing_property_does_not_poison_an_or():
    bare = make_scene(id="X")
    assert cql2.evaluate(cql2.parse("eo:cloud_cover < 10 OR id = 'X'"), bare) is True


def test_numeric_strings_compare_as_numbers():
    # ISDeform stores numbers as strings ("perpendicularBaseline": "-42.7")
    scene = make_scene(id="ifg", perpendicularBaseline="-42.7", datetime="2017-11-07T00:00:00Z")
    assert cql2.evaluate(cql2.parse("perpendicularBaseline < 0"), scene)
    assert not cql2.evaluate(cql2.parse("perpendicularBaseline > 0"), scene)


def test_datetime_of_a_ranged_scene_is_its_range():
    # an ISDeform interferogram: no datetime, a date pair
    scene = make_scene(id="ifg", startDate="2017-11-07T02:00:00Z", completionDate="2017-11-19T02:00:00Z",
                       date="2017-11-07T02:00:00Z/2017-11-19T02:00:00Z")
    assert cql2.evaluate(cql2.parse("T_INTERSECTS(datetime, DATE('2017-11-12'))"), scene)
    assert cql2.evaluate(cql2.parse("T_CONTAINS(datetime, DATE('2017-11-12'))"), scene)
    assert not cql2.evaluate(cql2.parse("T_INTERSECTS(datetime, DATE('2017-11-20'))"), scene)
    assert cql2.evaluate(cql2.parse("T_INTERSECTS(date, INTERVAL('2017-11-19', '2017-12-01'))"), scene)


def test_null_geometry_uses_the_bbox():
    scene = make_scene(id="nogeo", geometry=None, bbox=[10, 10, 11, 11])
    assert cql2.evaluate(cql2.parse("S_INTERSECTS(geometry, POINT(10.5 10.5))"), scene)


def test_evaluate_accepts_cql2_json_from_elsewhere():
    expr = {"op": "and", "args": [
        {"op": "<", "args": [{"property": "eo:cloud_cover"}, 50]},
        {"op": "s_intersects", "args": [{"property": "geometry"},
                                         {"type": "Polygon", "coordinates": [[[1, 1], [5, 1], [5, 5], [1, 5], [1, 1]]]}]},
    ]}
    assert cql2.evaluate(expr, LANDSAT)


def test_unknown_function_is_a_clear_error():
    with pytest.raises(InvalidRequestError, match="cannot evaluate"):
        cql2.evaluate(cql2.parse("my_func(platform) = 1"), LANDSAT)


def test_property_names():
    expr = cql2.parse("eo:cloud_cover < 10 AND (platform IN ('a') OR S_INTERSECTS(geometry, POINT(0 0))) "
                      "AND T_INTERSECTS(datetime, INTERVAL(start_datetime, '..')) AND CASEI(\"my prop\") = 'x'")
    assert cql2.property_names(expr) == {"eo:cloud_cover", "platform", "geometry", "datetime",
                                         "start_datetime", "my prop"}


RANGED = make_scene(id="R", start_datetime="2024-01-10T00:00:00Z", end_datetime="2024-01-20T00:00:00Z",
                    datetime=None)


@pytest.mark.parametrize("text, expected", [
    ("T_MEETS(datetime, INTERVAL('2024-01-20T00:00:00Z', '2024-02-01T00:00:00Z'))", True),
    ("T_METBY(datetime, INTERVAL('2024-01-01T00:00:00Z', '2024-01-10T00:00:00Z'))", True),
    ("T_OVERLAPS(datetime, INTERVAL('2024-01-15T00:00:00Z', '2024-01-25T00:00:00Z'))", True),
    ("T_OVERLAPS(datetime, INTERVAL('2024-01-05T00:00:00Z', '2024-01-15T00:00:00Z'))", False),
    ("T_OVERLAPPEDBY(datetime, INTERVAL('2024-01-05T00:00:00Z', '2024-01-15T00:00:00Z'))", True),
    ("T_STARTS(datetime, INTERVAL('2024-01-10T00:00:00Z', '2024-01-25T00:00:00Z'))", True),
    ("T_STARTEDBY(datetime, INTERVAL('2024-01-10T00:00:00Z', '2024-01-15T00:00:00Z'))", True),
    ("T_FINISHES(datetime, INTERVAL('2024-01-05T00:00:00Z', '2024-01-20T00:00:00Z'))", True),
    ("T_FINISHEDBY(datetime, INTERVAL('2024-01-15T00:00:00Z', '2024-01-20T00:00:00Z'))", True),
    ("T_CONTAINS(datetime, TIMESTAMP('2024-01-15T00:00:00Z'))", True),
    ("T_DURING(datetime, INTERVAL('2024-01-01', '2024-01-31'))", True),
    ("T_EQUALS(datetime, INTERVAL('2024-01-10T00:00:00Z', '2024-01-20T00:00:00Z'))", True),
    ("T_DISJOINT(datetime, INTERVAL('2024-01-21', '..'))", True),
    ("T_INTERSECTS(datetime, INTERVAL('..', '2024-01-10'))", True),
    ("T_BEFORE(datetime, DATE('2024-01-20'))", False),
    ("T_AFTER(datetime, DATE('2024-01-09'))", True),
])
def test_temporal_operators_on_a_time_range(text, expected):
    assert cql2.evaluate(cql2.parse(text), RANGED) is expected
