"""Sentinel-1 SAFE products from the requester-pays AWS bucket (kind ``aws``, preset ``aws-s1``):
search through the loopback STAC API, SAFE rebuild from the strict loopback bucket
(tests/fixtures/bucket_servers.py), streaming with GDAL's /vsis3/."""
from __future__ import annotations

import json
import os
import threading
import zipfile
from pathlib import Path

import pytest
import requests

from eo_scene_finder.providers import errors
from eo_scene_finder.providers.catalogs.aws.safe import ProductName, safe_names
from eo_scene_finder.providers.connections import open_provider, resolve_connection
from eo_scene_finder.providers.download.engine import DownloadEngine
from eo_scene_finder.providers.download.jobs import asset_jobs
from eo_scene_finder.providers.model import SearchRequest
from eo_scene_finder.providers.net.s3 import S3Account, SigV4Signer

from fixtures.bucket_servers import AWS_S1, BUCKET, INCOMPLETE, REAL_PRODUCT, RFI_PRODUCT, prefix_of

NO_AWS_ENV = ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE",
              "AWS_DEFAULT_PROFILE", "AWS_SHARED_CREDENTIALS_FILE")


@pytest.fixture(autouse=True)
def no_user_aws_keys(monkeypatch, tmp_path):
    """The developer's own AWS keys never reach a test (nor its ~/.aws)."""
    for name in NO_AWS_ENV:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "no-aws-credentials"))


def connection_text(stac_url: str, endpoint: str, **options) -> str:
    extra = "".join(f"&{k}={v}" for k, v in options.items())
    return f"aws-s1?stac_url={stac_url}&s3_endpoint={endpoint}{extra}"


@pytest.fixture
def aws(aws_s1_catalog, s1_bucket):
    """An open ``aws-s1`` provider on the loopback catalog and bucket, with the IAM user's keys."""
    stac_url, _items = aws_s1_catalog
    opened = []

    def make(credentials="account", **options):
        creds = {"access_key": s1_bucket.account["access_key"], "secret_key": s1_bucket.account["secret_key"]} \
            if credentials == "account" else credentials
        provider = open_provider(resolve_connection(connection_text(stac_url, s1_bucket.endpoint, **options)),
                                 credentials=creds)
        opened.append(provider)
        return provider

    s1_bucket.front.clear()
    yield make
    for provider in opened:
        provider.close()


def scene_of(provider, product_id: str):
    scenes = provider.search(SearchRequest.create(ids=[product_id])).all()
    assert len(scenes) == 1, f"{product_id}: {len(scenes)} scenes"
    return scenes[0]


def download(provider, scenes, out: Path, cancel_after_first: bool = False):
    jobs = []
    for scene in scenes:
        jobs.extend(asset_jobs(scene, None, str(out), provider))
    cancel = threading.Event()

    def progress(event):
        if cancel_after_first and event.result is not None and event.result.state == "done":
            cancel.set()
    return DownloadEngine(max_workers=2, per_host=2).run(jobs, progress, cancel)


def tree(folder: Path):
    return sorted(str(p.relative_to(folder)).replace(os.sep, "/") for p in folder.rglob("*") if p.is_file())


# ------------------------------------------------------------------------------ names
def test_the_renaming_rule_gives_the_recorded_filename_map():
    info = json.loads((AWS_S1 / "productInfo.json").read_text())
    product = ProductName.parse(info["id"])
    assert product.prefix() == info["path"]  # month and day not zero-padded
    names = safe_names(product, list(info["filenameMap"].values()) + ["productInfo.json"])
    assert names == {key: name for name, key in info["filenameMap"].items()}  # productInfo.json is not in a SAFE


