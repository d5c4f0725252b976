"""The STAC API provider against the real stac-fastapi-pgstac (``pgstac_api``) loaded with the
real Planetary Computer items (283 sentinel-2-l2a, 250 landsat-8-c2-l2, 10 landsat-c2-l2).

Requests are counted with a ``requests`` response hook on the provider's own session (the
public hook API, nothing patched). Servers that misbehave on purpose are a small loopback
reverse proxy in front of the real API (``StacProxy``) that can hide conformance classes,
refuse requests the way real servers do, or damage the items it relays.
"""
from __future__ import annotations

import datetime as _dt
import json
import socket
import threading
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional
from urllib.parse import urlsplit

import pytest
import requests
from shapely.geometry import box, mapping, shape

from eo_scene_finder.providers import errors
from eo_scene_finder.providers.base import Connection
from eo_scene_finder.providers.connections import open_provider
from eo_scene_finder.providers.model import SearchRequest
from eo_scene_finder.providers.catalogs.stac.api import StacApiProvider

pytestmark = pytest.mark.timeout(300)

DATA = Path(__file__).resolve().parent / "data" / "stac"


def _items(collection: str) -> List[Dict[str, Any]]:
    with open(DATA / f"items_{collection}.ndjson") as handle:
        return [json.loads(line) for line in handle if line.strip()]


def _provider(url: str, **options) -> StacApiProvider:
    return open_provider(Connection(name="pgstac", kind="stac-api", url=url, options=options))


def _ids(scenes) -> List[str]:
    return [s.id for s in scenes]


class RequestLog:
    """Every response the provider's session received (method, path, JSON body)."""

    def __init__(self, provider: StacApiProvider):
        self.entries: List[Dict[str, Any]] = []
        provider.session.hooks["response"].append(self._hook)

    def _hook(self, response, *args, **kwargs):
        req = response.request
        body = json.loads(req.body) if req.body else None
        self.entries.append({"method": req.method, "path": urlsplit(req.url).path, "url": req.url,
                             "body": body, "status": response.status_code})

    def searches(self) -> List[Dict[str, Any]]:
        return [e for e in self.entries if e["path"].endswith("/search")]


# ---------------------------------------------------------------------- the reverse proxy
class StacProxy:
    """A loopback reverse proxy in front of the real STAC API.

    ``hide`` removes conformance URIs containing any of its strings from the landing page;
    ``reject(method, path, body) -> (status, body, headers) | None`` answers instead of the
    API; ``mutate(features)`` edits the items of each search page it relays.
    """

    def __init__(self, upstream: str):
        self.upstream = upstream.rstrip("/")
        self.hide: List[str] = []
        self.reject: Optional[Callable[[str, str, Any], Optional[tuple]]] = None
        self.mutate: Optional[Callable[[List[dict]], None]] = None
        proxy = self
        self.session = requests.Session()
        self.session.trust_env = False

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def _relay(self):
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length) if length else b""
                body = json.loads(raw) if raw else None
                parts = urlsplit(self.path)
                if proxy.reject:
                    answer = proxy.reject(self.command, parts.path, body)
                    if answer:
                        status, payload, headers = answer
                        data = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
                        self.send_response(status)
                        for k, v in (headers or {"Content-Type": "application/json"}).items():
                            self.send_header(k, v)
                        self.send_header("Content-Length", str(len(data)))
                        self.end_headers()
                        self.wfile.write(data)
                        return
                upstream = proxy.session.request(
                    self.command, proxy.upstream + self.path, data=raw or None,
                    headers={"Content-Type": self.headers.get("Content-Type", "application/json")})
                text = upstream.text.replace(proxy.upstream, proxy.url)
                if upstream.headers.get("Content-Type", "").endswith("json") and upstream.ok:
                    doc = json.loads(text)
                    if parts.path in ("", "/") and proxy.hide:
                        doc["conformsTo"] = [u for u in doc.get("conformsTo", [])
                                             if not any(h in u for h in proxy.hide)]
                    if parts.path.endswith("/search") and proxy.mutate and doc.get("features"):
                        proxy.mutate(doc["features"])
                    text = json.dumps(doc)
                data = text.encode()
                self.send_response(upstream.status_code)
                self.send_header("Content-Type", upstream.headers.get("Content-Type", "application/json"))
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_GET = _relay
            do_POST = _relay

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()
        self.session.close()


