"""HTTPS downloads of Copernicus Data Space products: zipper + bearer tokens from the token
manager + the shared download engine, against the loopback CDSE (catalogue, Keycloak
realm, zipper, and a download host on 127.0.0.2)."""
from __future__ import annotations

import hashlib
import os
import zipfile

import pytest
import requests

from eo_scene_finder.providers import errors
from eo_scene_finder.providers.catalogs.odata.provider import CdseODataProvider
from eo_scene_finder.providers.auth.credentials import CredentialStore, MemorySecretStore
from eo_scene_finder.providers.download.jobs import DONE, FAILED, OFFLINE, UNVERIFIED
from eo_scene_finder.providers.download.engine import DownloadEngine
from eo_scene_finder.providers.model import SearchRequest
from eo_scene_finder.providers.auth.tokens import TokenManager
from fixtures.cdse_servers import CDSE_PASSWORD, CDSE_USER
from servers._proc import wait_until


def logged_in_provider(cdse, password=CDSE_PASSWORD, **options):
    connection = cdse.connection(**options)
    store = CredentialStore(MemorySecretStore(), environ={})
    store.save(connection.name, {"username": CDSE_USER, "password": password})
    return CdseODataProvider(connection, credentials=TokenManager(store))


def scenes_named(provider, names):
    return provider.search(SearchRequest.create(ids=names)).all()


def pick(cdse, n=3, online="true"):
    """``n`` generated Sentinel-2 products from the loopback catalogue."""
    return cdse.products(collection="SENTINEL-2", online=online, generated=1, limit=n)


def md5(path):
    return hashlib.md5(open(path, "rb").read()).hexdigest()


def engine():
    return DownloadEngine(max_workers=4, per_host=4, backoff=0.2, backoff_max=1.0)


def test_products_download_over_https_verified_with_md5(cdse, tmp_path):
    provider = logged_in_provider(cdse)
    picked = pick(cdse, 3)
    scenes = scenes_named(provider, [p["Name"] for p in picked])
    assert len(scenes) == 3
    jobs = provider.download_jobs(scenes, str(tmp_path))
    results = engine().run(jobs)
    assert [r.state for r in results] == [DONE] * 3
    for scene, result in zip(scenes, results):
        stem = scene.properties["Name"][:-len(".SAFE")]
        assert result.path == str(tmp_path / "SENTINEL-2" / f"{stem}.zip")
        assert result.verified_by == "md5"
        assert md5(result.path) == scene.assets["product"].checksum.hexdigest
        with zipfile.ZipFile(result.path) as zf:
            assert f"{scene.properties['Name']}/manifest.safe" in zf.namelist()
    stats = cdse.stats()
    assert stats["grants"] == {"password": 1}  # one login shared by every job
    # a second run transfers nothing
    again = engine().run(provider.download_jobs(scenes, str(tmp_path)))
    assert {r.state for r in again} == {"skipped"}


def test_scenes_rebuilt_from_stored_records_download_too(cdse, tmp_path):
    """Processing keeps each scene's record in its layer and rebuilds the scene later."""
    provider = logged_in_provider(cdse)
    [scene] = scenes_named(provider, [pick(cdse, 1)[0]["Name"]])
    rebuilt = provider.scene_from_record(scene.record)
    assert rebuilt.id == scene.id and rebuilt.assets["product"].href == scene.assets["product"].href
    assert rebuilt.assets["product"].checksum == scene.assets["product"].checksum
    from eo_scene_finder.providers.download.jobs import asset_jobs
    [result] = engine().run(asset_jobs(rebuilt, None, str(tmp_path), provider))
    assert result.state == DONE and result.verified_by == "md5"


def test_the_zipper_needs_a_bearer_token(cdse):
    pid = pick(cdse, 1)[0]["Id"]
    response = requests.get(f"{cdse.odata_url}/Products({pid})/$value", timeout=30)
    assert response.status_code == 401


