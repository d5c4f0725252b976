"""The ``usgs`` kind against the strict loopback M2M server (tests/servers/m2m_server.py):
search, the service's rules (envelope errors, one request per key, re-login, quotas,
Collection 1) and downloads that USGS prepares first."""
from __future__ import annotations

import json
import os
import tarfile
import threading
import time

import pytest

from eo_scene_finder.providers import errors
from eo_scene_finder.providers.auth.tokens import CredentialsRejectedError, TokenManager
from eo_scene_finder.providers.connections import open_provider, resolve_connection
from eo_scene_finder.providers.download.engine import DownloadEngine
from eo_scene_finder.providers.download.jobs import asset_jobs
from eo_scene_finder.providers.model import SearchRequest
from eo_scene_finder.providers.scene_ids import parse_scene_key

from fixtures.m2m_servers import USGS_USERNAME


@pytest.fixture
def usgs(m2m, usgs_env):
    """A provider on the loopback server; closed (logged out) after the test."""
    opened = []

    def make(**options):
        options.setdefault("retrieve_interval", 0.05)
        options.setdefault("rate_limit_pause", 0.05)
        provider = open_provider(m2m.connection(**options))
        opened.append(provider)
        return provider

    yield make
    for provider in opened:
        provider.close()


def ids(scenes):
    return [s.id for s in scenes]


YEAR = dict(start="2018-01-01", end="2018-12-31", collections=["landsat_ot_c2_l2"])


# ------------------------------------------------------------------------------ search
def test_search_pages_past_one_page_and_finds_the_same_scenes(usgs, m2m):
    request = SearchRequest.create(aoi=[3.5, 50.0, 5.0, 51.0], **YEAR)
    one_page = usgs(page_size=10000).search(request)
    everything = one_page.all()
    paged = usgs(page_size=25).search(request)
    scenes = paged.all()
    assert len(everything) > 50
    assert paged.pages_fetched > 2 and one_page.pages_fetched == 1
    assert sorted(ids(scenes)) == sorted(ids(everything))
    assert len(set(ids(scenes))) == len(scenes)
    starts = [p["startingNumber"] for p in m2m.payloads("scene-search") if p["maxResults"] == 25]
    assert starts[:3] == [1, 26, 51]


def test_scenes_carry_the_landsat_key_footprint_quicklook_and_assets(usgs):
    scene = usgs().search(SearchRequest.create(aoi=[4.0, 50.5, 4.2, 50.7], start="2018-01-31", end="2018-01-31",
                                               collections=["landsat_ot_c2_l2"])).all()[0]
    assert scene.id == "LC08_L2SP_198025_20180131_20200902_02_T2"   # the recorded scene
    # the same acquisition from Planetary Computer / Earth Search has this key
    assert scene.scene_key == parse_scene_key("LC08_L2SP_198025_20180131_02_T2")
    assert scene.geometry["type"] == "Polygon" and scene.bbox[0] == pytest.approx(2.84509)
    assert scene.cloud_cover == 100.0 and scene.platform == "landsat-8"
    assert scene.thumbnail.startswith("https://landsatlook.usgs.gov/gen-browse?size=thumb")
    assert {"bundle", "SR_B4", "ST_B10", "QA_PIXEL", "MTL.txt"} <= set(scene.assets)
    assert scene.datetime.isoformat().startswith("2018-01-31")
    # files USGS hands out only after a download request are not offered for streaming
    from eo_scene_finder.ui.scene_panel import pick_view_asset
    assert pick_view_asset(scene) is None


def test_polygon_aoi_goes_as_coordinates_and_the_footprint_is_checked_locally(usgs, m2m):
    # a thin diagonal triangle: its bounding box touches more footprints than the triangle does
    triangle = {"type": "Polygon", "coordinates": [[[2.0, 48.0], [7.0, 52.5], [2.3, 48.0], [2.0, 48.0]]]}
    request = SearchRequest.create(aoi=triangle, **YEAR)
    scenes = usgs().search(request).all()
    sent = m2m.payloads("scene-search")[-1]["sceneFilter"]["spatialFilter"]
    assert sent["filterType"] == "geoJson"
    assert sent["geoJson"]["coordinates"][0] == {"longitude": 2.0, "latitude": 48.0}
    from shapely.geometry import shape
    assert scenes and all(shape(s.geometry).intersects(shape(triangle)) for s in scenes)
    box = usgs().search(SearchRequest.create(aoi=list(shape(triangle).bounds), **YEAR)).all()
    assert set(ids(scenes)) < set(ids(box))