@pytest.fixture
def stac_proxy(pgstac_api):
    proxy = StacProxy(pgstac_api.url)
    yield proxy
    proxy.close()


# ---------------------------------------------------------------------------- opening
def test_conformance_is_read_once_and_pgstac_11_sort_class_is_recognised(pgstac_api):
    provider = _provider(pgstac_api.url)
    log = RequestLog(provider)
    conf = provider.conformance
    assert conf.item_search and conf.query and conf.filter and conf.free_text
    assert conf.sort  # pgstac says https://api.stacspec.org/v1.1.0/item-search#sort
    plan = provider.plan(SearchRequest.create(sortby="-datetime"))
    assert plan["params"]["sortby"] == [{"field": "properties.datetime", "direction": "desc"}]
    assert not plan["sort_locally"]
    provider.list_collections()
    provider.search(SearchRequest.create(ids=["x"])).all()
    assert [e["path"] for e in log.entries].count("/") == 1  # landing page once


# ---------------------------------------------------------------------------- filters
def test_collections_have_the_real_item_counts(pgstac_api):
    provider = _provider(pgstac_api.url)
    for cid, count in (("sentinel-2-l2a", 283), ("landsat-8-c2-l2", 250), ("landsat-c2-l2", 10)):
        scenes = provider.search(SearchRequest.create(collections=[cid])).all()
        assert len(scenes) == count
        assert {s.collection for s in scenes} == {cid}
        assert len(set(_ids(scenes))) == count


def _item_with_footprint(collection="sentinel-2-l2a"):
    """A real item whose footprint fills clearly less than its bbox."""
    for item in _items(collection):
        foot = shape(item["geometry"])
        if foot.area < 0.8 * box(*item["bbox"]).area and foot.area > 0.05:
            return item, foot
    raise AssertionError("no partial-footprint item in the data")


def test_polygon_aoi_uses_the_true_footprint_not_the_bbox(pgstac_api):
    item, foot = _item_with_footprint()
    # a polygon whose bbox covers the whole item but that only surrounds its footprint
    outer = box(*foot.buffer(0.3).bounds)
    ring_aoi = outer.difference(foot.buffer(0.02))
    assert ring_aoi.is_valid and not ring_aoi.intersects(foot) and box(*ring_aoi.bounds).contains(foot)
    inside_aoi = foot.buffer(-0.05) if not foot.buffer(-0.05).is_empty else foot.representative_point().buffer(0.001)

    when = dict(collections=["sentinel-2-l2a"])
    server_side = _provider(pgstac_api.url)
    assert item["id"] not in _ids(server_side.search(SearchRequest.create(aoi=mapping(ring_aoi), **when)).all())
    assert item["id"] in _ids(server_side.search(SearchRequest.create(aoi=mapping(inside_aoi), **when)).all())

    # a server asked by bbox returns the item; the provider then drops it by true intersection
    bbox_mode = _provider(pgstac_api.url, intersects=False)
    plan = bbox_mode.plan(SearchRequest.create(aoi=mapping(ring_aoi), **when))
    assert "bbox" in plan["params"] and "intersects" not in plan["params"] and plan["check_aoi"]
    log = RequestLog(bbox_mode)
    scenes = bbox_mode.search(SearchRequest.create(aoi=mapping(ring_aoi), **when)).all()
    assert item["id"] not in _ids(scenes)
    raw = requests.post(pgstac_api.url + "/search", json=log.searches()[0]["body"]).json()
    assert item["id"] in [f["id"] for f in raw["features"]]
    assert item["id"] in _ids(bbox_mode.search(SearchRequest.create(aoi=mapping(inside_aoi), **when)).all())


def test_end_dates_are_inclusive_whole_days(pgstac_api):
    item = _items("landsat-c2-l2")[0]
    day = _dt.date.fromisoformat(item["properties"]["datetime"][:10])
    provider = _provider(pgstac_api.url)

    def found(start, end):
        req = SearchRequest.create(collections=["landsat-c2-l2"], start=start, end=end)
        return item["id"] in _ids(provider.search(req).all())

    assert found(day - _dt.timedelta(days=5), day)  # end date = the item's day includes it
    assert found(day, day)
    assert found(day, None) and found(None, day)
    assert not found(day - _dt.timedelta(days=5), day - _dt.timedelta(days=1))
    assert not found(day + _dt.timedelta(days=1), None)