def test_a_wrong_password_is_reported_as_rejected_credentials(cdse, tmp_path):
    provider = logged_in_provider(cdse, password="wrong")
    scenes = scenes_named(provider, [pick(cdse, 1)[0]["Name"]])
    [result] = engine().run(provider.download_jobs(scenes, str(tmp_path)))
    assert result.state == FAILED
    assert isinstance(result.error, errors.AuthenticationError)
    assert "rejected" in result.reason.lower()
    assert not any(tmp_path.rglob("*.zip"))


def test_the_token_follows_the_services_own_redirects_and_never_leaves_its_domains(cdse, tmp_path):
    """The download host (127.0.0.1) redirects to a second host of the service's domain
    (localhost) that needs the token, which redirects to a foreign host (127.0.0.2, a signed
    URL) that must never see it. The connection lists the service's domains."""
    cdse.configure(redirect_downloads=True, redirect_foreign=True)
    provider = logged_in_provider(cdse, token_domains="127.0.0.1,localhost")
    scenes = scenes_named(provider, [p["Name"] for p in pick(cdse, 2)])
    results = engine().run(provider.download_jobs(scenes, str(tmp_path)))
    assert [r.state for r in results] == [DONE, DONE], [r.reason for r in results]
    assert all(r.verified_by == "md5" for r in results)
    stats = cdse.stats()
    assert stats["second_host_requests"] >= 2
    assert stats["second_host_auth_headers"] == stats["second_host_requests"]  # the token followed
    assert stats["download_requests"] >= 2 and stats["download_auth_headers"] == 0  # never left


def test_a_second_host_outside_the_listed_domains_gets_no_token_and_the_user_is_told(cdse, tmp_path):
    """The plugin's old behaviour (token dropped on every cross-host hop) against the real
    service: the second host answers 401. A loopback connection lists no other domain."""
    cdse.configure(redirect_downloads=True)
    provider = logged_in_provider(cdse)
    assert provider.credential_hosts() == ()
    [scene] = scenes_named(provider, [pick(cdse, 1)[0]["Name"]])
    [result] = engine().run(provider.download_jobs([scene], str(tmp_path)))
    assert result.state == FAILED and isinstance(result.error, errors.AuthenticationError)
    assert cdse.stats()["second_host_auth_headers"] == 0
    assert not any(tmp_path.rglob("*.zip"))


def test_the_real_services_defaults_download_from_the_download_host_within_its_domain():
    from eo_scene_finder.providers.connections import open_provider, resolve_connection
    provider = open_provider(resolve_connection("cdse"))
    assert provider.download_url == "https://download.dataspace.copernicus.eu/odata/v1"
    assert provider.credential_hosts() == ("*.dataspace.copernicus.eu",)
    creo = open_provider(resolve_connection("creodias"))
    assert creo.credential_hosts() == ("*.creodias.eu", "*.cloudferro.com")
    mirror = open_provider(resolve_connection(
        "cdse?download_url=https://zipper.dataspace.copernicus.eu/odata/v1&token_domains=a.example,*.b.example"))
    assert mirror.download_url == "https://zipper.dataspace.copernicus.eu/odata/v1"
    assert mirror.credential_hosts() == ("a.example", "*.b.example")


def test_an_expiring_token_is_refreshed_during_a_long_transfer_and_the_download_resumes(cdse, tmp_path):
    product = pick(cdse, 1)[0]
    size = cdse.set_product(product["Id"], payload_size=3_000_000)["ContentLength"]
    # 3 s tokens, a transfer of ~6 s; the zipper drops the connection when the token expires
    cdse.configure(access_token_lifetime=3, throttle_bps=500_000, cut_on_token_expiry=True)
    try:
        provider = logged_in_provider(cdse)
        scenes = scenes_named(provider, [product["Name"]])
        [result] = engine().run(provider.download_jobs(scenes, str(tmp_path)))
    finally:
        cdse.set_product(product["Id"], payload_size=2048)
    assert result.state == DONE, result.reason
    assert os.path.getsize(result.path) == size
    stats = cdse.stats()
    assert stats["zipper_ranges"], "the transfer resumed with a Range request"
    assert stats["grants"].get("refresh_token", 0) + stats["grants"].get("password", 0) >= 2
    assert stats["bytes_served"] < size * 1.2  # resumed, not restarted