def test_an_rfi_annotation_keeps_its_folder_and_prefix_and_overwrites_nothing():
    product = ProductName.parse(RFI_PRODUCT)
    names = safe_names(product, ["annotation/iw-hh.xml", "annotation/rfi/rfi-iw-hh.xml",
                                 "annotation/calibration/noise-iw-hh.xml", "measurement/iw-hh.tiff"])
    stem = "s1a-iw-grd-hh-20250731t135702-20250731t135722-060328-077f7e-001"
    assert names == {"annotation/iw-hh.xml": f"annotation/{stem}.xml",
                     "annotation/rfi/rfi-iw-hh.xml": f"annotation/rfi/rfi-{stem}.xml",
                     "annotation/calibration/noise-iw-hh.xml": f"annotation/calibration/noise-{stem}.xml",
                     "measurement/iw-hh.tiff": f"measurement/{stem}.tiff"}


# ------------------------------------------------------------------------------ the bucket
def test_the_loopback_bucket_refuses_what_the_real_one_refuses(s1_bucket):
    url = f"{s1_bucket.endpoint}/{BUCKET}/{prefix_of(REAL_PRODUCT)}/manifest.safe"
    good = S3Account("t", s1_bucket.account["access_key"], s1_bucket.account["secret_key"])
    wrong = S3Account("t", s1_bucket.account["access_key"], "not-the-secret")
    payer = {"x-amz-request-payer": "requester"}
    with requests.Session() as http:
        http.trust_env = False
        anonymous = http.get(url)
        no_payer = http.get(url, headers=SigV4Signer(good, "eu-central-1").headers("GET", url))
        payer_unsigned = http.get(url, headers={**SigV4Signer(good, "eu-central-1").headers("GET", url), **payer})
        bad_signature = http.get(url, headers=SigV4Signer(wrong, "eu-central-1").headers("GET", url, payer))
        ok = http.get(url, headers=SigV4Signer(good, "eu-central-1").headers("GET", url, payer))
    for refused in (anonymous, no_payer, payer_unsigned):
        assert refused.status_code == 403 and b"<Code>AccessDenied</Code>" in refused.content
    assert bad_signature.status_code == 403 and b"SignatureDoesNotMatch" in bad_signature.content
    assert ok.status_code == 200 and ok.content == s1_bucket.products[REAL_PRODUCT]["manifest.safe"]


# ------------------------------------------------------------------------------ search
def test_search_finds_the_sentinel1_products_of_the_stac_collection(aws):
    provider = aws()
    assert [c.id for c in provider.list_collections()] == ["sentinel-1-grd"]
    scenes = provider.search(SearchRequest.create()).all()
    assert len(scenes) == 4 and all(s.collection == "sentinel-1-grd" for s in scenes)
    assert provider.warnings == []
    # the full product id (with the bucket folder's suffix) finds its item
    assert scene_of(provider, RFI_PRODUCT).properties["s1:product_identifier"] == RFI_PRODUCT


def test_the_search_limit_cuts_in_search_order_and_says_so(aws):
    provider = aws()
    every = [s.id for s in provider.search(SearchRequest.create(sortby="-datetime")).all()]
    results = provider.search(SearchRequest.create(sortby="-datetime", limit=2))
    assert [s.id for s in results.all()] == every[:2]
    assert results.truncated
    assert any("stopped at 2 products" in w.message for w in provider.warnings)


# ------------------------------------------------------------------------------ download
def test_download_rebuilds_the_safe_with_its_real_names(aws, s1_bucket, tmp_path):
    provider = aws()
    results = download(provider, [scene_of(provider, REAL_PRODUCT)], tmp_path)
    assert {r.state for r in results} == {"done"}
    safe = tmp_path / "sentinel-1-grd" / f"{REAL_PRODUCT}.SAFE"
    info = json.loads((AWS_S1 / "productInfo.json").read_text())
    assert tree(safe) == sorted(info["filenameMap"])
    files = s1_bucket.products[REAL_PRODUCT]
    for name, key in info["filenameMap"].items():
        assert (safe / name).read_bytes() == files[key], name
    assert os.listdir(tmp_path / "sentinel-1-grd") == [f"{REAL_PRODUCT}.SAFE"]  # no staging left
    log = s1_bucket.front.requests()
    assert log and all(r["payer"] == "requester" and not r["refused"] for r in log)  # listings included
    assert any("delimiter=%2F" in r["path"] for r in log)

    s1_bucket.front.clear()
    again = download(provider, [scene_of(provider, REAL_PRODUCT)], tmp_path)
    assert [r.state for r in again] == ["skipped"]
    assert s1_bucket.front.requests() == []  # already there: not a single paid request