def test_cloud_cover_through_query_filter_and_client_side_agree(pgstac_api, stac_proxy):
    expected = sorted(i["id"] for i in _items("sentinel-2-l2a") if i["properties"]["eo:cloud_cover"] <= 10)
    assert 0 < len(expected) < 283
    req = SearchRequest.create(collections=["sentinel-2-l2a"], max_cloud=10)

    via_query = _provider(pgstac_api.url)
    assert via_query.plan(req)["params"]["query"] == {"eo:cloud_cover": {"lte": 10.0}}
    assert sorted(_ids(via_query.search(req).all())) == expected

    stac_proxy.hide = ["#query"]  # a server with CQL2 filter but no query extension
    via_filter = _provider(stac_proxy.url)
    plan = via_filter.plan(req)
    assert "query" not in plan["params"] and plan["params"]["filter"]["op"] == "<="
    assert sorted(_ids(via_filter.search(req).all())) == expected

    stac_proxy.hide = ["#query", "#filter", "/filter"]  # neither: checked client-side
    client_side = _provider(stac_proxy.url)
    plan = client_side.plan(req)
    assert plan["check_cloud"] and "filter" not in plan["params"] and "query" not in plan["params"]
    assert sorted(_ids(client_side.search(req).all())) == expected


def test_cql2_text_is_sent_as_cql2_json_and_combined_with_cloud(pgstac_api, stac_proxy):
    text = "platform = 'Sentinel-2A' AND \"s2:mgrs_tile\" LIKE '59V%'"
    expected = sorted(i["id"] for i in _items("sentinel-2-l2a")
                      if i["properties"]["platform"] == "Sentinel-2A"
                      and i["properties"]["s2:mgrs_tile"].startswith("59V")
                      and i["properties"]["eo:cloud_cover"] <= 50)
    assert 0 < len(expected) < 33
    req = SearchRequest.create(collections=["sentinel-2-l2a"], cql2=text, max_cloud=50)
    provider = _provider(pgstac_api.url)
    log = RequestLog(provider)
    assert sorted(_ids(provider.search(req).all())) == expected
    body = log.searches()[0]["body"]
    assert body["filter-lang"] == "cql2-json" and body["filter"]["op"] == "and"
    assert {"op": "<=", "args": [{"property": "eo:cloud_cover"}, 50.0]} in body["filter"]["args"]
    assert "query" not in body

    stac_proxy.hide = ["#filter", "/filter"]  # no filter extension: CQL2 evaluated here
    local = _provider(stac_proxy.url)
    assert local.plan(req)["check_cql2"]
    assert sorted(_ids(local.search(req).all())) == expected


def test_cql2_syntax_errors_are_reported_before_any_search(pgstac_api):
    provider = _provider(pgstac_api.url)
    log = RequestLog(provider)
    with pytest.raises(errors.InvalidRequestError):
        provider.search(SearchRequest.create(cql2="eo:cloud_cover <<< 3")).all()
    assert log.searches() == []


@pytest.fixture(scope="module")
def numerically_sorted_s2(pgstac_api):
    """A collection with the sentinel-2-l2a items whose ``eo:cloud_cover`` queryable is typed
    as a number, as on Planetary Computer. pgstac sorts a property it has no queryable for
    as text ("10.07" before "2.03"); the shared fixture's collections carry no queryables."""
    probe = requests.post(pgstac_api.url + "/search", json={
        "collections": ["sentinel-2-l2a"], "limit": 283,
        "sortby": [{"field": "properties.eo:cloud_cover", "direction": "asc"}]}).json()
    clouds = [f["properties"]["eo:cloud_cover"] for f in probe["features"]]
    if clouds == sorted(clouds):
        return "sentinel-2-l2a"
    cid = "sentinel-2-l2a-typed-" + uuid.uuid4().hex[:6]
    with open(DATA / "collections.ndjson") as handle:
        record = next(json.loads(l) for l in handle if json.loads(l)["id"] == "sentinel-2-l2a")
    record["id"] = cid
    pgstac_api.load_collections([record])
    pgstac_api.load_items(_items("sentinel-2-l2a"), cid)
    pgstac_api.load_queryables({"eo:cloud_cover": {"type": "number"}}, [cid])
    return cid