def test_an_area_of_several_parts_goes_as_a_bounding_box(usgs, m2m):
    two = {"type": "MultiPolygon", "coordinates": [[[[3, 50], [3.2, 50], [3.2, 50.2], [3, 50]]],
                                                   [[[5, 50], [5.2, 50], [5.2, 50.2], [5, 50]]]]}
    usgs().search(SearchRequest.create(aoi=two, **YEAR)).all()
    sent = m2m.payloads("scene-search")[-1]["sceneFilter"]["spatialFilter"]
    assert sent["filterType"] == "mbr" and sent["lowerLeft"] == {"latitude": 50.0, "longitude": 3.0}


def test_dates_are_inclusive_and_cloud_cover_is_a_number(usgs, m2m):
    provider = usgs()
    day = provider.search(SearchRequest.create(start="2018-01-31", end="2018-01-31", aoi=[4.0, 50.5, 4.2, 50.7],
                                               collections=["landsat_ot_c2_l2"])).all()
    assert day and all(s.datetime.date().isoformat() == "2018-01-31" for s in day)
    clear = provider.search(SearchRequest.create(max_cloud=20, aoi=[3.5, 50.0, 5.0, 51.0], **YEAR)).all()
    allc = provider.search(SearchRequest.create(aoi=[3.5, 50.0, 5.0, 51.0], **YEAR)).all()
    assert clear and all(s.cloud_cover <= 20 for s in clear) and len(clear) < len(allc)
    sent = [p["sceneFilter"].get("cloudCoverFilter") for p in m2m.payloads("scene-search")]
    assert {"min": 0, "max": 20, "includeUnknown": False} in sent


def test_metadata_filters_are_the_panels_attributes(usgs, m2m):
    provider = usgs()
    queryables = provider.queryables(["landsat_ot_c2_l2"])
    common = {name: q for name, q in queryables.items() if q.get("x-common")}
    assert set(common) == {"dayNight", "wrsPath", "wrsRow", "collectionCategory"}
    assert common["dayNight"]["enum"] == ["DAY", "NIGHT"]
    assert common["collectionCategory"]["enum"] == ["T1", "T2", "RT"]
    base = dict(aoi=[3.0, 49.0, 6.0, 52.0], **YEAR)
    t2 = provider.search(SearchRequest.create(provider_filters={"collectionCategory": "T2"}, **base)).all()
    path = provider.search(SearchRequest.create(provider_filters={"wrsPath": "197"}, **base)).all()
    night = provider.search(SearchRequest.create(provider_filters={"dayNight": "NIGHT"}, **base)).all()
    day = provider.search(SearchRequest.create(provider_filters={"dayNight": "DAY"}, **base)).all()
    everything = provider.search(SearchRequest.create(**base)).all()
    assert t2 and all(s.id.endswith("_T2") for s in t2)
    assert path and all(s.properties["landsat:wrs_path"] == "197" for s in path)
    assert night and len(night) + len(day) == len(everything)
    sent = [p["sceneFilter"].get("metadataFilter") for p in m2m.payloads("scene-search")]
    assert {"filterType": "between", "filterId": "5e83d0b81d20cee8", "firstValue": 197, "secondValue": 197} in sent
    with pytest.raises(errors.InvalidRequestError) as info:
        provider.search(SearchRequest.create(provider_filters={"tileId": "31TFJ"}, **base)).all()
    assert "dayNight" in info.value.user_message


