"""A catalog on the network is data from a stranger: it may not make the plugin open local
files, write outside the chosen folder, loop forever or send gigabytes into memory; XML from
servers is parsed without any DTD."""
from __future__ import annotations

import json
import re
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import requests

from eo_scene_finder.providers import errors
from eo_scene_finder.providers.base import Connection
from eo_scene_finder.providers.connections import open_provider
from eo_scene_finder.providers.model import SearchRequest
from eo_scene_finder.providers.net import http
from eo_scene_finder.providers.net.untrusted import is_local_reference, parse_xml, path_inside
from eo_scene_finder.providers.quicklook import fetch_quicklook
from servers.chaos_proxy import ChaosProxy
from servers.recording_server import RecordingServer

DEMO = Path(__file__).resolve().parents[1] / "demo_catalog"


def _item(item_id, href, thumb):
    return {"type": "Feature", "stac_version": "1.0.0", "id": item_id, "collection": "c",
            "geometry": {"type": "Polygon", "coordinates": [[[0, 0], [1, 0], [1, 1], [0, 1], [0, 0]]]},
            "bbox": [0, 0, 1, 1], "properties": {"datetime": "2023-01-01T00:00:00Z"},
            "links": [], "assets": {"data": {"href": href, "type": "image/tiff; application=geotiff"},
                                    "thumbnail": {"href": thumb, "type": "image/png", "roles": ["thumbnail"]}}}


@pytest.fixture
def hostile_static_catalog(tmp_path, nginx_server):
    """A catalog served over HTTP whose links and assets point at this computer's files."""
    secret = tmp_path / "home" / "secret-item.json"          # a readable local STAC item
    secret.parent.mkdir()
    secret.write_text(json.dumps(_item("LOCAL-SECRET", "./x.tif", "./x.png")))
    (tmp_path / "home" / "secret.png").write_bytes((DEMO / "demo-aerial-colorado" / "colorado-hro-east"
                                                    / "colorado-hro-east.png").read_bytes())
    root = tmp_path / "www"
    root.mkdir()
    (root / "catalog.json").write_text(json.dumps({
        "type": "Catalog", "stac_version": "1.0.0", "id": "hostile", "description": "x",
        "links": [{"rel": "item", "href": "./good.json"},
                  {"rel": "item", "href": secret.as_uri()},          # file:///.../secret-item.json
                  {"rel": "child", "href": str(secret)}]}))          # an absolute local path
    (root / "good.json").write_text(json.dumps(_item(
        "GOOD", (tmp_path / "home" / "secret.png").as_uri(), (tmp_path / "home" / "secret.png").as_uri())))
    server = nginx_server(root)
    return server, secret


def test_a_remote_static_catalog_cannot_make_the_plugin_read_local_files(hostile_static_catalog):
    server, secret = hostile_static_catalog
    provider = open_provider(Connection("hostile", "static", server.url + "/catalog.json"))
    assert not provider.reads_local_files()
    scenes = provider.search(SearchRequest.create()).all()
    assert [s.id for s in scenes] == ["GOOD"]                   # the local item was never read
    warnings = " ".join(w.message for w in provider.warnings)
    assert "file on this computer (secret-item.json); ignored" in warnings
    good = scenes[0]
    with pytest.raises(errors.InvalidRequestError) as info:
        provider.gdal_path(good.assets["data"].href)             # file:///…/secret.png
    assert "may not open local files" in info.value.user_message
    with pytest.raises(errors.InvalidRequestError):
        fetch_quicklook(provider, good.thumbnail)                # file:///…/secret.png


def test_a_catalog_on_this_computer_still_opens_its_own_files():
    provider = open_provider(Connection("demo", "static", str(DEMO)))
    assert provider.reads_local_files()
    scene = next(iter(provider.search(SearchRequest.create(limit=1)).scenes()))
    assert fetch_quicklook(provider, scene.thumbnail)[:4] == b"\x89PNG"


@pytest.mark.parametrize("href, local", [
    ("https://example.com/a.tif", False), ("s3://bucket/a.tif", False), ("/vsicurl/https://x/a.tif", False),
    ("/vsis3/bucket/a.tif", False), ("/vsizip//vsicurl/https://x/a.zip/b.tif", False),
    ("file:///etc/passwd", True), ("/etc/passwd", True), ("../../etc/passwd", True),
    ("/vsizip//home/user/a.zip/b.tif", True), ("/vsimem/x", True), ("C:\\Users\\x.tif", True),
    ("/vsisubfile/0_100,/etc/passwd", True)])