def test_an_offline_product_is_reported_as_in_the_long_term_archive(cdse, tmp_path):
    offline = pick(cdse, 1, online="false")[0]
    provider = logged_in_provider(cdse)
    [scene] = scenes_named(provider, [offline["Name"]])
    assert scene.online is False
    [result] = engine().run(provider.download_jobs([scene], str(tmp_path)))
    assert result.state == OFFLINE
    assert isinstance(result.error, errors.OfflineProductError)
    assert "long-term archive" in result.reason
    # what to do instead: this service has no ordering API, and the plugin no ordering action
    assert "Copernicus Data Space Browser (https://browser.dataspace.copernicus.eu)" in result.reason
    assert "order offline products" not in result.reason and "ordering on" not in result.reason
    assert cdse.stats()["counts"].get("zipper", 0) == 0


def test_a_product_that_went_offline_after_the_search_is_reported_offline_too(cdse, tmp_path):
    product = pick(cdse, 1)[0]
    provider = logged_in_provider(cdse)
    [scene] = scenes_named(provider, [product["Name"]])
    cdse.set_product(product["Id"], online=False)
    try:
        [result] = engine().run(provider.download_jobs([scene], str(tmp_path)))
    finally:
        cdse.set_product(product["Id"], online=True)
    assert result.state == OFFLINE
    assert "long-term archive" in result.reason
    assert not any(tmp_path.rglob("*.zip"))


def test_a_corrupt_transfer_leaves_no_file_under_the_final_name(cdse, tmp_path):
    product = pick(cdse, 1)[0]
    cdse.set_product(product["Id"], corrupt=True)
    try:
        provider = logged_in_provider(cdse)
        scenes = scenes_named(provider, [product["Name"]])
        [result] = engine().run(provider.download_jobs(scenes, str(tmp_path)))
    finally:
        cdse.set_product(product["Id"], corrupt=False)
    assert result.state == UNVERIFIED
    assert not os.path.exists(result.job.dest_path)
    assert not any(p.name.endswith(".zip") for p in tmp_path.rglob("*"))
    assert result.path == result.job.dest_path + ".unverified" and os.path.exists(result.path)
    assert cdse.stats()["counts"]["zipper"] == 2  # retried once from scratch, then kept aside


def test_products_without_a_published_checksum_download_and_say_they_are_not_verified(cdse, tmp_path):
    """"Checksum": [] and "ContentLength": 0, as the service often publishes them."""
    product = cdse.products(collection="SENTINEL-3", checksum="none", limit=1)[0]
    provider = logged_in_provider(cdse)
    [scene] = scenes_named(provider, [product["Name"]])
    assert scene.record["Checksum"] == [] and scene.record["ContentLength"] == 0
    assert scene.assets["product"].checksum is None and scene.assets["product"].size is None
    [result] = engine().run(provider.download_jobs([scene], str(tmp_path)))
    assert result.state == DONE, result.reason
    assert "not verified (no checksum published" in result.reason
    with zipfile.ZipFile(result.path) as zf:
        assert zf.testzip() is None


def test_older_records_with_sha3_256_are_verified_with_it(cdse, tmp_path):
    product = cdse.products(collection="SENTINEL-5P", checksum="sha3", limit=1)[0]
    provider = logged_in_provider(cdse)
    [scene] = scenes_named(provider, [product["Name"]])
    [result] = engine().run(provider.download_jobs([scene], str(tmp_path)))
    assert result.state == DONE and result.verified_by == "sha3_256", result.reason


def test_a_published_md5_that_never_matches_keeps_the_bytes_under_a_marked_name(cdse, tmp_path):
    product = cdse.products(collection="SENTINEL-3", checksum="wrong", limit=1)[0]
    provider = logged_in_provider(cdse)
    [scene] = scenes_named(provider, [product["Name"]])
    [result] = engine().run(provider.download_jobs([scene], str(tmp_path)))
    assert result.state == UNVERIFIED
    final = result.job.dest_path
    assert not os.path.exists(final) and not os.path.exists(final + ".part")
    assert result.path == final + ".unverified"
    with zipfile.ZipFile(result.path) as zf:  # the bytes are the served archive, kept
        assert zf.testzip() is None
    assert os.path.basename(result.path) in result.reason and "MD5" in result.reason
    assert "rename it yourself if it is good" in result.reason
    assert cdse.stats()["counts"]["zipper"] == 2  # one mismatch, one fresh attempt, no more