def test_an_rfi_product_keeps_both_annotations(aws, s1_bucket, tmp_path):
    provider = aws()
    download(provider, [scene_of(provider, RFI_PRODUCT)], tmp_path)
    safe = tmp_path / "sentinel-1-grd" / f"{RFI_PRODUCT}.SAFE"
    stem = "s1a-iw-grd-hh-20250731t135702-20250731t135722-060328-077f7e-001"
    files = s1_bucket.products[RFI_PRODUCT]
    assert (safe / "annotation" / f"{stem}.xml").read_bytes() == files["annotation/iw-hh.xml"]
    assert (safe / "annotation" / "rfi" / f"rfi-{stem}.xml").read_bytes() == files["annotation/rfi/rfi-iw-hh.xml"]
    assert (safe / "measurement" / f"{stem}.tiff").read_bytes() == files["measurement/iw-hh.tiff"]
    assert (safe / f"{RFI_PRODUCT}.SAFE-report-20250731T144526.pdf").exists()
    assert not (safe / "productInfo.json").exists()


def test_a_product_missing_a_part_is_refused_and_nothing_is_written(aws, tmp_path):
    provider = aws()
    scene = scene_of(provider, INCOMPLETE)
    with pytest.raises(errors.NotFoundError) as caught:
        asset_jobs(scene, None, str(tmp_path), provider)
    assert "support/" in caught.value.user_message and "skipped" in caught.value.user_message
    assert list(tmp_path.rglob("*")) == []


def test_a_product_appears_under_its_final_name_only_when_complete(aws, tmp_path):
    provider = aws()
    scene = scene_of(provider, RFI_PRODUCT)
    first = download(provider, [scene], tmp_path, cancel_after_first=True)
    assert "cancelled" in {r.state for r in first}
    folder = tmp_path / "sentinel-1-grd"
    assert not (folder / f"{RFI_PRODUCT}.SAFE").exists()
    assert (folder / f".{RFI_PRODUCT}.SAFE.part").is_dir()
    second = download(provider, [scene], tmp_path)
    assert {r.state for r in second} <= {"done", "skipped"} and "done" in {r.state for r in second}
    assert sorted(os.listdir(folder)) == [f"{RFI_PRODUCT}.SAFE"]


def test_zip_true_writes_the_safe_folder_inside_a_zip(aws, s1_bucket, tmp_path):
    provider = aws(zip="true")
    download(provider, [scene_of(provider, RFI_PRODUCT)], tmp_path)
    folder = tmp_path / "sentinel-1-grd"
    assert os.listdir(folder) == [f"{RFI_PRODUCT}.zip"]
    with zipfile.ZipFile(folder / f"{RFI_PRODUCT}.zip") as archive:
        names = archive.namelist()
        assert all(n.startswith(f"{RFI_PRODUCT}.SAFE/") for n in names)
        assert archive.read(f"{RFI_PRODUCT}.SAFE/manifest.safe") == s1_bucket.products[RFI_PRODUCT]["manifest.safe"]
    assert len(names) == len(s1_bucket.products[RFI_PRODUCT])


def test_without_keys_the_download_says_where_keys_go(aws, tmp_path):
    provider = aws(credentials=None)
    scene = scene_of(provider, REAL_PRODUCT)  # searching needs no keys
    with pytest.raises(errors.AuthenticationError) as caught:
        asset_jobs(scene, None, str(tmp_path), provider)
    assert "AWS_ACCESS_KEY_ID" in caught.value.user_message and "requester-pays" in caught.value.user_message