@pytest.mark.parametrize("field", ["datetime", "eo:cloud_cover"])
@pytest.mark.parametrize("descending", [False, True])
def test_sort_order_holds_across_pages(pgstac_api, numerically_sorted_s2, field, descending):
    provider = _provider(pgstac_api.url, page_size=40)
    collection = numerically_sorted_s2 if field == "eo:cloud_cover" else "sentinel-2-l2a"
    req = SearchRequest.create(collections=[collection], sortby=("-" if descending else "") + field)
    pages = list(provider.search(req).pages())
    assert len(pages) >= 7
    values = [s.datetime if field == "datetime" else s.cloud_cover for p in pages for s in p.scenes]
    assert len(values) == 283 and None not in values
    assert values == sorted(values, reverse=descending)


def test_sorting_without_server_support_is_done_here(stac_proxy, pgstac_api):
    stac_proxy.hide = ["#sort"]
    provider = _provider(stac_proxy.url, page_size=100)
    req = SearchRequest.create(collections=["landsat-8-c2-l2"], sortby="-eo:cloud_cover")
    plan = provider.plan(req)
    assert plan["sort_locally"] and "sortby" not in plan["params"]
    pages = list(provider.search(req).pages())
    clouds = [s.cloud_cover for p in pages for s in p.scenes]
    assert len(clouds) == 250 and clouds == sorted(clouds, reverse=True)
    assert [p.more for p in pages] == [True, True, False]


def test_ids(pgstac_api):
    wanted = [i["id"] for i in _items("landsat-8-c2-l2")[:3]] + ["no-such-item"]
    scenes = _provider(pgstac_api.url).search(SearchRequest.create(ids=wanted)).all()
    assert sorted(_ids(scenes)) == sorted(wanted[:3])


def test_no_match_is_one_empty_page(pgstac_api):
    pages = list(_provider(pgstac_api.url).search(SearchRequest.create(
        collections=["sentinel-2-l2a"], start="1990-01-01", end="1990-12-31")).pages())
    assert len(pages) == 1 and pages[0].scenes == [] and not pages[0].more


# ------------------------------------------------------------------------------ paging
def test_paging_requests_each_page_once_and_lazily(pgstac_api):
    provider = _provider(pgstac_api.url, page_size=20)
    log = RequestLog(provider)
    results = provider.search(SearchRequest.create(collections=["sentinel-2-l2a"]))
    pages = results.pages()
    first = next(pages)
    assert len(first.scenes) == 20 and first.more and first.matched is None
    assert len(log.searches()) == 1  # the first page arrives before any other is asked for

    rest = list(pages)
    everything = first.scenes + [s for p in rest for s in p.scenes]
    assert len(everything) == 283 and len(set(_ids(everything))) == 283
    searches = log.searches()
    assert len(searches) == len(rest) + 1 == 15
    tokens = [(s["body"] or {}).get("token") for s in searches]
    assert tokens[0] is None and len(set(tokens[1:])) == 14  # each next page exactly once
    assert all("context" not in json.dumps(s["body"]) for s in searches)  # no count asked


def test_result_cap_stops_paging(pgstac_api):
    provider = _provider(pgstac_api.url, page_size=20)
    log = RequestLog(provider)
    results = provider.search(SearchRequest.create(collections=["sentinel-2-l2a"], limit=45))
    assert len(results.all()) == 45
    assert len(log.searches()) == 3
    small = _provider(pgstac_api.url)
    log_small = RequestLog(small)
    assert len(small.search(SearchRequest.create(collections=["sentinel-2-l2a"], limit=7)).all()) == 7
    assert log_small.searches()[0]["body"]["limit"] == 7  # never more than the cap


def test_count_only_when_asked(pgstac_api):
    provider = _provider(pgstac_api.url)
    count = provider.count(SearchRequest.create(collections=["landsat-c2-l2"]))
    assert count in (10, None)  # pgstac may not count; it never lies