def test_what_counts_as_a_local_file(href, local):
    assert is_local_reference(href) is local


@pytest.mark.parametrize("name", ["../../.bashrc", "a/../../b", "C:/Windows/x", "..\\..\\x"])
def test_names_from_a_server_never_leave_the_download_folder(tmp_path, name):
    with pytest.raises(errors.InvalidRequestError) as info:
        path_inside(str(tmp_path / "out"), name)
    assert "leaves the download folder" in info.value.user_message


def test_names_inside_the_folder_are_kept_and_absolute_names_stay_inside(tmp_path):
    assert path_inside(str(tmp_path), "measurement/s1a-iw-grd-vv.tiff") == str(
        tmp_path / "measurement" / "s1a-iw-grd-vv.tiff")
    assert path_inside(str(tmp_path), "/etc/cron.d/x") == str(tmp_path / "etc" / "cron.d" / "x")


# ------------------------------------------------------------------ a hostile STAC API
class _HostileApi(BaseHTTPRequestHandler):
    mode = "loop"

    def log_message(self, *args):
        pass

    def _json(self, doc, length=None):
        body = json.dumps(doc).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(length if length is not None else len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):  # noqa: N802
        base = f"http://{self.headers['Host']}"
        if self.path.startswith("/search"):
            return self._search(base)
        self._json({"type": "Catalog", "id": "hostile", "description": "x", "stac_version": "1.0.0",
                    "conformsTo": ["https://api.stacspec.org/v1.0.0/core",
                                   "https://api.stacspec.org/v1.0.0/item-search"],
                    "links": [{"rel": "search", "href": f"{base}/search", "type": "application/geo+json",
                               "method": "GET"},
                              {"rel": "root", "href": f"{base}/", "type": "application/json"},
                              {"rel": "self", "href": f"{base}/", "type": "application/json"}]})

    def do_POST(self):  # noqa: N802
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        self._search(f"http://{self.headers['Host']}")

    def _search(self, base):
        if self.mode == "huge":  # announces 300 MiB
            return self._json({"type": "FeatureCollection", "features": []}, length=300 * 1024 * 1024)
        page = {"type": "FeatureCollection", "features": [_item("LOOPED", f"{base}/a.tif", f"{base}/a.png")],
                "links": [{"rel": "next", "href": f"{base}/search?token=same", "method": "GET",
                           "type": "application/geo+json"}]}
        self._json(page)


@pytest.fixture
def hostile_api():
    server = ThreadingHTTPServer(("127.0.0.1", 0), _HostileApi)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    _HostileApi.mode = "loop"
    server.shutdown()
    server.server_close()


def test_a_next_link_that_loops_ends_the_search_with_a_reason(hostile_api):
    url = f"http://127.0.0.1:{hostile_api.server_address[1]}/"
    provider = open_provider(Connection("hostile", "stac-api", url))
    with pytest.raises(errors.EoSceneFinderError) as info:
        provider.search(SearchRequest.create(limit=0)).all()
    assert "already given" in info.value.user_message


def test_a_page_announcing_hundreds_of_megabytes_is_not_read(hostile_api):
    _HostileApi.mode = "huge"
    url = f"http://127.0.0.1:{hostile_api.server_address[1]}/"
    provider = open_provider(Connection("hostile", "stac-api", url))
    with pytest.raises(errors.EoSceneFinderError) as info:
        provider.search(SearchRequest.create()).all()
    assert "larger than 256 MiB" in info.value.user_message


def test_a_streamed_body_over_the_cap_is_cut_off(nginx_server, tmp_path):
    root = tmp_path / "big"
    root.mkdir()
    (root / "page.json").write_bytes(b" " * (3 * 1024 * 1024))
    server = nginx_server(root)
    with requests.Session() as session, pytest.raises(errors.MalformedResponseError) as info:
        http.request_retrying(session, "GET", server.url + "/page.json", max_bytes=1024 * 1024)
    assert "larger than 1 MiB" in info.value.user_message


