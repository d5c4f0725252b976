"""NASA CMR (kind ``cmr``) against the loopback CMR, Earthdata Login, DAAC and S3
(``tests/servers/cmr_server.py``): search, paging past 2000, polygons, 429, partial answers,
downloads through the Earthdata redirect chain, and streaming with a host-scoped token."""
from __future__ import annotations

import os

import pytest
from shapely.geometry import Polygon

from eo_scene_finder.providers import errors
from eo_scene_finder.providers.auth.credentials import CredentialStore, MemorySecretStore
from eo_scene_finder.providers.auth.tokens import TokenManager
from eo_scene_finder.providers.connections import open_provider, resolve_connection
from eo_scene_finder.providers.download.engine import DownloadEngine
from eo_scene_finder.providers.download.jobs import asset_jobs
from eo_scene_finder.providers.model import SearchRequest
from eo_scene_finder.providers.scene_ids import parse_scene_key

from fixtures.cmr_servers import EARTHDATA_PASSWORD, EARTHDATA_USER
from servers.cmr_server import COG

YEAR = ("2021-01-01T00:00:00Z", "2021-12-31T23:59:59.999Z")


def provider_for(cmr, secrets=None, **options):
    """A provider on the loopback servers, its credentials from a memory store only."""
    connection = resolve_connection(cmr.connection_string(**options))
    store = CredentialStore(MemorySecretStore(), environ={})
    if secrets:
        store.save(connection.name, secrets)
    manager = TokenManager(store)
    return open_provider(connection, credentials={"token_manager": manager})


def engine():
    return DownloadEngine(max_workers=2, per_host=2, backoff=0.1, backoff_max=0.5)


def granule_searches(cmr):
    return [r for r in cmr.world.requests("cmr") if "granules.umm_json" in r["path"]]


# ------------------------------------------------------------------------------ search
def test_a_year_of_hlsl30_is_the_servers_truth(cmr):
    provider = provider_for(cmr)
    results = provider.search(SearchRequest.create(collections="HLSL30_2.0", start="2021-01-01", end="2021-12-31"))
    ids = [s.id for s in results.scenes()]
    truth = cmr.world.truth(short_name="HLSL30", version="2.0", temporal=",".join(YEAR))
    assert len(truth) > 2000
    assert ids == truth and results.matched == len(truth)
    calls = granule_searches(cmr)
    assert len(calls) == 2                               # 2000 + the rest; CMR-Hits says when to stop
    assert "CMR-Search-After" not in calls[0]["headers"] and calls[1]["headers"]["CMR-Search-After"]
    assert calls[0]["path"] == calls[1]["path"]          # the same parameters on every page
    assert all(c["headers"].get("Client-Id") == "eo-scene-finder" for c in calls)
    assert "page_size=2000" in calls[0]["path"]


def test_a_page_size_above_2000_is_never_sent(cmr):
    provider = provider_for(cmr, page_size=5000)
    scenes = provider.search(SearchRequest.create(collections="HLSS30_2.0", start="2021-01-01",
                                                  end="2021-12-31")).all()
    assert len(scenes) == len(cmr.world.truth(short_name="HLSS30", version="2.0", temporal=",".join(YEAR)))
    assert all("page_size=2000" in c["path"] for c in granule_searches(cmr))


def test_cmr_refusals_are_reported_in_its_words(cmr):
    provider = provider_for(cmr)
    with pytest.raises(errors.BadRequestError) as info:
        provider._call("granules.umm_json", [("page_size", "2001")])
    assert "page_size must be a number between 0 and 2000" in info.value.user_message


def test_an_aoi_drawn_clockwise_finds_what_counter_clockwise_finds(cmr):
    # a triangle over a few tiles (not a rectangle, so it goes as a polygon)
    ccw = Polygon([(-106.5, 34.2), (-104.2, 34.6), (-105.3, 36.4), (-106.5, 34.2)])
    cw = Polygon(list(ccw.exterior.coords)[::-1])
    assert ccw.exterior.is_ccw and not cw.exterior.is_ccw
    provider = provider_for(cmr)
    found = {}
    for name, aoi in (("ccw", ccw), ("cw", cw)):
        request = SearchRequest.create(aoi=aoi.__geo_interface__, collections="HLSL30_2.0",
                                       start="2021-03-01", end="2021-03-31")
        found[name] = [s.id for s in provider.search(request).scenes()]
    assert found["cw"] == found["ccw"] and found["ccw"]
    polygon = ",".join(f"{x},{y}" for x, y in ccw.exterior.coords)
    assert found["ccw"] == cmr.world.truth(short_name="HLSL30", version="2.0", polygon=polygon,
                                           temporal="2021-03-01T00:00:00Z,2021-03-31T23:59:59.999Z")
    assert all("polygon=" in c["path"] and "bounding_box" not in c["path"] for c in granule_searches(cmr))


