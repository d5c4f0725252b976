"""Property-based fuzzing (Hypothesis) of every parser that reads what a server sends or a
user types. The property: a result, or an :class:`EoSceneFinderError` with a plain message;
never another exception, never a hang (a deadline per example), never a secret in the message.

Server documents are fuzzed by mutating real recorded ones (a random set of their subtrees
replaced by random JSON: wrong types, nulls, NaN, huge numbers, odd text); user inputs are
drawn from scratch. The ``ci`` profile (default) keeps ``make test`` within its budget;
``make fuzz`` runs the ``fuzz`` profile (many more examples). The examples run per parser are
printed at the end of the test output.
"""
from __future__ import annotations

import copy
import json
import math
import os
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from eo_scene_finder.providers import cql2
from eo_scene_finder.providers.base import Connection
from eo_scene_finder.providers.catalogs.cmr.granules import umm_granule_to_scene
from eo_scene_finder.providers.catalogs.odata.records import record_to_scene as odata_record_to_scene
from eo_scene_finder.providers.catalogs.stac.items import item_to_scene
from eo_scene_finder.providers.catalogs.usgs.records import record_to_scene as usgs_record_to_scene
from eo_scene_finder.providers.connections import resolve_connection
from eo_scene_finder.providers.errors import EoSceneFinderError
from eo_scene_finder.providers.model import SearchRequest, normalize_aoi, parse_instant
from eo_scene_finder.providers.net.redact import register_secret
from fixtures.fuzz_report import EXAMPLES

DATA = Path(__file__).parent / "data"
SECRET = "fz-Secret-7b1e44c09a"  # in the inputs; never in a message
register_secret(SECRET)

settings.register_profile("ci", max_examples=60, deadline=3000, derandomize=True,
                          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
settings.register_profile("fuzz", max_examples=3000, deadline=3000,
                          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))

# ------------------------------------------------------------------ strategies
ODD_NUMBERS = st.sampled_from([math.nan, math.inf, -math.inf, 1e308, -1e308, 2 ** 70, -(2 ** 70), 0, -1])
ODD_TEXT = st.one_of(st.text(max_size=40), st.sampled_from([
    "", " ", "null", "NaN", "\u0000", "\udcff", "9999-99-99T99:99:99Z", "2023-02-30", "..", "../../etc/passwd",
    "file:///etc/passwd", f"https://h.example/a.tif?token={SECRET}", "<xml/>", "{}", "\u202e\u0644\u0639"]))
SCALARS = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=True), ODD_NUMBERS, ODD_TEXT)
JSON = st.recursive(SCALARS, lambda inner: st.one_of(st.lists(inner, max_size=4),
                                                     st.dictionaries(st.text(max_size=8), inner, max_size=4)),
                    max_leaves=12)


def _paths(doc, prefix=()):
    yield prefix
    if isinstance(doc, dict):
        for key, value in doc.items():
            yield from _paths(value, prefix + (key,))
    elif isinstance(doc, list):
        for i, value in enumerate(doc):
            yield from _paths(value, prefix + (i,))


def _replace(doc, path, value):
    if not path:
        return value
    node = doc
    for step in path[:-1]:
        node = node[step]
    node[path[-1]] = value
    return doc


@st.composite
def mutated(draw, original):
    """``original`` with up to four subtrees replaced by random JSON (or deleted)."""
    doc = copy.deepcopy(original)
    for _ in range(draw(st.integers(1, 4))):
        paths = [p for p in _paths(doc) if p]  # the document stays what it is (an object)
        if not paths:
            break
        path = draw(st.sampled_from(paths))
        if draw(st.booleans()):
            parent = doc
            for step in path[:-1]:
                parent = parent[step]
            if isinstance(parent, dict):
                del parent[path[-1]]
                continue
        doc = _replace(doc, path, draw(JSON))
    return doc


def _raise(error):
    raise error


def check(name, call, *args, **kwargs):
    """The property for one example."""
    EXAMPLES[name] += 1
    try:
        return call(*args, **kwargs)
    except EoSceneFinderError as err:
        text = f"{err.user_message} {err.details or ''}"
        assert err.user_message and isinstance(err.user_message, str)
        assert SECRET not in text, f"{name}: the secret is in the message: {text}"
        return None


def _load(path, *keys):
    doc = json.loads((DATA / path).read_text())
    for key in keys:
        doc = doc[key]
    return doc


STAC_ITEM = _load("download/earth-search-s2-c1-l2a-item.json")
ODATA_RECORD = _load("cdse/odata_page_1.json", "value", 0)
USGS_RECORD = _load("usgs-m2m/scene-search_landsat_ot_c2_l2_point.json", "data", "results", 0)
CMR_GRANULE = _load("cmr/granules_umm_json_MOD02QKM_page01.json", "items", 0)