def test_xml_with_a_dtd_is_refused():
    import xml.etree.ElementTree as ET

    laughs = (b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;">]>'
              b"<ListBucketResult><Name>&lol2;</Name></ListBucketResult>")
    with pytest.raises(ET.ParseError):
        parse_xml(laughs)
    assert parse_xml(b"<ListBucketResult><Name>b</Name></ListBucketResult>").findtext("Name") == "b"


def _tar(path, members):
    import io
    import tarfile

    with tarfile.open(path, "w") as tar:
        for name, kind, data in members:
            info = tarfile.TarInfo(name)
            if kind == "link":
                info.type, info.linkname = tarfile.SYMTYPE, data
                tar.addfile(info)
            else:
                info.size = len(data)
                tar.addfile(info, io.BytesIO(data))


@pytest.mark.parametrize("members", [
    [("LC08_X/ok.TIF", "file", b"ok"), ("../escaped.txt", "file", b"bad")],
    [("/tmp/escaped-absolute.txt", "file", b"bad")],
    [("LC08_X/link", "link", "/etc/passwd")],
], ids=["dot-dot", "absolute", "symlink"])
def test_a_hostile_tar_bundle_is_not_unpacked_and_writes_nothing(tmp_path, members):
    from eo_scene_finder.providers.download.transfer import _unpack

    folder = tmp_path / "downloads"
    folder.mkdir()
    bundle = folder / "LC08_X.tar"
    _tar(bundle, members)
    with pytest.raises(errors.DownloadError, match="not unpacked"):
        _unpack(str(bundle))
    assert sorted(p.name for p in folder.iterdir()) == ["LC08_X.tar"]       # no folder, no leftovers
    assert not (tmp_path / "escaped.txt").exists()


def test_a_tar_bundle_without_a_top_folder_unpacks_into_its_name(tmp_path):
    from eo_scene_finder.providers.download.transfer import _unpack

    bundle = tmp_path / "LC08_L2SP_198024_20230517_20230525_02_T1.tar"
    _tar(bundle, [("LC08_L2SP_198024_20230517_20230525_02_T1_SR_B4.TIF", "file", b"band"),
                  ("LC08_L2SP_198024_20230517_20230525_02_T1_MTL.txt", "file", b"mtl")])
    target = _unpack(str(bundle))
    assert target == str(tmp_path / "LC08_L2SP_198024_20230517_20230525_02_T1")
    assert (tmp_path / "LC08_L2SP_198024_20230517_20230525_02_T1" /
            "LC08_L2SP_198024_20230517_20230525_02_T1_SR_B4.TIF").read_bytes() == b"band"
    assert _unpack(str(bundle)) == target                                    # once
# ---------------------------------------------------------------- credentials stay at home
# A catalog that needs credentials is made hostile by a rewriting proxy in front of its honest
# loopback server (tests/servers/chaos_proxy.py ``rewrite``/``redirect``): its asset hrefs,
# quicklooks, ``next`` links and redirects point at a recording server on another loopback
# host (tests/servers/recording_server.py). That server must never see a credential, while
# the connection's own host does.

def _hostport(url: str):
    parts = urlsplit(url)
    return parts.hostname, parts.port


def _quietly(work):
    try:
        return work()
    except errors.EoSceneFinderError as err:
        return err


def test_an_earthdata_token_never_follows_hostile_links(cmr, tmp_path):
    from eo_scene_finder.providers.auth.credentials import CredentialStore, MemorySecretStore
    from eo_scene_finder.providers.auth.tokens import TokenManager
    from eo_scene_finder.providers.connections import resolve_connection
    from eo_scene_finder.providers.download.engine import DownloadEngine
    from eo_scene_finder.providers.download.jobs import asset_jobs
    from fixtures.cmr_servers import EARTHDATA_USER

    token = cmr.world.issue_token(EARTHDATA_USER)
    daac_base = cmr.daac_base.encode()
    with RecordingServer() as elsewhere, \
            ChaosProxy(_hostport(cmr.daac_base), rate=0,
                       redirect=[(r"\.B05\.tif|\.jpg", elsewhere.base)]) as daac, \
            ChaosProxy(_hostport(cmr.cmr_base), rate=0, rewrite=[
                (re.escape(daac_base) + rb"(/[^\"]*?\.Fmask\.tif)", elsewhere.base.encode() + rb"\1"),
                (re.escape(daac_base), daac.url.encode())]) as catalog:
        connection = resolve_connection(f"nasa-cmr?url={catalog.url}/search/&urs_url={cmr.urs_base}")
        store = CredentialStore(MemorySecretStore(), environ={})
        store.save(connection.name, {"token": token})
        provider = open_provider(connection, credentials={"token_manager": TokenManager(store)})
        scene = provider.search(SearchRequest.create(collections="HLSL30_2.0", start="2021-05-01",
                                                     end="2021-05-02", limit=1)).all()[0]
        assert scene.assets["Fmask"].href.startswith(elsewhere.base)          # a hostile href
        assert scene.assets["B04"].href.startswith(daac.url)
        engine = DownloadEngine(max_workers=2, per_host=2, backoff=0.05, backoff_max=0.1, retries=1)
        results = engine.run(asset_jobs(scene, ["B04", "B05", "Fmask"], str(tmp_path), provider))
        _quietly(lambda: fetch_quicklook(provider, scene.thumbnail))          # redirected elsewhere
        _quietly(lambda: provider.gdal_path(scene.assets["Fmask"].href))
    assert results[0].state == "done", results[0].reason                     # the honest file
    assert len(elsewhere.requests) >= 3                                       # B05, Fmask, quicklook
    assert elsewhere.leaks([token]) == []
    assert any(r["headers"].get("Authorization") == f"Bearer {token}" for r in daac.seen)