def test_a_multipolygon_aoi_sends_one_polygon_per_part(cmr):
    west = Polygon([(-107.9, 33.2), (-107.2, 33.2), (-107.5, 33.8), (-107.9, 33.2)])
    east = Polygon([(-101.4, 38.2), (-101.1, 38.3), (-101.2, 38.9), (-101.4, 38.2)])
    request = SearchRequest.create(aoi={"type": "MultiPolygon", "coordinates": [
        [list(west.exterior.coords)], [list(east.exterior.coords)]]}, collections="HLSL30_2.0",
        start="2021-06-01", end="2021-06-30")
    ids = set(s.id for s in provider_for(cmr).search(request).scenes())
    temporal = "2021-06-01T00:00:00Z,2021-06-30T23:59:59.999Z"
    each = [set(cmr.world.truth(short_name="HLSL30", version="2.0", temporal=temporal,
                                polygon=",".join(f"{x},{y}" for x, y in p.exterior.coords))) for p in (west, east)]
    assert each[0] and each[1] and ids == each[0] | each[1]


def test_a_rectangle_goes_as_a_bounding_box_with_cloud_cover(cmr):
    request = SearchRequest.create(aoi=[-106.2, 35.1, -104.9, 36.1], collections="HLSL30_2.0",
                                   start="2021-02-01", end="2021-03-01", max_cloud=30)
    scenes = provider_for(cmr).search(request).all()
    assert scenes and all(s.cloud_cover <= 30 for s in scenes)
    assert [s.id for s in scenes] == cmr.world.truth(
        short_name="HLSL30", version="2.0", bounding_box="-106.2,35.1,-104.9,36.1", cloud_cover="0,30",
        temporal="2021-02-01T00:00:00Z,2021-03-01T23:59:59.999Z")
    assert "bounding_box=" in granule_searches(cmr)[0]["path"]


def test_429_is_honoured_with_its_retry_after(cmr):
    cmr.world.throttle, cmr.world.retry_after = 2, 1
    scenes = provider_for(cmr).search(SearchRequest.create(collections="MOD09GA_061", start="2021-01-01",
                                                           end="2021-01-10")).all()
    assert [s.id for s in scenes] == cmr.world.truth(short_name="MOD09GA", version="061",
                                                     temporal="2021-01-01T00:00:00Z,2021-01-10T23:59:59.999Z")
    log = cmr.world.requests("cmr")
    assert [r["status"] for r in log] == [429, 429, 200]
    assert log[1]["time"] - log[0]["time"] >= 1.0 and log[2]["time"] - log[1]["time"] >= 1.0


def test_partial_results_are_said(cmr):
    cmr.world.time_out = 1
    provider = provider_for(cmr)
    results = provider.search(SearchRequest.create(collections="HLSS30_2.0", start="2021-01-01", end="2021-01-31"))
    ids = [s.id for s in results.scenes()]
    assert ids and len(granule_searches(cmr)) >= 2
    assert any("ran out of time" in str(w) for w in provider.warnings)


def test_granules_become_scenes_with_bands_browse_and_linked_keys(cmr):
    provider = provider_for(cmr)
    l30 = provider.search(SearchRequest.create(collections="C2021957657-LPCLOUD", start="2021-01-01",
                                               end="2021-01-05", limit=1)).all()[0]
    assert l30.id.startswith("HLS.L30.T") and l30.collection == "HLSL30_2.0"
    assert {"B04", "B05", "Fmask"} <= set(l30.assets) and l30.assets["B04"].is_cog
    assert l30.assets["B04"].checksum.algorithm == "md5" and l30.assets["B04"].size == COG.stat().st_size
    assert l30.thumbnail and "/lp-prod-public/" in l30.thumbnail and l30.assets["browse"].roles == ("thumbnail",)
    landsat = parse_scene_key(l30.properties["hls:source_product"])
    assert landsat.mission == "LC08" and l30.scene_key == landsat
    s30 = provider.search(SearchRequest.create(collections="HLSS30_2.0", limit=1)).all()[0]
    assert s30.scene_key.mission in ("S2A", "S2B") and s30.scene_key.level == "L1C"
    modis = provider.search(SearchRequest.create(collections="MOD09GA_061", limit=1)).all()[0]
    assert list(k for k in modis.assets if k != "browse") == ["hdf"] and modis.scene_key.mission == "MOD09GA"
    assert provider.scene_from_record(modis.record).assets.keys() == modis.assets.keys()