def test_results_come_in_the_order_asked(usgs, m2m):
    provider = usgs(page_size=30)
    base = dict(aoi=[3.5, 50.0, 5.0, 51.0], **YEAR)
    newest = provider.search(SearchRequest.create(sortby="-datetime", limit=40, **base)).all()
    dates = [s.datetime for s in newest]
    assert len(newest) == 40 and dates == sorted(dates, reverse=True) and dates[0].month == 12
    assert m2m.payloads("scene-search")[-1]["sortDirection"] == "DESC"
    clearest = provider.search(SearchRequest.create(sortby="eo:cloud_cover", limit=5, **base)).all()
    everything = provider.search(SearchRequest.create(**base)).all()
    assert [s.cloud_cover for s in clearest] == sorted(s.cloud_cover for s in everything)[:5]


def test_scenes_asked_by_id_are_found_by_the_server(usgs, m2m):
    provider = usgs()
    wanted = ids(provider.search(SearchRequest.create(aoi=[3.5, 50.0, 5.0, 51.0], limit=3, **YEAR)).all())
    found = provider.search(SearchRequest.create(ids=wanted, collections=["landsat_ot_c2_l2"])).all()
    assert sorted(ids(found)) == sorted(wanted)
    assert m2m.payloads("scene-search")[-1]["sceneFilter"]["metadataFilter"]["filterType"] == "or"


def test_collections_are_the_collection_2_datasets_titled_by_the_service(usgs):
    collections = usgs().list_collections()
    assert [c.id for c in collections] == ["landsat_ot_c2_l2", "landsat_ot_c2_l1", "landsat_etm_c2_l2",
                                           "landsat_etm_c2_l1", "landsat_tm_c2_l2", "landsat_tm_c2_l1"]
    assert collections[0].title == "Landsat 8 OLI/TIRS C2 L2"   # dataset-search's collectionName


# ------------------------------------------------------------------------------ the service's rules
def test_password_login_is_refused_on_http_200_and_never_used(m2m, usgs):
    import requests
    answer = requests.post(m2m.api_url + "login", json={"username": USGS_USERNAME, "password": "x"})
    assert answer.status_code == 200 and answer.json()["errorCode"] == "AUTH_INVALID"
    usgs().search(SearchRequest.create(limit=3, **YEAR)).all()
    assert m2m.stats()["counts"].get("login", 0) == 1          # only the call above


def test_a_wrong_application_token_is_rejected_in_plain_words(m2m, usgs, monkeypatch):
    monkeypatch.setenv("EOSF_USGS_TOKEN", "not-my-token")
    with pytest.raises(CredentialsRejectedError) as info:
        usgs().search(SearchRequest.create(limit=3, **YEAR)).all()
    assert "Credentials rejected for USGS loopback" in info.value.user_message
    assert "User credential verification failed" in info.value.user_message


def test_an_expired_key_means_one_new_login_without_the_stale_key(m2m, usgs):
    provider = usgs()
    provider.search(SearchRequest.create(limit=3, **YEAR)).all()
    m2m.admin("expire", {})
    assert len(provider.search(SearchRequest.create(limit=3, **YEAR)).all()) == 3
    stats = m2m.stats()
    assert stats["logins"] == 2 and stats["errors"]["AUTH_EXPIRED"] == 1
    assert stats["stale_key_uses"] == 0          # not even a logout with the refused key


def test_a_key_logged_out_elsewhere_means_one_new_login(m2m, usgs_env):
    import requests
    manager = TokenManager()
    provider = open_provider(m2m.connection(), credentials=manager)
    try:
        provider.search(SearchRequest.create(limit=3, **YEAR)).all()
        key = manager.headers(provider.connection)["X-Auth-Token"]
        requests.post(m2m.api_url + "logout", headers={"X-Auth-Token": key}, json={})  # another program
        assert len(provider.search(SearchRequest.create(limit=3, **YEAR)).all()) == 3
    finally:
        provider.close()
    stats = m2m.stats()
    assert stats["errors"]["AUTH_KEY_INVALID"] == 1 and stats["logins"] == 2
    assert stats["stale_key_uses"] == 1          # the one request that found out, no more