def test_a_usgs_api_key_never_follows_hostile_links(m2m, usgs_env, tmp_path):
    from eo_scene_finder.providers.download.engine import DownloadEngine
    from eo_scene_finder.providers.download.jobs import asset_jobs

    with RecordingServer() as elsewhere, \
            ChaosProxy(("127.0.0.1", m2m.port), rate=0, rewrite=[
                (re.escape(m2m.base.encode()) + rb"(?!/api/)", elsewhere.base.encode())]) as catalog:
        connection = m2m.connection("hostile usgs", retrieve_interval=0.05)
        connection.url = catalog.url + urlsplit(m2m.api_url).path
        provider = open_provider(connection)
        try:
            scenes = provider.search(SearchRequest.create(aoi=[3.5, 50.0, 5.0, 51.0], start="2018-01-01",
                                                          end="2018-12-31", collections=["landsat_ot_c2_l2"],
                                                          limit=2)).all()
            assert scenes and scenes[0].thumbnail.startswith(elsewhere.base)   # browse images elsewhere
            _quietly(lambda: fetch_quicklook(provider, scenes[0].thumbnail))
            engine = DownloadEngine(max_workers=2, per_host=2, backoff=0.05, backoff_max=0.1, retries=1)
            engine.run(asset_jobs(scenes[0], ["SR_B4"], str(tmp_path), provider)
                       + asset_jobs(scenes[1], None, str(tmp_path), provider))  # a band and a bundle
        finally:
            provider.close()
    keys = {r["headers"]["X-Auth-Token"] for r in catalog.seen if "X-Auth-Token" in r["headers"]}
    assert keys                                                   # the API itself got the key
    assert any("download-staging" in r["path"] for r in elsewhere.requests)   # files asked elsewhere
    assert elsewhere.leaks(list(keys) + [usgs_env["token"]]) == []


def test_a_copernicus_token_never_follows_hostile_links(cdse, tmp_path):
    from eo_scene_finder.providers.auth.credentials import CredentialStore, MemorySecretStore
    from eo_scene_finder.providers.auth.tokens import TokenManager
    from eo_scene_finder.providers.catalogs.odata.provider import CdseODataProvider
    from eo_scene_finder.providers.download.engine import DownloadEngine
    from fixtures.cdse_servers import CDSE_PASSWORD, CDSE_USER

    picked = cdse.products(collection="SENTINEL-2", online="true", generated=1, limit=2)
    with RecordingServer() as elsewhere, \
            ChaosProxy(_hostport(cdse.odata_url), rate=0,
                       redirect=[(re.escape(picked[1]["Id"]), elsewhere.base)]) as zipper, \
            ChaosProxy(_hostport(cdse.odata_url), rate=0, rewrite=[
                (rb'("@odata.nextLink"\s*:\s*")https?://[^/"]+', rb"\1" + elsewhere.base.encode())]) as catalog:
        connection = cdse.connection("hostile cdse", download_url=zipper.url + "/odata/v1",
                                     token_url=cdse.token_url)
        connection.url = catalog.url + urlsplit(cdse.odata_url).path
        store = CredentialStore(MemorySecretStore(), environ={})
        store.save(connection.name, {"username": CDSE_USER, "password": CDSE_PASSWORD})
        provider = CdseODataProvider(connection, credentials=TokenManager(store))
        scenes = provider.search(SearchRequest.create(ids=[p["Name"] for p in picked])).all()
        _quietly(lambda: provider.search(SearchRequest.create(
            collections=["SENTINEL-2"], start="2023-06-01", end="2023-06-30")).all())   # nextLink elsewhere
        results = DownloadEngine(max_workers=2, per_host=2, backoff=0.05, backoff_max=0.1, retries=1).run(
            provider.download_jobs(scenes, str(tmp_path)))
    tokens = {r["headers"]["Authorization"] for r in zipper.seen if "Authorization" in r["headers"]}
    assert tokens, "the download host never got the token"
    assert sorted(r.state for r in results)[0] == "done"                # the honest product
    # the redirected product went elsewhere (without the token); the catalogue's nextLink did not:
    # the client pages with its own $skip/date windows on the connection's URL
    assert elsewhere.requests and all(picked[1]["Id"] in r["path"] for r in elsewhere.requests)
    assert elsewhere.leaks([t.split(" ", 1)[1] for t in tokens] + [CDSE_PASSWORD]) == []


