"""The test servers are real: a STAC API backed by PostgreSQL/PostGIS holding the recorded
Planetary Computer items, and nginx serving real COGs with byte ranges."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import requests

from servers.pgstac_server import PgstacServer

TESTS = Path(__file__).resolve().parent
STAC_DATA = TESTS / "data" / "stac"
COG = TESTS / "data" / "cog"
REAL_COLLECTIONS = {"sentinel-2-l2a": 283, "landsat-8-c2-l2": 250, "landsat-c2-l2": 10}


def _ids(path: Path) -> set:
    with open(path) as handle:
        return {json.loads(line)["id"] for line in handle if line.strip()}


@pytest.fixture()
def http():
    session = requests.Session()
    session.trust_env = False  # loopback only, never an environment proxy
    yield session
    session.close()


# ------------------------------------------------------------------ STAC API
def test_stac_api_lists_the_three_recorded_collections(pgstac_api, http):
    response = http.get(f"{pgstac_api.url}/collections", timeout=30)
    assert response.status_code == 200
    ids = {c["id"] for c in response.json()["collections"]}
    # other tests of the session add collections of their own to the shared server
    assert set(REAL_COLLECTIONS) <= ids
    counts = pgstac_api.collections
    assert {cid: counts[cid] for cid in REAL_COLLECTIONS} == REAL_COLLECTIONS


def test_stac_api_keeps_the_beta_collection_record(pgstac_api, http):
    body = http.get(f"{pgstac_api.url}/collections/landsat-8-c2-l2", timeout=30).json()
    assert body["stac_version"] == "1.0.0-beta.2"
    assert body["title"]


def test_stac_search_returns_the_recorded_items(pgstac_api, http):
    response = http.post(f"{pgstac_api.url}/search", timeout=30, json={
        "collections": ["sentinel-2-l2a"],
        "datetime": "2019-01-01T00:00:00Z/2019-01-01T23:59:59Z", "limit": 100})
    assert response.status_code == 200
    features = response.json()["features"]
    assert len(features) == 33  # the 2019-01-01 recording
    assert {f["id"] for f in features} <= _ids(STAC_DATA / "items_sentinel-2-l2a.ndjson")
    first = features[0]
    assert first["collection"] == "sentinel-2-l2a"
    assert "eo:cloud_cover" in first["properties"]
    assert first["assets"]["B04"]["href"].startswith("https://sentinel2l2a01.blob.core")


def test_stac_search_pages_with_tokens_without_repeats(pgstac_api, http):
    seen = []
    body = http.get(f"{pgstac_api.url}/search", timeout=30, params={
        "collections": "landsat-8-c2-l2", "bbox": "3,50,8,54", "limit": 100}).json()
    pages = 0
    while True:
        pages += 1
        seen += [f["id"] for f in body["features"]]
        nxt = [link for link in body["links"] if link["rel"] == "next"]
        if not nxt:
            break
        assert "token=next" in nxt[0]["href"]
        body = http.get(nxt[0]["href"], timeout=30).json()
    assert pages == 3
    assert len(seen) == len(set(seen)) == 250
    assert set(seen) == _ids(STAC_DATA / "items_landsat-8-c2-l2.ndjson")


def test_stac_filter_and_sort_work_on_real_properties(pgstac_api, http):
    body = http.post(f"{pgstac_api.url}/search", timeout=30, json={
        "collections": ["sentinel-2-l2a"], "limit": 200,
        "filter-lang": "cql2-json",
        "filter": {"op": "<=", "args": [{"property": "eo:cloud_cover"}, 10]},
        "sortby": [{"field": "properties.eo:cloud_cover", "direction": "desc"}]}).json()
    clouds = [f["properties"]["eo:cloud_cover"] for f in body["features"]]
    assert len(clouds) == 85
    assert clouds == sorted(clouds, reverse=True) and max(clouds) <= 10


def test_stac_api_advertises_search_extensions(pgstac_api, http):
    conforms = set(http.get(pgstac_api.url, timeout=30).json()["conformsTo"])
    for needed in ("https://api.stacspec.org/v1.0.0/item-search",
                   "https://api.stacspec.org/v1.0.0/item-search#query",
                   "https://api.stacspec.org/v1.0.0-rc.2/item-search#filter",
                   "https://api.stacspec.org/v1.1.0/item-search#sort",
                   "https://api.stacspec.org/v1.0.0/item-search#fields",
                   "https://api.stacspec.org/v1.0.0-rc.1/collection-search#free-text"):
        assert needed in conforms
    found = http.get(f"{pgstac_api.url}/collections", params={"q": "landsat"},
                     timeout=30).json()
    assert {c["id"] for c in found["collections"]} == {"landsat-8-c2-l2", "landsat-c2-l2"}


def test_load_items_into_a_separate_server_then_stop_cleans_up(http):
    """A second server from the cache: loading into it leaves the session server alone."""
    with PgstacServer() as server:
        assert server.startup_seconds < 60
        record = json.loads((STAC_DATA / "collections.ndjson").read_text().splitlines()[1])
        server.load_collections([{**record, "id": "loaded-for-test"}])
        items = [json.loads(line) for line in
                 (STAC_DATA / "items_landsat-c2-l2.ndjson").read_text().splitlines()[:4]]
        assert server.load_items(items, collection="loaded-for-test") == 4
        assert server.collections["loaded-for-test"] == 4
        body = http.get(f"{server.url}/collections/loaded-for-test/items", timeout=30).json()
        assert sorted(f["id"] for f in body["features"]) == sorted(i["id"] for i in items)
        pids = [server.api.pid, server.cluster.process.pid]
        workdir = server.workdir
        url = server.url
    assert not workdir.exists()
    for pid in pids:
        with pytest.raises(ProcessLookupError):
            os.kill(pid, 0)
    with pytest.raises(requests.ConnectionError):
        http.get(url, timeout=5)


def test_pgstac_server_script_starts_and_stops(tmp_path, http):
    env = {**os.environ, "PGSTAC_SERVER_STATE": str(tmp_path / "state.json")}
    script = [sys.executable, str(TESTS / "servers" / "pgstac_server.py")]
    started = subprocess.run(script + ["start"], env=env, capture_output=True, text=True,
                             timeout=120)
    try:
        assert started.returncode == 0, started.stderr
        url = started.stdout.strip().splitlines()[-1]
        assert url.startswith("http://127.0.0.1:")
        assert http.get(f"{url}/collections/sentinel-2-l2a", timeout=30).status_code == 200
        status = subprocess.run(script + ["status"], env=env, capture_output=True,
                                text=True, timeout=60)
        assert json.loads(status.stdout)["collections"] == REAL_COLLECTIONS
    finally:
        subprocess.run(script + ["stop"], env=env, timeout=120, check=True)
    assert not (tmp_path / "state.json").exists()
    with pytest.raises(requests.ConnectionError):
        http.get(url, timeout=5)


# ------------------------------------------------------------------ nginx
def test_nginx_answers_a_range_request_with_the_right_bytes(nginx_files, http):
    nginx_files.clear_log()
    response = http.get(f"{nginx_files.url}/cog/cog.tif", timeout=30,
                        headers={"Range": "bytes=1000-1999"})
    assert response.status_code == 206
    assert response.headers["Content-Range"] == "bytes 1000-1999/799760"
    assert response.content == (COG / "cog.tif").read_bytes()[1000:2000]
    [logged] = nginx_files.requests()
    assert (logged.method, logged.uri, logged.status) == ("GET", "/cog/cog.tif", 206)
    assert logged.range == "bytes=1000-1999"
    assert logged.body_bytes_sent == 1000


def test_nginx_log_counts_every_request(nginx_files, http):
    nginx_files.clear_log()
    for _ in range(5):
        assert http.head(f"{nginx_files.url}/cog/rgb.tif", timeout=30).status_code == 200
    assert http.get(f"{nginx_files.url}/cog/missing.tif", timeout=30).status_code == 404
    logged = nginx_files.requests()
    assert [r.status for r in logged] == [200] * 5 + [404]
    nginx_files.clear_log()
    assert nginx_files.requests() == []


def test_gdal_opens_a_cog_through_vsicurl(nginx_files):
    from osgeo import gdal

    gdal.UseExceptions()
    options = {"GDAL_DISABLE_READDIR_ON_OPEN": "EMPTY_DIR",
               "CPL_VSIL_CURL_ALLOWED_EXTENSIONS": ".tif"}
    old = {key: gdal.GetConfigOption(key) for key in options}
    for key, value in options.items():
        gdal.SetConfigOption(key, value)
    nginx_files.clear_log()
    try:
        gdal.VSICurlClearCache()
        remote = gdal.Open(f"/vsicurl/{nginx_files.url}/cog/cog_rgb.tif")
        local = gdal.Open(str(COG / "cog_rgb.tif"))
        assert (remote.RasterXSize, remote.RasterYSize, remote.RasterCount) == (383, 232, 3)
        assert remote.GetGeoTransform() == local.GetGeoTransform()
        for band in (1, 2, 3):
            assert (remote.GetRasterBand(band).Checksum()
                    == local.GetRasterBand(band).Checksum())
        remote = local = None
    finally:
        for key, value in old.items():
            gdal.SetConfigOption(key, value)
    logged = nginx_files.requests()
    assert logged and all(r.uri == "/cog/cog_rgb.tif" for r in logged)
    assert any(r.status == 206 and r.range.startswith("bytes=") for r in logged)


def test_nginx_extra_locations_throttle_and_ignore_ranges(nginx_server, tmp_path, http):
    (tmp_path / "file.bin").write_bytes(bytes(range(256)) * 48)  # 12 KiB
    server = nginx_server(tmp_path, extra_locations=(
        f"location /norange/ {{ alias {tmp_path}/; max_ranges 0; }}\n"
        f"location /slow/ {{ alias {tmp_path}/; limit_rate 4k; }}"))
    ranged = http.get(f"{server.url}/file.bin", headers={"Range": "bytes=0-9"}, timeout=30)
    assert (ranged.status_code, len(ranged.content)) == (206, 10)
    ignored = http.get(f"{server.url}/norange/file.bin", headers={"Range": "bytes=0-9"},
                       timeout=30)
    assert (ignored.status_code, len(ignored.content)) == (200, 12288)
    slow = http.get(f"{server.url}/slow/file.bin", timeout=30)
    assert (slow.status_code, len(slow.content)) == (200, 12288)
    logged = server.requests()
    assert [r.uri for r in logged] == ["/file.bin", "/norange/file.bin", "/slow/file.bin"]
    assert logged[1].range == "bytes=0-9" and logged[1].content_range == ""
    # limit_rate 4k: nginx allows rate * (whole seconds since the start + 1) bytes
    # (ngx_http_write_filter: ngx_time() counts in whole seconds), so 12 KiB end at the second
    # clock tick after the start: just over 1 s when the request starts late in a second, ~2 s
    # at most; unthrottled they take a millisecond
    assert logged[2].request_time >= 0.9


def test_nginx_stop_refuses_connections_and_restart_serves_again(nginx_server, tmp_path,
                                                                  http):
    (tmp_path / "a.txt").write_text("hello")
    server = nginx_server(tmp_path)
    port = server.port
    server.stop()
    with pytest.raises(requests.ConnectionError):
        http.get(f"{server.url}/a.txt", timeout=5)
    server.restart()
    assert server.port == port
    assert http.get(f"{server.url}/a.txt", timeout=30).text == "hello"
    assert [r.status for r in server.requests()] == [200]