def test_keys_from_an_aws_profile_are_used(aws, s1_bucket, tmp_path, monkeypatch):
    credentials = tmp_path / "credentials"
    credentials.write_text(f"[other]\naws_access_key_id = {s1_bucket.account['access_key']}\n"
                           f"aws_secret_access_key = {s1_bucket.account['secret_key']}\n")
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(credentials))
    monkeypatch.setenv("AWS_PROFILE", "other")
    provider = aws(credentials=None)
    results = download(provider, [scene_of(provider, REAL_PRODUCT)], tmp_path / "out")
    assert {r.state for r in results} == {"done"}
    monkeypatch.setenv("AWS_PROFILE", "missing")
    with pytest.raises(errors.InvalidRequestError, match="missing"):
        aws(credentials=None).account()


def test_the_billing_notice_names_the_requester_pays_bucket(aws):
    assert "AWS bills your account" in aws().download_notice() and BUCKET in aws().download_notice()


# ------------------------------------------------------------------------------ streaming
def test_a_measurement_streams_through_vsis3_with_requester_pays(aws, s1_bucket):
    from osgeo import gdal

    provider = aws()
    scene = scene_of(provider, REAL_PRODUCT)
    path = provider.gdal_path(scene.assets["vv"].href)
    assert path == f"/vsis3/{BUCKET}/{prefix_of(REAL_PRODUCT)}/measurement/iw-vv.tiff"
    s1_bucket.front.clear()
    gdal.UseExceptions()
    ds = gdal.Open(path)
    try:
        assert ds.RasterXSize > 0 and ds.GetRasterBand(1).Checksum() >= 0
    finally:
        ds = None
    log = s1_bucket.front.requests()
    assert log and all(r["payer"] == "requester" and not r["refused"] for r in log)
    # the keys are scoped to the bucket: nothing process-wide
    assert gdal.GetConfigOption("AWS_SECRET_ACCESS_KEY") is None
    assert gdal.GetConfigOption("AWS_REQUEST_PAYER") is None


# ------------------------------------------------------------------------------ panel
def test_the_downloads_tab_warns_who_pays_then_rebuilds_the_safe(aws, qgis_app, tmp_path):
    from qgis.core import QgsApplication

    from eo_scene_finder.ui.downloads_widget import DownloadsWidget
    from test_download_task import wait_for

    provider = aws()
    scenes = [scene_of(provider, REAL_PRODUCT), scene_of(provider, INCOMPLETE)]
    widget = DownloadsWidget()
    try:
        widget.download_scenes(provider, scenes, None, str(tmp_path))
        assert not widget.notice.isHidden() and "AWS bills your account" in widget.notice.text()
        wait_for(widget.downloadsFinished)
        assert (tmp_path / "sentinel-1-grd" / f"{REAL_PRODUCT}.SAFE" / "manifest.safe").exists()
        assert not list(tmp_path.glob(f"sentinel-1-grd/*{INCOMPLETE}*"))
        assert len(widget.problems) == 1 and "support/" in widget.problems[0]
    finally:
        widget.close()
        QgsApplication.taskManager().cancelAll()


def test_add_to_map_opens_a_measurement_as_a_qgis_layer(aws, s1_bucket, qgis_app):
    """The panel's *Add to map* path: the task resolves the href in the background, QGIS then
    opens the layer on the main thread with the bucket-scoped options."""
    from eo_scene_finder.tasks.raster_task import OpenRemoteRasterTask
    from eo_scene_finder.ui.scene_panel import pick_view_asset

    provider = aws()
    scene = scene_of(provider, RFI_PRODUCT)
    asset = pick_view_asset(scene)
    assert asset is not None and asset.key == "hh"
    task = OpenRemoteRasterTask("open", lambda: provider.gdal_path(asset.href), "hh", add_to_project=False)
    assert task.run(), task.error
    task.finished(True)
    assert task.layer is not None and task.layer.isValid() and task.layer.width() > 0