def test_dinamis_signing_keys_and_signatures_never_follow_hostile_links(auth_server, tmp_path):
    """A STAC API whose assets are signed by a DINAMIS-shaped service (API keys → signed URLs
    of the storage domain): an asset and a ``next`` link on another host get neither the keys
    nor a signature; the storage host's own files are signed."""
    from eo_scene_finder.providers.auth.credentials import CredentialStore, MemorySecretStore
    from eo_scene_finder.providers.auth.tokens import TokenManager
    from eo_scene_finder.providers.download.engine import DownloadEngine
    from eo_scene_finder.providers.download.jobs import asset_jobs
    from fixtures import token_servers as ts

    state = auth_server.state
    state.protect_stac = False
    port = urlsplit(auth_server.url).port
    with RecordingServer() as elsewhere:
        evil = (b'"assets": {"evil": {"href": "' + elsewhere.base.encode()
                + b'/evil.tif", "type": "image/tiff; application=geotiff", "roles": ["data"]}, ')
        with ChaosProxy(("127.0.0.1", port), rate=0, rewrite=[
                # the storage host's files as "localhost" (the storage domain below: signed)
                (rb"http://127\.0\.0\.1:\d+/files/", b"http://localhost:%d/public/" % port),
                (rb'"assets": \{', evil),
                (rb'"links": \[\], "numberMatched"',
                 b'"links": [{"rel": "next", "href": "' + elsewhere.base.encode() + b'/stac/search?page=2"}], '
                 b'"numberMatched"')]) as catalog:
            connection = Connection("hostile dinamis", "stac-api", catalog.url + "/stac/",
                                    {"signing": "dinamis", "signing_url": auth_server.signing_url,
                                     "storage_domain": "localhost"})
            store = CredentialStore(MemorySecretStore(), environ={})
            store.save(connection.name, {"access_key": ts.DINAMIS_ACCESS_KEY, "secret_key": ts.DINAMIS_SECRET_KEY})
            manager = TokenManager(store)
            provider = open_provider(connection, credentials=manager.provider_credentials(connection))
            scenes = _quietly(lambda: provider.search(SearchRequest.create(collections=["loopback-s2"])).all())
            assert isinstance(scenes, list) and scenes, scenes
            assert "X-Amz-Signature" in scenes[0].assets["visual"].href                 # signed: storage host
            assert scenes[0].assets["evil"].href == elsewhere.base + "/evil.tif"        # not signed
            results = DownloadEngine(max_workers=2, per_host=2, backoff=0.05, backoff_max=0.1, retries=1).run(
                asset_jobs(scenes[0], ["visual", "evil"], str(tmp_path), provider))
    assert results[0].state == "done", results[0].reason
    assert state.counts["sign"] >= 1
    assert any(r["path"].startswith("/evil.tif") for r in elsewhere.requests)
    assert any("page=2" in r["path"] for r in elsewhere.requests)                        # the next link
    assert elsewhere.leaks([ts.DINAMIS_ACCESS_KEY, ts.DINAMIS_SECRET_KEY, state.signature]
                           + list(state.issued_secrets)) == []