# ------------------------------------------------------------------ through Processing
def test_processing_search_then_download_with_a_cdse_connection_string(processing_ready, cdse, tmp_path,
                                                                       monkeypatch):
    import processing
    from qgis.core import QgsVectorLayer

    monkeypatch.setenv("EOSF_CDSE_USERNAME", CDSE_USER)
    monkeypatch.setenv("EOSF_CDSE_PASSWORD", CDSE_PASSWORD)
    found = processing.run("eoscenefinder:search", {
        "CONNECTION": cdse.connection_string(), "COLLECTIONS": "SENTINEL-2", "START": "2023-01-01",
        "END": "2023-12-31", "EXTENT": "-5.0,8.5,42.0,51.5 [EPSG:4326]", "OUTPUT": str(tmp_path / "year.gpkg")})
    year = cdse.count("Collection/Name eq 'SENTINEL-2' and ContentDate/Start ge 2023-01-01T00:00:00Z and "
                      "ContentDate/Start lt 2024-01-01T00:00:00Z")["distinct_names"]
    assert found["COUNT"] == year > 11000
    two = processing.run("eoscenefinder:search", {
        "CONNECTION": cdse.connection_string(), "COLLECTIONS": "SENTINEL-2", "START": "2023-06-01",
        "END": "2023-06-02", "LIMIT": 2, "OUTPUT": str(tmp_path / "two.gpkg")})
    layer = QgsVectorLayer(two["OUTPUT"], "two", "ogr")
    assert layer.featureCount() == 2
    done = processing.run("eoscenefinder:download", {
        "INPUT": two["OUTPUT"], "OUTPUT_FOLDER": str(tmp_path / "out"), "OUTPUT": str(tmp_path / "report.gpkg")})
    zips = sorted((tmp_path / "out").rglob("*.zip"))
    assert len(zips) == 2
    for z in zips:
        with zipfile.ZipFile(z) as zf:
            assert zf.testzip() is None
    report = QgsVectorLayer(done["OUTPUT"], "report", "ogr")
    assert [f["state"] for f in report.getFeatures()] == ["done", "done"]


def test_processing_download_counts_unverified_and_unchecked_products(processing_ready, cdse, tmp_path,
                                                                      monkeypatch):
    """31 January: published without checksum; 1 February: an MD5 that never matches."""
    import processing
    from qgis.core import QgsVectorLayer

    monkeypatch.setenv("EOSF_CDSE_USERNAME", CDSE_USER)
    monkeypatch.setenv("EOSF_CDSE_PASSWORD", CDSE_PASSWORD)
    found = processing.run("eoscenefinder:search", {
        "CONNECTION": cdse.connection_string(), "COLLECTIONS": "SENTINEL-3", "START": "2023-01-31",
        "END": "2023-02-01", "OUTPUT": str(tmp_path / "two.gpkg")})
    assert found["COUNT"] == 2
    done = processing.run("eoscenefinder:download", {
        "INPUT": found["OUTPUT"], "OUTPUT_FOLDER": str(tmp_path / "out"), "OUTPUT": str(tmp_path / "report.gpkg")})
    assert done["DOWNLOADED"] == 1 and done["UNVERIFIED"] == 1 and done["FAILED"] == 0
    report = {f["state"]: f["message"] for f in QgsVectorLayer(done["OUTPUT"], "report", "ogr").getFeatures()}
    assert "not verified (no checksum published" in report["done"]
    assert ".zip.unverified" in report["unverified"]
    assert len(list((tmp_path / "out").rglob("*.zip"))) == 1
    assert len(list((tmp_path / "out").rglob("*.zip.unverified"))) == 1