def test_the_collection_box_offers_hls_and_modis_and_searches_cmr_by_keyword(cmr):
    provider = provider_for(cmr)
    curated = [c.id for c in provider.list_collections()]
    assert {"HLSL30_2.0", "HLSS30_2.0", "MOD09GA_061", "MYD09GA_061"} <= set(curated)
    found = [c.id for c in provider.search_collections("surface reflectance")]
    assert set(found) == {"HLSL30_2.0", "HLSS30_2.0", "MOD09GA_061"}
    assert provider.spec.capabilities.collection_search


# ---------------------------------------------------------------------------- downloads
def one_hls(provider):
    return provider.search(SearchRequest.create(collections="HLSL30_2.0", start="2021-05-01", end="2021-05-02",
                                                limit=1)).all()[0]


def test_downloads_follow_the_303_to_s3_without_the_token(cmr, tmp_path):
    token = cmr.world.issue_token(EARTHDATA_USER)
    provider = provider_for(cmr, {"token": token})
    scene = one_hls(provider)
    results = engine().run(asset_jobs(scene, ["B04", "Fmask"], str(tmp_path), provider))
    assert [r.state for r in results] == ["done", "done"], [r.reason for r in results]
    assert all(open(r.path, "rb").read() == COG.read_bytes() for r in results)
    assert all(r.verified_by == "md5" for r in results)
    daac, s3 = cmr.world.requests("daac"), cmr.world.requests("s3")
    assert all(r["headers"].get("Authorization") == f"Bearer {token}" and r["status"] == 303 for r in daac)
    assert s3 and all("Authorization" not in r["headers"] for r in s3) and {r["status"] for r in s3} == {200}
    again = engine().run(asset_jobs(scene, ["B04", "Fmask"], str(tmp_path), provider))
    assert [r.state for r in again] == ["skipped", "skipped"]


def test_without_a_token_the_user_learns_how_to_add_one(cmr, tmp_path):
    provider = provider_for(cmr)
    [result] = engine().run(asset_jobs(one_hls(provider), ["B04"], str(tmp_path), provider))
    assert result.state == "failed"
    assert "EOSF_EARTHDATA_TOKEN" in result.reason and "Generate" in result.reason
    assert [r["status"] for r in cmr.world.requests("urs")] == [401]   # the DAAC sent us to URS
    assert not list(tmp_path.rglob("*.tif*"))


def test_an_expired_token_without_a_password_is_said_to_have_expired(cmr, tmp_path):
    token = cmr.world.issue_token(EARTHDATA_USER)
    cmr.world.expire_token(token)
    provider = provider_for(cmr, {"token": token})
    [result] = engine().run(asset_jobs(one_hls(provider), ["B04"], str(tmp_path), provider))
    assert result.state == "failed" and "has expired" in result.reason and "Generate a new one" in result.reason
    assert token not in result.reason and token not in (result.error.details or "")
    assert not list(tmp_path.rglob("*.tif*"))


def test_an_expired_token_is_renewed_once_with_the_stored_password(cmr, tmp_path):
    old = cmr.world.issue_token(EARTHDATA_USER)
    cmr.world.expire_token(old)
    provider = provider_for(cmr, {"token": old, "username": EARTHDATA_USER, "password": EARTHDATA_PASSWORD})
    [result] = engine().run(asset_jobs(one_hls(provider), ["B04"], str(tmp_path), provider))
    assert result.state == "done", result.reason
    assert [r["path"] for r in cmr.world.requests("urs")] == ["/api/users/find_or_create_token"]
    statuses = [r["status"] for r in cmr.world.requests("daac")]
    assert statuses == [401, 303]


def test_a_password_alone_obtains_a_token(cmr, tmp_path):
    provider = provider_for(cmr, {"username": EARTHDATA_USER, "password": EARTHDATA_PASSWORD})
    [result] = engine().run(asset_jobs(one_hls(provider), ["Fmask"], str(tmp_path), provider))
    assert result.state == "done", result.reason
    [login] = cmr.world.requests("urs")
    assert login["headers"]["Authorization"].startswith("Basic ")