def test_the_server_takes_both_polygon_forms_in_use(m2m, usgs_env):
    """landsatxplore/usgsxplore send M2M Coordinates, bdc-collectors/eodag plain GeoJSON."""
    import requests
    key = requests.post(m2m.api_url + "login-token", json=usgs_env).json()["data"]
    ring = [[4.0, 50.5], [4.2, 50.5], [4.2, 50.7], [4.0, 50.5]]
    forms = [{"filterType": "geoJson", "geoJson": {"type": "Polygon", "coordinates": [
                 {"longitude": x, "latitude": y} for x, y in ring]}},
             {"filterType": "geojson", "geoJson": {"type": "Polygon", "coordinates": [ring]}}]
    found = []
    for spatial in forms:
        answer = requests.post(m2m.api_url + "scene-search", headers={"X-Auth-Token": key}, json={
            "datasetName": "landsat_ot_c2_l2", "maxResults": 500,
            "sceneFilter": {"spatialFilter": spatial, "acquisitionFilter": {"start": "2018-01-01",
                                                                            "end": "2018-12-31"}}}).json()
        assert answer["errorCode"] is None
        found.append(sorted(r["displayId"] for r in answer["data"]["results"]))
    assert found[0] and found[0] == found[1]


def test_keys_refused_after_a_new_login_say_credentials_rejected(m2m, usgs):
    m2m.configure(key_idle_seconds=0.0)          # every key expires at once
    with pytest.raises(CredentialsRejectedError) as info:
        usgs().search(SearchRequest.create(limit=3, **YEAR)).all()
    assert "Credentials rejected for USGS loopback" in info.value.user_message
    assert m2m.stats()["logins"] == 2            # one new login, then the error


def test_requests_with_one_key_go_one_at_a_time(m2m, usgs):
    m2m.configure(latency=0.05)
    manager = TokenManager()                     # the panel's: one API key for the connection
    providers = [open_provider(m2m.connection(), credentials=manager) for _ in range(3)]  # three tasks
    failures = []

    def search(provider):
        try:
            provider.search(SearchRequest.create(aoi=[3.5, 50.0, 5.0, 51.0], **YEAR)).all()
        except Exception as err:  # noqa: BLE001 - collected for the assertion
            failures.append(err)

    threads = [threading.Thread(target=search, args=(p,)) for p in providers]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    for provider in providers:
        provider.close()
    assert failures == []
    stats = m2m.stats()
    assert stats["rate_limited"] == 0 and stats["logins"] == 1 and stats["counts"]["scene-search"] >= 6


def test_rate_limit_is_retried_once_then_explained(m2m, usgs):
    m2m.configure(rate_limit_next=1)
    assert usgs().search(SearchRequest.create(limit=3, **YEAR)).all()
    m2m.configure(rate_limit_next=2)
    with pytest.raises(errors.RateLimitedError) as info:
        usgs().search(SearchRequest.create(limit=3, **YEAR)).all()
    assert "multiple requests at a time" in info.value.user_message
    assert m2m.stats()["rate_limited"] == 3


def test_collection_1_is_named_retired_with_its_successor(usgs):
    with pytest.raises(errors.InvalidRequestError) as info:
        usgs().search(SearchRequest.create(collections=["landsat_8_c1"], limit=3)).all()
    message = info.value.user_message
    assert "Collection 1" in message and "retired" in message and "landsat_ot_c2_l1" in message


def test_the_provider_logs_out_when_it_closes(m2m, usgs_env):
    provider = open_provider(m2m.connection())
    provider.search(SearchRequest.create(limit=3, **YEAR)).all()
    provider.close()
    stats = m2m.stats()
    assert stats["logouts"] == 1 and stats["keys_alive"] == 0


# ------------------------------------------------------------------------------ downloads
def _scenes(provider, n=2):
    return provider.search(SearchRequest.create(aoi=[3.5, 50.0, 5.0, 51.0], limit=n, **YEAR)).all()