# ------------------------------------------------------------------ what servers send
@given(mutated(STAC_ITEM))
def test_stac_items(doc):
    scene = check("stac item", item_to_scene, doc, "fuzz")
    if scene is not None:  # what the panel and the exports read must not raise either
        check("stac item", lambda: (scene.assets, scene.properties, scene.record, scene.date_text))


@given(mutated({"type": "FeatureCollection", "features": [STAC_ITEM], "links": [], "numberMatched": 1}))
def test_stac_pages(doc):
    from eo_scene_finder.providers.net import jsonstream

    text = json.dumps(doc, allow_nan=True)
    parsed = check("stac page (json)", jsonstream.loads, text)
    features = parsed.get("features") if isinstance(parsed, dict) else None
    for feature in features if isinstance(features, list) else []:
        if isinstance(feature, dict):
            check("stac page (json)", item_to_scene, feature, "fuzz")


@given(mutated({"type": "FeatureCollection", "features": [STAC_ITEM], "links": [], "numberMatched": 1}),
       st.integers(min_value=1, max_value=300), st.integers(min_value=1, max_value=5000))
def test_stac_pages_read_in_pieces(doc, piece, chunk):
    """A page parsed piece by piece (as the provider reads search pages) gives the same
    result as one parsed whole, or the same refusal."""
    from eo_scene_finder.providers.net import jsonstream

    body = json.dumps(doc, allow_nan=True, ensure_ascii=False).encode()
    EXAMPLES["stac page (pieces)"] += 1
    saved, jsonstream.PIECE_BYTES = jsonstream.PIECE_BYTES, piece
    try:
        whole = jsonstream.loads(body.decode())
    except ValueError:
        whole = ValueError
    try:
        pieces = jsonstream.loads_pieces([body[i:i + chunk] for i in range(0, len(body), chunk)],
                                         raw_arrays=("features",))
    except ValueError:
        pieces = ValueError
    finally:
        jsonstream.PIECE_BYTES = saved
    if whole is ValueError or pieces is ValueError:
        assert whole is pieces
    else:
        assert json.dumps(pieces, allow_nan=True) == json.dumps(whole, allow_nan=True)


@given(st.binary(max_size=200))
def test_stac_pages_that_are_not_utf8_json(raw):
    from eo_scene_finder.providers.net import jsonstream

    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        text = raw.decode("latin-1")
    EXAMPLES["stac page (bytes)"] += 1
    try:
        jsonstream.loads(text)
    except ValueError:
        pass  # the provider turns this into "not JSON" (MalformedResponseError)


@given(mutated(ODATA_RECORD))
def test_odata_records(doc):
    check("odata record", odata_record_to_scene, doc, connection="fuzz")


@given(mutated(USGS_RECORD))
def test_usgs_m2m_records(doc):
    check("usgs m2m record", usgs_record_to_scene, doc, "landsat_ot_c2_l2", "fuzz")


@given(mutated(CMR_GRANULE))
def test_cmr_granules(doc):
    check("cmr granule", umm_granule_to_scene, doc, "fuzz", "https://cmr.earthdata.nasa.gov/search/")


# ------------------------------------------------------------------ documents served over HTTP
class _Body(BaseHTTPRequestHandler):
    body = b""
    content_type = "application/json"

    def log_message(self, *args):
        pass

    def _answer(self):
        self.send_response(200)
        self.send_header("Content-Type", self.content_type)
        self.send_header("Content-Length", str(len(self.body)))
        self.end_headers()
        self.wfile.write(self.body)

    do_GET = do_POST = _answer  # noqa: N815


_server = ThreadingHTTPServer(("127.0.0.1", 0), _Body)
threading.Thread(target=_server.serve_forever, daemon=True).start()
SERVED = f"http://127.0.0.1:{_server.server_address[1]}"

GCS_PAGE = {"kind": "storage#objects", "prefixes": ["tiles/31/U/DQ/S2A.SAFE/"], "nextPageToken": "tok",
            "items": [{"name": "tiles/31/U/DQ/x.jp2", "size": "12", "md5Hash": "1B2M2Y8AsgTpgAmY7PhCfg==",
                       "bucket": "gcp-public-data-sentinel-2"}]}


@given(mutated(GCS_PAGE))
def test_gcs_listings(doc):
    from eo_scene_finder.providers.catalogs.google.provider import GoogleBucketsProvider

    _Body.body, _Body.content_type = json.dumps(doc, allow_nan=True).encode(), "application/json"
    provider = GoogleBucketsProvider(Connection("fuzz", "google", SERVED))
    # a page whose nextPageToken never changes is the server's loop: bounded by the client
    check("gcs listing", provider.list, "gcp-public-data-sentinel-2", "tiles/31/U/DQ/")