def test_an_unaccepted_eula_is_reported_and_its_page_never_saved(cmr, tmp_path):
    cmr.world.add_user("no-eula", "pw", eulas=())
    token = cmr.world.issue_token("no-eula")
    provider = provider_for(cmr, {"token": token})
    scene = one_hls(provider)
    [result] = engine().run(asset_jobs(scene, ["B04"], str(tmp_path), provider))
    assert result.state == "failed"
    assert "accept the EULA for HLSL30_2.0 at URS" in result.reason
    assert not [p for p in tmp_path.rglob("*") if p.is_file() and not p.name.startswith(".eo_scene_finder")]


# ---------------------------------------------------------------------------- streaming
def test_streaming_gives_the_token_to_the_daac_host_only(cmr, qgis_app):
    from osgeo import gdal

    from eo_scene_finder.providers.net.redact import strip_signature
    from eo_scene_finder.tasks.raster_task import configure_gdal_for

    token = cmr.world.issue_token(EARTHDATA_USER)
    provider = provider_for(cmr, {"token": token})
    href = one_hls(provider).assets["B04"].href
    path = provider.gdal_path(href)                      # what the layer task opens, off the GUI thread
    assert path.startswith("/vsicurl/" + cmr.s3_base) and token not in path
    configure_gdal_for(path)
    ds = gdal.Open(path)
    assert ds is not None and ds.RasterCount == 3 and ds.GetRasterBand(1).Checksum() >= 0
    ds = None
    daac, s3 = cmr.world.requests("daac"), cmr.world.requests("s3")
    assert daac and all(r["headers"].get("Authorization") == f"Bearer {token}" for r in daac)
    assert s3 and all("Authorization" not in r["headers"] for r in s3) and {r["status"] for r in s3} <= {200, 206}
    assert "X-Amz-Signature" not in strip_signature(path)   # what a saved project keeps
    # public files and other hosts: no token asked for, no request made
    assert provider.gdal_path(cmr.s3_base + "/x.tif") == "/vsicurl/" + cmr.s3_base + "/x.tif"
    assert len(cmr.world.requests("daac")) == len(daac)


def test_streaming_without_a_token_says_how_to_add_one(cmr):
    provider = provider_for(cmr)
    with pytest.raises(errors.AuthenticationError) as info:
        provider.gdal_path(one_hls(provider).assets["B04"].href)
    assert "EOSF_EARTHDATA_TOKEN" in info.value.user_message


def test_the_real_service_sends_the_token_only_to_nasa_data_hosts():
    provider = open_provider(resolve_connection("nasa-cmr"), credentials=None)
    assert provider.search_url == "https://cmr.earthdata.nasa.gov/search/"
    assert provider.urs_url == "https://urs.earthdata.nasa.gov"
    assert provider._token_goes_to("https://data.lpdaac.earthdatacloud.nasa.gov/lp-prod-protected/x.tif")
    assert not provider._token_goes_to("https://lp-prod-protected.s3.us-west-2.amazonaws.com/x.tif?X-Amz-Signature=1")
    assert not provider._token_goes_to("http://data.lpdaac.earthdatacloud.nasa.gov/x.tif")



def test_the_quicklook_is_the_public_browse_image(cmr):
    from eo_scene_finder.providers.quicklook import fetch_quicklook

    provider = provider_for(cmr)                            # no token: browse images are public
    scene = one_hls(provider)
    data = fetch_quicklook(provider, scene.thumbnail)
    assert data.startswith(b"\xff\xd8") and cmr.world.requests("s3")[-1]["status"] == 200


def test_an_interrupted_download_resumes_through_the_redirect(cmr, tmp_path):
    token = cmr.world.issue_token(EARTHDATA_USER)
    provider = provider_for(cmr, {"token": token})
    [job] = asset_jobs(one_hls(provider), ["B04"], str(tmp_path), provider)
    os.makedirs(os.path.dirname(job.part_path), exist_ok=True)
    with open(job.part_path, "wb") as fh:
        fh.write(COG.read_bytes()[:10000])                 # what an earlier, stopped run left
    [result] = engine().run([job])
    assert result.state == "done" and open(result.path, "rb").read() == COG.read_bytes()
    [s3] = [r for r in cmr.world.requests("s3") if r["method"] == "GET"]
    assert s3["headers"].get("Range") == "bytes=10000-" and s3["status"] == 206


def test_test_connection_reaches_cmr(cmr):
    from eo_scene_finder.providers.spec import ConnectionCheck

    connection = resolve_connection(cmr.connection_string())
    result = ConnectionCheck()
    connection_spec = open_provider(connection).spec
    connection_spec.check_service(connection, None, {}, result)
    assert result.ok and f"{len(cmr.world.granules)} granules" in result.text()