def test_bands_start_at_once_bundles_are_prepared_and_a_cut_transfer_resumes(m2m, usgs, tmp_path):
    m2m.configure(prepare_polls=4, cut_after=1500)
    provider = usgs()
    first, second = _scenes(provider)
    jobs = (asset_jobs(first, None, str(tmp_path), provider)                 # no asset named: the bundle
            + asset_jobs(second, ["SR_B4", "MTL.txt"], str(tmp_path), provider))
    events = []
    results = DownloadEngine(retries=3, backoff=0.01).run(jobs, events.append)
    assert [r.state for r in results] == ["done", "done", "done"], [r.reason for r in results]
    bundle, band, mtl = (r.path for r in results)
    assert bundle.endswith(f"landsat_ot_c2_l2/{first.id}.tar")
    assert band.endswith(f"{second.id}/{second.id}_SR_B4.TIF") and mtl.endswith(f"{second.id}_MTL.txt")
    with tarfile.open(bundle) as tar:
        assert f"{first.id}_SR_B4.TIF" in tar.getnames()
    preparing = [e for e in events if e.message.startswith("USGS is preparing")]
    assert preparing and preparing[0].message == "USGS is preparing 1 file"
    # the bands were done while the bundle was still being prepared
    band_done = min(i for i, e in enumerate(events) if e.result is not None and e.label.endswith("SR_B4"))
    assert any(e.message.startswith("USGS is preparing") for e in events[band_done:])
    stats = m2m.stats()
    assert stats["range_gets"] >= 3 and stats["auth_on_download"] == 0
    assert stats["counts"]["download-request"] == 1 and stats["counts"]["download-retrieve"] >= 4
    labels = [p["label"] for p in m2m.payloads("download-request")]
    # a second run finds everything present: nothing requested, nothing transferred
    again = DownloadEngine().run(asset_jobs(first, None, str(tmp_path), provider)
                                 + asset_jobs(second, ["SR_B4", "MTL.txt"], str(tmp_path), provider))
    assert [r.state for r in again] == ["skipped"] * 3
    assert m2m.stats()["counts"]["download-request"] == 1
    # each request has a label of its own
    asset_jobs(first, ["SR_B5"], str(tmp_path), provider)
    assert DownloadEngine().run(asset_jobs(first, ["SR_B5"], str(tmp_path), provider))[0].state == "done"
    assert len(set(labels + [p["label"] for p in m2m.payloads("download-request")])) == 2


def test_waiting_for_preparation_can_be_cancelled(m2m, usgs, tmp_path):
    m2m.configure(prepare_polls=10 ** 6)
    provider = usgs(retrieve_interval=0.05)
    jobs = asset_jobs(_scenes(provider, 1)[0], ["bundle"], str(tmp_path), provider)
    cancel = threading.Event()

    def progress(event):
        if event.message.startswith("USGS is preparing"):
            cancel.set()

    began = time.monotonic()
    results = DownloadEngine().run(jobs, progress, cancel)
    assert results[0].state == "cancelled" and time.monotonic() - began < 10


def test_the_download_quota_stops_queueing_and_says_when_to_retry(m2m, usgs, tmp_path):
    m2m.configure(download_quota=2)
    provider = usgs()
    first, second = _scenes(provider)
    jobs = (asset_jobs(first, ["SR_B4", "SR_B5"], str(tmp_path), provider)
            + asset_jobs(second, ["SR_B4"], str(tmp_path), provider))
    results = DownloadEngine().run(jobs)
    assert [r.state for r in results] == ["failed"] * 3
    assert all("USGS download limit reached" in r.reason and "Try again after" in r.reason for r in results)
    assert m2m.stats()["counts"]["download-request"] == 1
    # later downloads are not even asked for until the limit is over
    later = DownloadEngine().run(asset_jobs(second, ["SR_B5"], str(tmp_path), provider))
    assert later[0].state == "failed" and "Try again after" in later[0].reason
    assert m2m.stats()["counts"]["download-request"] == 1


def test_a_file_usgs_does_not_offer_fails_alone(m2m, usgs, tmp_path):
    provider = usgs()
    scene = _scenes(provider, 1)[0]
    scene.assets["B12"] = scene.assets["SR_B4"]
    results = DownloadEngine().run(asset_jobs(scene, ["B12", "SR_B4"], str(tmp_path), provider))
    assert [r.state for r in results] == ["failed", "done"]
    assert "USGS offers no file “B12”" in results[0].reason and "SR_B4" in results[0].reason