def test_rejected_page_size_falls_back_once(stac_proxy):
    def refuse_big_pages(method, path, body):
        limit = (body or {}).get("limit")
        if path.endswith("/search") and limit and limit > 100:
            return 400, {"code": "BadRequest", "description": f"limit must be <= 100, got {limit}"}, None
        return None

    stac_proxy.reject = refuse_big_pages
    provider = _provider(stac_proxy.url)  # default page size 1000
    log = RequestLog(provider)
    scenes = provider.search(SearchRequest.create(collections=["landsat-8-c2-l2"])).all()
    assert len(scenes) == 250
    limits = [s["body"]["limit"] for s in log.searches()]
    # a small first page (rows on screen fast), then the configured 1000, refused once, then 100
    assert limits[:2] == [100, 1000] and set(limits[2:]) == {100}
    assert [s["status"] for s in log.searches()].count(400) == 1
    provider.search(SearchRequest.create(ids=["x"])).all()
    assert log.searches()[-1]["body"]["limit"] == 100  # remembered


def test_server_without_geometry_search_gets_bbox_and_client_side_check(stac_proxy):
    item, foot = _item_with_footprint()

    def no_intersects(method, path, body):
        if path.endswith("/search") and body and "intersects" in body:
            return 400, {"code": "BadRequest", "description": "intersects is not supported, use bbox"}, None
        return None

    stac_proxy.reject = no_intersects
    provider = _provider(stac_proxy.url)
    ring = box(*foot.buffer(0.3).bounds).difference(foot.buffer(0.02))
    scenes = provider.search(SearchRequest.create(collections=["sentinel-2-l2a"], aoi=mapping(ring))).all()
    assert item["id"] not in _ids(scenes)
    inside = provider.search(SearchRequest.create(collections=["sentinel-2-l2a"],
                                                  aoi=mapping(foot.representative_point().buffer(0.01)))).all()
    assert item["id"] in _ids(inside)


# ----------------------------------------------------------------- collections, queryables
def test_collections_listing_and_free_text_search(pgstac_api):
    provider = _provider(pgstac_api.url)
    log = RequestLog(provider)
    cols = {c.id: c for c in provider.list_collections()}
    assert set(cols) >= {"sentinel-2-l2a", "landsat-8-c2-l2", "landsat-c2-l2"}
    s2 = cols["sentinel-2-l2a"]
    assert s2.title and s2.description and s2.license and s2.spatial_extent and s2.temporal_extent[0]
    # the landsat-8-c2-l2 record is a STAC 1.0.0-beta document: still listed
    assert cols["landsat-8-c2-l2"].record.get("stac_version", "").startswith("1.0.0-beta")

    found = {c.id for c in provider.search_collections("landsat")}
    assert {"landsat-8-c2-l2", "landsat-c2-l2"} <= found and "sentinel-2-l2a" not in found
    assert any("q=landsat" in e["url"] for e in log.entries)  # asked the server (free-text class)


def test_free_text_without_server_support_is_client_side(stac_proxy):
    stac_proxy.hide = ["collection-search"]
    provider = _provider(stac_proxy.url)
    found = {c.id for c in provider.search_collections("sentinel")}
    assert "sentinel-2-l2a" in found and "landsat-c2-l2" not in found


def test_queryables(pgstac_api):
    provider = _provider(pgstac_api.url)
    root = provider.queryables([])
    assert {"id", "datetime", "geometry"} <= set(root)
    assert {"datetime"} <= set(provider.queryables(["sentinel-2-l2a"]))
    assert provider.queryables(["no-such-collection"]) == {}


# ------------------------------------------------------------------------------- errors
def test_unknown_collection_is_not_found(pgstac_api):
    with pytest.raises(errors.NotFoundError) as info:
        _provider(pgstac_api.url).get_collection("no-such-collection")
    assert "no-such-collection" in info.value.user_message


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_unreachable_api():
    provider = _provider(f"http://127.0.0.1:{_closed_port()}/")
    with pytest.raises(errors.UnreachableError):
        provider.search(SearchRequest.create(collections=["x"])).all()
    with pytest.raises(errors.UnreachableError):
        provider.list_collections()


def test_malformed_answers(stac_proxy):
    stac_proxy.reject = lambda m, p, b: (200, b"<html>maintenance</html>", {"Content-Type": "text/html"}) \
        if p.endswith("/search") else None
    with pytest.raises(errors.MalformedResponseError):
        _provider(stac_proxy.url).search(SearchRequest.create(collections=["landsat-c2-l2"])).all()
    stac_proxy.reject = lambda m, p, b: (200, b"{not json", {"Content-Type": "application/json"})
    with pytest.raises(errors.MalformedResponseError):
        _provider(stac_proxy.url).list_collections()


