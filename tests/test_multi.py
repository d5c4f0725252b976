"""Several catalogs at once: connection lists, grouping of one scene's sources, the source
preference rule, falling back to the next source, equivalent collections, measured speeds."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from eo_scene_finder.providers import errors
from eo_scene_finder.providers.base import Connection
from eo_scene_finder.providers.catalogs.stac.items import item_to_lazy_scene, item_to_scene
from eo_scene_finder.providers.download.speeds import HostSpeeds
from eo_scene_finder.providers.model import Asset, LazyScene, Scene
from eo_scene_finder.providers.multi import (CRITERIA, CRITERION_TITLES, SceneGrouper, SourcePreference,
                                             connection_facts, describe_source, equivalent_collections,
                                             equivalent_filters, group_scenes, split_connections, try_sources)
from eo_scene_finder.providers.scene_ids import parse_scene_key

DATA = Path(__file__).parent / "data" / "stac"


def _pc_items(n=5):
    with open(DATA / "items_sentinel-2-l2a.ndjson", encoding="utf-8") as fh:
        return [json.loads(line) for _, line in zip(range(n), fh)]


def _scene(scene_id, connection, *, cloud=None, assets=None, online=None, props=None):
    return Scene(id=scene_id, collection="c", datetime=None, geometry=None, bbox=None, cloud_cover=cloud,
                 assets=assets or {}, properties=props or {}, connection=connection,
                 scene_key=parse_scene_key(scene_id), online=online)


S2_ESA = "S2B_MSIL2A_20230115T103411_N0509_R108_T31TFJ_20230115T134510.SAFE"
S2_E84 = "S2B_31TFJ_20230115_0_L2A"
COG = {"B04": Asset("B04", "https://pc.example.org/B04.tif", "image/tiff; application=geotiff", ("data",))}
ZIP = {"product": Asset("product", "https://zipper.example.org/odata/v1/Products(1)/$value", "application/zip",
                        ("data",))}


# ------------------------------------------------------------------- split_connections
def test_split_connections_on_semicolons_and_commas():
    assert split_connections("earth-search; cdse") == ["earth-search", "cdse"]
    assert split_connections("earth-search,cdse,earth-search") == ["earth-search", "cdse"]
    assert split_connections(" ; earth-search ;; ") == ["earth-search"]
    assert split_connections("My PC, stac-api+http://127.0.0.1:9/") == ["My PC", "stac-api+http://127.0.0.1:9/"]


def test_split_connections_keeps_a_query_with_commas_whole():
    text = "stac-api+http://127.0.0.1:9/?collections=a,b"
    assert split_connections(text) == [text]
    # a semicolon still separates it from the next catalog
    assert split_connections(text + "; cdse") == [text, "cdse"]
    # with the saved names known, a piece that is none of them keeps the comma in the query
    assert split_connections("earth-search?page_size=5,mine", saved=["other"]) == ["earth-search?page_size=5,mine"]


def test_split_connections_refuses_nothing():
    with pytest.raises(errors.InvalidRequestError):
        split_connections("")
    with pytest.raises(errors.InvalidRequestError):
        split_connections(" ;, ")


# ------------------------------------------------------------------------- grouping
def test_same_scene_from_three_catalogs_is_one_group():
    sources = [describe_source("CDSE", _scene(S2_ESA, "CDSE", cloud=12.0, props={"a": 1})),
               describe_source("Earth Search", _scene(S2_E84, "Earth Search", cloud=11.5, props={"b": 2})),
               describe_source("Other", _scene("S2A_32TLT_20230115_0_L2A", "Other")),
               describe_source("PC", _scene(S2_ESA.replace(".SAFE", ""), "PC", props={"a": 9}))]
    groups = group_scenes(sources)
    assert len(groups) == 2
    first = groups[0]
    assert [s.connection for s in first.sources] == ["CDSE", "Earth Search", "PC"]
    assert first.cloud_cover == 11.5
    assert first.union_properties() == {"a": (1, "CDSE"), "b": (2, "Earth Search")}
    assert first.representative().connection == "CDSE"


def test_scenes_without_key_stay_apart_and_repeats_are_not_added_twice():
    grouper = SceneGrouper()
    a = _scene("unknown-product-1", "X")
    b = _scene("unknown-product-1", "Y")
    g1, new1 = grouper.add(describe_source("X", a))
    g2, new2 = grouper.add(describe_source("Y", b))
    g3, new3 = grouper.add(describe_source("X", _scene("unknown-product-1", "X")))  # same row again
    assert (new1, new2, new3) == (True, True, False)
    assert g1 is not g2 and g3 is g1 and len(g1.sources) == 1
    assert len(grouper) == 2
    assert grouper.group_of(b) is g2
    assert grouper.group_of(_scene("unknown-product-1", "X")) is g1
    assert grouper.group_of(_scene("nothing", "X")) is None
    grouper.clear()
    assert len(grouper) == 0 and grouper.groups() == []


def test_same_key_sensed_by_two_orbits_the_same_day_is_two_scenes():
    import datetime as dt
    morning = dt.datetime(2024, 5, 16, 14, 47, 49, tzinfo=dt.timezone.utc)
    pc_82 = _scene("S2B_MSIL2A_20240516T144749_R082_T30XWS_20240516T201031", "PC")
    pc_83 = _scene("S2B_MSIL2A_20240516T162829_R083_T30XWS_20240516T213932", "PC")
    e84 = _scene("S2B_30XWS_20240516_1_L2A", "Earth Search")  # the tile's own sensing time
    cdse_83 = _scene("S2B_MSIL2A_20240516T162829_N0510_R083_T30XWS_20240516T213932.SAFE", "CDSE")
    pc_82.datetime, pc_83.datetime = morning, morning + dt.timedelta(minutes=100, seconds=40)
    e84.datetime = pc_83.datetime + dt.timedelta(minutes=3)
    cdse_83.datetime = pc_83.datetime
    assert pc_82.scene_key == pc_83.scene_key == e84.scene_key
    groups = group_scenes(describe_source(s.connection, s) for s in (pc_82, pc_83, e84, cdse_83))
    assert [[s.scene.id[:30] for s in g.sources] for g in groups] == [
        [pc_82.id[:30]], [pc_83.id[:30], e84.id[:30], cdse_83.id[:30]]]


class _RefusingCodec:
    def decode(self, scene):
        raise AssertionError("grouping decoded a lazy scene's record")

    def assets(self, scene, record):
        raise AssertionError("grouping decoded a lazy scene's assets")


def test_grouping_lazy_scenes_does_not_decode_them():
    items = _pc_items(3)
    grouper = SceneGrouper()
    for conn in ("PC", "Static copy"):
        for item in items:
            scene = item_to_lazy_scene(item, json.dumps(item), connection=conn)
            scene._codec = _RefusingCodec()
            grouper.add(describe_source(conn, scene))
    assert len(grouper) == 3
    assert all(len(g.sources) == 2 for g in grouper.groups())
    assert grouper.groups()[0].key == parse_scene_key(items[0]["id"])


def test_grouping_is_linear():
    import time
    def run(n):
        sources = [describe_source(f"C{i % 3}", _scene(f"S2A_{10 + (i // 3) % 50}TAB_2023{(i // 150) % 12 + 1:02d}"
                                                       f"{(i // 1800) % 28 + 1:02d}_0_L2A", f"C{i % 3}"))
                   for i in range(n)]
        start = time.perf_counter()
        group_scenes(sources)
        return time.perf_counter() - start
    run(1000)
    small, big = min(run(3000) for _ in range(5)), min(run(30000) for _ in range(5))
    assert big < small * 50  # ten times the rows: linear is 10 times the time, quadratic 100


def _grouped_by_scanning(sources):
    """The grouping rule read literally: each scene joins the first group to arrive with its
    key whose first source was sensed within SAME_ACQUISITION of it (every group compared)."""
    from eo_scene_finder.providers.multi import same_acquisition

    groups, seen = [], {}
    for source in sources:
        ident = (source.connection, source.scene.id)
        if ident in seen:
            continue
        key = source.scene.scene_key
        group = next((g for g in groups if key is not None and g[0].scene.scene_key == key
                      and same_acquisition(g[0].scene.datetime, source.scene.datetime)), None)
        if group is None:
            group = []
            groups.append(group)
        group.append(source)
        seen[ident] = group
    return [[(s.connection, s.scene.id) for s in g] for g in groups]


def _timed_scene(n, key_index, when):
    scene = _scene(f"S2A_MSIL2A_20230115T103411_N0509_R108_T{31 + key_index}TFJ_20230115T1345{n % 60:02d}",
                   f"C{n}")
    scene.datetime = when
    return describe_source(scene.connection, scene)


def test_grouping_by_time_bins_is_the_grouping_rule():
    """Scenes of few keys at times around the 30-minute limit (exactly at it, just over, no time,
    naive and aware): the grouper gives the groups the rule gives, in the same order."""
    import datetime as dt

    from hypothesis import given, settings, strategies as st

    base = dt.datetime(2023, 1, 15, 10, 0, tzinfo=dt.timezone.utc)
    offsets = st.sampled_from([0, 1, 29 * 60, 30 * 60, 30 * 60 + 1, 45 * 60, 60 * 60, 90 * 60 + 1, 100 * 60,
                               -30 * 60, -30 * 60 - 1, 24 * 3600])
    when = st.one_of(st.none(), st.tuples(offsets, st.booleans()).map(
        lambda t: (base + dt.timedelta(seconds=t[0])).replace(tzinfo=None if t[1] else dt.timezone.utc)))

    @settings(deadline=None)
    @given(st.lists(st.tuples(st.integers(0, 2), when, st.integers(0, 40)), max_size=40))
    def check(rows):
        sources = [_timed_scene(n, key, at) for key, at, n in rows]
        grouper = SceneGrouper()
        for source in sources:
            grouper.add(source)
        assert [[(s.connection, s.scene.id) for s in g.sources] for g in grouper.groups()] == \
            _grouped_by_scanning(sources)

    check()


def test_a_key_seen_at_many_times_costs_a_few_comparisons_per_scene(monkeypatch):
    """One tile revisited every 7 hours by 3 catalogs (30,000 rows): each scene is compared with
    the groups sensed near it only, not with every earlier group of its tile."""
    import datetime as dt

    from eo_scene_finder.providers import multi

    calls = [0]
    compare = multi.same_acquisition

    def counted(a, b):
        calls[0] += 1
        return compare(a, b)

    monkeypatch.setattr(multi, "same_acquisition", counted)
    base = dt.datetime(2020, 1, 1, tzinfo=dt.timezone.utc)
    grouper = SceneGrouper()
    for i in range(10000):
        for catalog in range(3):
            scene = _scene(f"{S2_E84}-{i}", f"C{catalog}")
            scene.scene_key = parse_scene_key(S2_E84)  # one tile and day for all (as derived test items)
            scene.datetime = base + dt.timedelta(hours=7 * i, minutes=catalog)
            grouper.add(describe_source(scene.connection, scene))
    assert len(grouper) == 10000 and all(len(g.sources) == 3 for g in grouper.groups())
    assert calls[0] <= 3 * 30000


# ----------------------------------------------------------------------- preference
def test_default_rule_prefers_cog_then_no_credentials_then_free_then_online():
    cdse = describe_source("CDSE", _scene(S2_ESA, "CDSE", assets=ZIP, online=True), needs_credentials=True)
    pc = describe_source("PC", _scene(S2_ESA, "PC", assets=COG))
    aws = describe_source("AWS", _scene(S2_ESA, "AWS", assets=COG), needs_credentials=True, requester_pays=True)
    lta = describe_source("LTA", _scene(S2_ESA, "LTA", assets=ZIP, online=False))
    ranked = SourcePreference().rank([lta, aws, cdse, pc])
    assert [s.connection for s in ranked] == ["PC", "AWS", "LTA", "CDSE"]
    text = SourcePreference().explain(pc, [cdse, aws])
    assert text.startswith("PC: cloud-optimised, no credentials, free, online")
    assert "CDSE archive only" in text and "AWS needs a login" in text


def test_reordered_rule_and_measured_speed(tmp_path):
    slow = describe_source("Slow", _scene(S2_ESA, "Slow", assets={"a": Asset("a", "https://slow.example/a.tif")}))
    fast = describe_source("Fast", _scene(S2_ESA, "Fast", assets={"a": Asset("a", "https://fast.example/a.tif")}))
    speeds = HostSpeeds(str(tmp_path / "speeds.json"))
    speeds.record("fast.example", 10_000_000, 1.0)
    speeds.record("slow.example", 1_000_000, 1.0)
    assert [s.connection for s in SourcePreference().rank([slow, fast])] == ["Slow", "Fast"]  # no speeds: arrival
    assert [s.connection for s in SourcePreference().rank([slow, fast], speeds)] == ["Fast", "Slow"]
    archive_first = SourcePreference(("online", "speed"))
    zipped = describe_source("Zip", _scene(S2_ESA, "Zip", assets=ZIP))
    assert archive_first.rank([fast, zipped], speeds)[0].connection == "Fast"
    assert SourcePreference(("no_credentials",)).rank(
        [describe_source("A", _scene(S2_ESA, "A"), needs_credentials=True), zipped])[0].connection == "Zip"
    assert "Slow is slower" in SourcePreference().explain(fast, [slow], speeds)


def test_preference_text_round_trip_and_bad_text():
    rule = SourcePreference(("online", "cog"))
    assert SourcePreference.from_text(rule.to_text()) == rule
    assert SourcePreference.from_text("") == SourcePreference()
    assert set(CRITERION_TITLES) == set(CRITERIA)
    assert SourcePreference().describe().startswith("cloud-optimised format over archives; then")
    with pytest.raises(errors.InvalidRequestError, match="not a source preference"):
        SourcePreference.from_text("cog,cheapest")
    with pytest.raises(errors.InvalidRequestError):
        SourcePreference(("cog", "cog"))


def test_cog_and_host_are_read_from_the_assets():
    source = describe_source("PC", item_to_scene(_pc_items(1)[0], "PC"))
    assert source.cog is True
    assert source.host == "sentinel2l2a01.blob.core.windows.net"
    assert describe_source("X", _scene(S2_ESA, "X")).host == ""
    assert describe_source("X", _scene(S2_ESA, "X", online=False)).online is False


def test_connection_facts_from_the_kind():
    assert connection_facts(Connection("pc", "stac-api", "http://x/", {"signing": "planetary-computer"})) == (False, False)
    assert connection_facts(Connection("cdse", "cdse", "http://x/")) == (True, False)
    assert connection_facts(Connection("aws", "aws", "http://x/")) == (True, True)
    assert connection_facts(Connection("g", "google", "http://x/")) == (False, False)


# -------------------------------------------------------------------------- fallback
def test_try_sources_falls_back_and_says_so():
    sources = [describe_source(n, _scene(S2_ESA, n)) for n in ("A", "B", "C")]
    lines = []

    def action(source):
        if source.connection != "C":
            raise errors.UnreachableError(f"{source.connection} is down")
        return source.connection

    assert try_sources(sources, action, lines.append) == "C"
    assert lines == ["A failed (A is down): trying B", "B failed (B is down): trying C"]


def test_try_sources_all_failing_names_every_source():
    sources = [describe_source(n, _scene(S2_ESA, n)) for n in ("A", "B")]
    lines = []

    def action(source):
        raise OSError("disk full")

    with pytest.raises(errors.EoSceneFinderError) as info:
        try_sources(sources, action, lines.append)
    assert "A: disk full" in str(info.value) and "B: disk full" in str(info.value)
    assert lines[-1] == "B failed (disk full): no other source left"


def test_try_sources_does_not_hide_programming_errors():
    with pytest.raises(KeyError):
        try_sources([describe_source("A", _scene(S2_ESA, "A"))], lambda s: {}["x"], print)


# ----------------------------------------------------------------------- collections
def test_equivalent_collections_per_kind():
    assert equivalent_collections(["sentinel-2-l2a"], "cdse") == ["SENTINEL-2"]
    assert equivalent_filters(["sentinel-2-l2a"], "cdse") == {"productType": "S2MSI2A"}
    assert equivalent_filters(["sentinel-2-l2a"], "stac-api") == {}
    assert equivalent_collections(["sentinel-2-l2a"], "stac-api") == ["sentinel-2-l2a"]
    # a catalog that names it differently, when its collections are known
    assert equivalent_collections(["sentinel-2-l2a"], "stac-api", ["sentinel-2-c1-l2a", "x"]) == ["sentinel-2-c1-l2a"]
    # not in that catalog: dropped
    assert equivalent_collections(["sentinel-2-l2a", "landsat-c2-l2"], "static", ["landsat-c2-l2"]) == ["landsat-c2-l2"]
    assert equivalent_collections(["landsat-c2-l2"], "usgs") == ["landsat_ot_c2_l2"]
    # the catalog's own ids and unknown ids pass through
    assert equivalent_collections(["SENTINEL-2"], "cdse") == ["SENTINEL-2"]
    assert equivalent_filters(["SENTINEL-2"], "cdse") == {}
    assert equivalent_collections(["my-collection"], "stac-api") == ["my-collection"]
    assert equivalent_collections(["sentinel-2-l2a", "sentinel-2-l1c"], "cdse") == ["SENTINEL-2"]
    assert equivalent_filters(["sentinel-2-l2a", "sentinel-2-l1c"], "cdse") == {"productType": ["S2MSI2A", "S2MSI1C"]}


# ---------------------------------------------------------------------------- speeds
def test_host_speeds_average_and_persist(tmp_path):
    path = tmp_path / "sub" / "speeds.json"
    speeds = HostSpeeds(str(path))
    assert speeds.speed("a.example") is None
    speeds.record("A.example", 1_000_000, 1.0)
    speeds.record("a.example", 3_000_000, 1.0)
    first = speeds.speed("a.example")
    assert 1_000_000 < first < 3_000_000  # moved towards the new measurement, not replaced
    speeds.record("a.example", 10, 0.001)  # too small to measure: ignored
    speeds.record("a.example", 10_000_000, 0.0)
    assert speeds.speed("a.example") == first
    speeds.save()
    again = HostSpeeds(str(path))
    assert again.speed("a.example") == pytest.approx(first)
    path.write_text("{broken")
    assert HostSpeeds(str(path)).speed("a.example") is None
    HostSpeeds(None).save()  # no file: nothing to do


def test_host_speeds_keep_only_host_names(tmp_path):
    path = tmp_path / "speeds.json"
    speeds = HostSpeeds(str(path))
    speeds.record("user:secret@b.example:8443/path?token=abc", 1_000_000, 1.0)
    speeds.save()
    text = path.read_text()
    assert "b.example:8443" in text and "secret" not in text and "token" not in text


def test_lazy_scene_type_is_kept():
    item = _pc_items(1)[0]
    scene = item_to_lazy_scene(item, json.dumps(item), connection="PC")
    assert isinstance(describe_source("PC", scene).scene, LazyScene)