S3_XML = ('<?xml version="1.0" encoding="UTF-8"?><ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">'
          "<Name>b</Name><Prefix>GRD/</Prefix><KeyCount>1</KeyCount><IsTruncated>false</IsTruncated>"
          "<Contents><Key>GRD/a.tiff</Key><Size>10</Size><ETag>&quot;abc&quot;</ETag></Contents>"
          "<CommonPrefixes><Prefix>GRD/2020/</Prefix></CommonPrefixes></ListBucketResult>")


@given(st.one_of(st.binary(max_size=300),
                 st.builds(lambda cut, junk: S3_XML[:cut] + junk, st.integers(0, len(S3_XML)), st.text(max_size=30)),
                 st.just(S3_XML.replace("<Size>10</Size>", "<Size>ten</Size>")),
                 st.just(S3_XML.replace("false", "true"))))
def test_s3_xml_listings(body):
    from eo_scene_finder.providers.net import s3
    from eo_scene_finder.providers.net.s3 import S3Account, S3Client

    _Body.body = body if isinstance(body, bytes) else body.encode("utf-8", "surrogatepass")
    _Body.content_type = "application/xml"
    client = S3Client(SERVED, S3Account("fuzz", "AKIAFUZZ", SECRET))
    try:
        check("s3 xml listing", client.list_objects, "b", "GRD/")
    except (s3._AccountError, s3._ProductError) as wrapped:  # the client's own retry wrappers
        check("s3 xml listing", _raise, wrapped.error)


# ------------------------------------------------------------------ what users type
@given(st.one_of(st.text(max_size=80), st.sampled_from([
    "eo:cloud_cover < 10 AND", "T_FINISHEDBY(x, INTERVAL('a','b'))", "s_intersects(geometry, POINT(1))",
    "a IN ()", "'unterminated", "((((((((((((((((((((x = 1))))))))))))))))))))", "x LIKE", "CASEI(", "x = 1e309",
    f"token = '{SECRET}' AND", "A_CONTAINEDBY(tags, ('a', " + "'b', " * 200 + "'c'))"])))
def test_cql2_text(text):
    check("cql2 text", cql2.parse, text)


@given(st.one_of(st.text(max_size=60), st.sampled_from([
    "stac-api+", "stac-api+ftp://x", "cdse?page_size=abc", "usgs?url=", "nasa-cmr?url=http://[::1", "google?url=%zz",
    f"stac-api+https://u:{SECRET}@example.com/", "aws-s1?zip=maybe", "creodias?totp=1&&&", "?", "+", "demo?x=1"])))
def test_connection_strings(text):
    check("connection string", resolve_connection, text)


@given(st.one_of(st.text(max_size=40), st.dates().map(str), st.datetimes().map(lambda d: d.isoformat()),
                 st.sampled_from(["2023-02-30", "2023-13-01", "0000-01-01", "9999-12-31T23:59:60Z", "now", "..",
                                  "2023-06-01T25:00:00Z", "2023-06-01T10:00:00+25:00"])))
def test_dates(text):
    check("date", parse_instant, text)
    check("date", SearchRequest.create, start=text, end="2023-12-31")


def _ring(points):
    return {"type": "Polygon", "coordinates": [points + points[:1]]}


AOIS = st.one_of(
    JSON,
    st.lists(st.floats(allow_nan=True, allow_infinity=True), min_size=0, max_size=5),       # bboxes
    st.lists(st.tuples(st.floats(-200, 200), st.floats(-100, 100)).map(list), min_size=0, max_size=8).map(_ring),
    st.sampled_from([
        _ring([[0, 0], [1, 1], [1, 0], [0, 1]]),                 # self-intersecting bow-tie
        _ring([[0, 0], [1, 0], [2, 0]]),                          # zero area
        _ring([[-180, 90], [180, 90], [180, 89], [-180, 89]]),     # along the pole
        _ring([[170, 0], [190, 0], [190, 5], [170, 5]]),           # past the antimeridian
        {"type": "Polygon", "coordinates": []}, "POLYGON((0 0, 1 0, 1 1))", "not json", [10, 10, 0, 0],
        {"type": "FeatureCollection", "features": [{"geometry": None}]}]))


@given(AOIS)
def test_areas_of_interest(aoi):
    check("area of interest", normalize_aoi, aoi)


@settings(max_examples=3)
@given(st.integers(0, 2))
def test_a_100000_vertex_polygon_in_time(seed):
    points = [[math.cos(2 * math.pi * i / 100_000) * (10 + seed), math.sin(2 * math.pi * i / 100_000) * 10]
              for i in range(100_000)]
    shape = check("area of interest (100,000 vertices)", normalize_aoi, _ring(points))
    assert shape is not None and shape.area > 0