def test_search_string_and_records_round_trip(m2m, usgs_env):
    conn = resolve_connection(m2m.connection_string())
    assert conn.kind == "usgs" and conn.url == m2m.api_url
    provider = open_provider(conn)
    try:
        scene = provider.search(SearchRequest.create(limit=1, **YEAR)).all()[0]
        again = provider.scene_from_record(json.loads(json.dumps(scene.record)))
        assert again.id == scene.id and set(again.assets) == set(scene.assets)
        assert again.properties["entityId"] == scene.properties["entityId"]
    finally:
        provider.close()


def test_the_loopback_server_answers_in_the_recorded_shapes(m2m, usgs_env):
    """Every answer of the loopback M2M has the keys of the recorded real ones."""
    from pathlib import Path
    import requests

    recorded = Path(__file__).parent / "data" / "usgs-m2m"

    def real(name):
        return json.loads((recorded / name).read_text())

    def call(endpoint, payload, key=None):
        answer = requests.post(m2m.api_url + endpoint, json=payload, headers={"X-Auth-Token": key} if key else {})
        assert answer.status_code == 200
        return answer.json()

    login = call("login-token", usgs_env)
    assert set(login) == set(real("login.json")) and login["errorCode"] is None
    key = login["data"]
    search = call("scene-search", {"datasetName": "landsat_ot_c2_l2", "maxResults": 3}, key)["data"]
    shape = real("scene-search_landsat_ot_c2_l2_point.json")["data"]
    assert set(search) == set(shape)
    assert all(set(r) == set(shape["results"][0]) for r in search["results"])
    entity = search["results"][2]["entityId"]
    options = call("download-options", {"datasetName": "landsat_ot_c2_l2", "entityIds": [entity]}, key)["data"]
    assert all(set(o) == set(real("download-options.json")["data"][0]) for o in options)
    band = options[1]["secondaryDownloads"][0]
    request = call("download-request", {"downloads": [{"entityId": band["entityId"], "productId": band["id"]}],
                                        "label": "shape-check"}, key)["data"]
    assert set(request) == set(real("download-request.json")["data"])
    assert set(request["availableDownloads"][0]) == set(real("download-request.json")["data"]["preparingDownloads"][0])
    assert call("dataset-filters", {"datasetName": "landsat_ot_c2_l2"}, key)["data"] == real("dataset-filters.json")["data"]


def test_ready_files_do_not_wait_behind_files_being_prepared(m2m, usgs, tmp_path):
    m2m.configure(prepare_polls=8)
    provider = usgs()
    scenes = _scenes(provider, 4)
    jobs = [j for s in scenes[:3] for j in asset_jobs(s, ["bundle"], str(tmp_path), provider)]
    jobs += asset_jobs(scenes[3], ["SR_B4"], str(tmp_path), provider)
    finished = []
    results = DownloadEngine(max_workers=2).run(jobs, lambda e: e.result and finished.append(e.label))
    assert [r.state for r in results] == ["done"] * 4
    assert finished[0] == f"{scenes[3].id} · SR_B4"          # two workers, three bundles ahead of it


def test_files_are_named_as_the_server_names_them(m2m, usgs, tmp_path):
    m2m.configure(served_name_prefix="served_")
    provider = usgs()
    scene = _scenes(provider, 1)[0]
    result = DownloadEngine().run(asset_jobs(scene, ["QA_PIXEL"], str(tmp_path), provider))[0]
    assert result.state == "done"
    assert result.path.endswith(f"{scene.id}/served_{scene.id}_QA_PIXEL.TIF")
    assert sorted(p.name for p in (tmp_path / "landsat_ot_c2_l2" / scene.id).iterdir()) == [
        f"served_{scene.id}_QA_PIXEL.TIF"]


def test_a_bundle_downloaded_with_unpack_is_extracted_into_its_folder(m2m, usgs, tmp_path):
    provider = usgs()
    [scene] = _scenes(provider, 1)
    jobs = asset_jobs(scene, ["bundle"], str(tmp_path), provider, unpack=True)
    [result] = DownloadEngine(retries=3, backoff=0.01).run(jobs)
    assert result.state == "done", result.reason
    assert result.unpacked_path == str(tmp_path / "landsat_ot_c2_l2" / scene.id)
    assert os.path.isfile(os.path.join(result.unpacked_path, f"{scene.id}_SR_B4.TIF"))