def test_a_detailed_area_goes_as_a_post_form_and_still_pages(cmr):
    from shapely.geometry import Point

    circle = Point(-105.0, 36.0).buffer(2.5, 128)      # 513 vertices: a URL CMR would refuse
    request = SearchRequest.create(aoi=circle.__geo_interface__, collections="HLSL30_2.0",
                                   start="2021-01-01", end="2021-12-31")
    ids = [s.id for s in provider_for(cmr, page_size=500).search(request).scenes()]
    calls = granule_searches(cmr)
    assert len(calls) >= 3 and {c["method"] for c in calls} == {"POST"}
    assert all(c["headers"].get("CMR-Search-After") for c in calls[1:])
    from shapely.geometry.polygon import orient
    polygon = ",".join(f"{x:.7f},{y:.7f}" for x, y in orient(circle, 1.0).exterior.coords)
    assert ids == cmr.world.truth(short_name="HLSL30", version="2.0", polygon=polygon,
                                  temporal="2021-01-01T00:00:00Z,2021-12-31T23:59:59.999Z")


def test_a_search_naming_no_collection_stops_where_cmr_does_and_says_why(cmr):
    cmr.world.unnamed_depth_limit = 3000     # CMR's 10,000, scaled to this smaller world
    results = provider_for(cmr).search(SearchRequest.create(start="2021-01-01", end="2021-12-31"))
    seen = []
    with pytest.raises(errors.InvalidRequestError) as info:
        for scene in results.scenes():
            seen.append(scene.id)
    assert len(seen) == 2000 and "choose a collection" in info.value.user_message
    assert "exceeds the limit of 3000" in info.value.__cause__.server_message


def test_cancel_ends_a_search_waiting_out_a_429_at_once(cmr, qgis_app):
    import threading
    import time

    from eo_scene_finder.tasks.search_task import SearchTask

    cmr.world.throttle, cmr.world.retry_after = 5, 40   # CMR asks for 40 s between tries
    provider = provider_for(cmr)
    task = SearchTask("cmr", lambda: provider, SearchRequest.create(collections="MOD09GA_061", start="2021-01-01",
                                                                      end="2021-01-10"))
    outcome = {}
    worker = threading.Thread(target=lambda: outcome.setdefault("ok", task.run()))
    worker.start()
    deadline = time.monotonic() + 20
    while not cmr.world.requests("cmr") and time.monotonic() < deadline:
        time.sleep(0.05)
    assert [r["status"] for r in cmr.world.requests("cmr")] == [429]
    cancelled_at = time.monotonic()
    task.cancel()
    worker.join(10)
    assert not worker.is_alive(), "the search kept waiting out the 429 after Cancel"
    assert time.monotonic() - cancelled_at < 20  # not the 40 s the service asked to wait
    assert outcome["ok"] is False and task.error is None       # a cancel, not an error to show
    assert [r["status"] for r in cmr.world.requests("cmr")] == [429]   # nothing sent after Cancel


def test_cancel_ends_a_processing_search_waiting_out_a_429_at_once(cmr, processing_ready, tmp_path):
    import threading
    import time

    import processing
    from qgis.core import QgsProcessingContext, QgsProcessingFeedback

    cmr.world.throttle, cmr.world.retry_after = 5, 40   # CMR asks for 40 s between tries
    feedback = QgsProcessingFeedback()
    outcome = {}

    def run():
        try:
            outcome["result"] = processing.run(
                "eoscenefinder:search", {"CONNECTION": cmr.connection_string(), "COLLECTIONS": "MOD09GA_061",
                                         "START": "2021-01-01", "END": "2021-01-10",
                                         "OUTPUT": str(tmp_path / "scenes.gpkg")},
                context=QgsProcessingContext(), feedback=feedback)
        except Exception as err:  # noqa: BLE001 - reported below
            outcome["error"] = err

    worker = threading.Thread(target=run)
    worker.start()
    deadline = time.monotonic() + 30
    while not cmr.world.requests("cmr") and time.monotonic() < deadline:
        time.sleep(0.05)
    assert [r["status"] for r in cmr.world.requests("cmr")] == [429]
    cancelled_at = time.monotonic()
    feedback.cancel()
    worker.join(15)
    assert not worker.is_alive(), "the algorithm kept waiting out the 429 after Cancel"
    assert time.monotonic() - cancelled_at < 20  # not the 40 s the service asked to wait
    assert [r["status"] for r in cmr.world.requests("cmr")] == [429]   # nothing sent after Cancel