def test_bad_request_carries_the_server_message(stac_proxy):
    stac_proxy.reject = lambda m, p, b: (400, {"code": "BadRequest", "description": "datetime out of range"},
                                         None) if p.endswith("/search") else None
    with pytest.raises(errors.BadRequestError) as info:
        _provider(stac_proxy.url).search(SearchRequest.create(collections=["landsat-c2-l2"])).all()
    assert "datetime out of range" in info.value.server_message


def test_rate_limited(stac_proxy):
    stac_proxy.reject = lambda m, p, b: (429, {"detail": "slow down"},
                                         {"Retry-After": "7", "Content-Type": "application/json"}) \
        if p.endswith("/search") else None
    with pytest.raises(errors.RateLimitedError) as info:
        _provider(stac_proxy.url).search(SearchRequest.create(collections=["landsat-c2-l2"])).all()
    assert info.value.retry_after == pytest.approx(7)


def test_not_a_stac_api(stac_proxy):
    stac_proxy.hide = ["item-search"]
    with pytest.raises(errors.InvalidRequestError) as info:
        _provider(stac_proxy.url).search(SearchRequest.create()).all()
    assert "static catalog" in info.value.user_message


# ---------------------------------------------------------------- items breaking the spec
def test_items_that_break_the_spec_do_not_break_a_search(stac_proxy):
    def damage(features):
        features[0]["properties"].pop("datetime", None)
        features[0]["properties"]["start_datetime"] = "2022-03-01T10:00:00Z"
        features[1]["geometry"] = None
        features[2]["properties"] = {"productType": "WEIRD", "nested": {"a": [1, 2]}, "datetime": None,
                                     "date": "2021-01-01T00:00:00Z/2021-01-02T00:00:00Z"}
        features[3]["stac_version"] = "1.0.0-beta.2"
        features[4]["assets"] = {"bad": "not-an-asset", "ok": {"href": "relative/file.tif"}}
        features[5]["bbox"] = None
        features[6].pop("collection", None)

    stac_proxy.mutate = damage
    provider = _provider(stac_proxy.url)
    scenes = provider.search(SearchRequest.create(collections=["landsat-8-c2-l2"])).all()
    assert len(scenes) == 250
    first_page = scenes[:7]
    assert first_page[0].datetime == _dt.datetime(2022, 3, 1, 10, tzinfo=_dt.timezone.utc)
    assert first_page[1].geometry is None  # these 1.0.0-beta items have no bbox either
    assert first_page[2].datetime == _dt.datetime(2021, 1, 1, tzinfo=_dt.timezone.utc)
    assert first_page[2].properties["productType"] == "WEIRD"
    assert list(first_page[4].assets) == ["ok"]
    assert first_page[4].assets["ok"].href.startswith("http://")  # made absolute


# -------------------------------------------------------------------------------- hrefs
def test_resolve_href(pgstac_api):
    provider = _provider(pgstac_api.url)
    assert provider.resolve_href("s3://bucket/key/b04.tif") == "/vsis3/bucket/key/b04.tif"
    assert provider.gdal_path("s3://bucket/key/b04.tif") == "/vsis3/bucket/key/b04.tif"
    assert provider.resolve_href("data/x.tif") == pgstac_api.url.rstrip("/") + "/data/x.tif"
    assert provider.gdal_path("https://example.com/a.tif") == "/vsicurl/https://example.com/a.tif"

    from eo_scene_finder.providers.model import Asset
    asset = Asset("b04", "s3://bucket/key/b04.tif",
                  extra={"alternate": {"https": "https://bucket.s3.amazonaws.com/key/b04.tif"}})
    assert provider.resolve_href(asset.href, asset=asset) == "https://bucket.s3.amazonaws.com/key/b04.tif"


def test_s3_alternates_seen_in_search_results_are_used(stac_proxy):
    marker = uuid.uuid4().hex

    def s3_assets(features):
        for f in features:
            f["assets"]["s3-data"] = {"href": f"s3://bucket-{marker}/{f['id']}.tif",
                                      "alternate": {"https": {"href": f"https://cdn.example/{f['id']}.tif"}}}

    stac_proxy.mutate = s3_assets
    provider = _provider(stac_proxy.url)
    scene = provider.search(SearchRequest.create(collections=["landsat-c2-l2"], limit=1)).all()[0]
    assert provider.resolve_href(scene.assets["s3-data"].href) == f"https://cdn.example/{scene.id}.tif"
