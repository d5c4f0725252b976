"""Sentinel-2 and Landsat Collection 1 from Google's public buckets (kind ``google``): the
computed tiling grids, searches by area and by id through the loopback Cloud Storage JSON API
(tests/servers/gcs_server.py), product folders rebuilt through the download engine, streaming."""
from __future__ import annotations

import threading

import pytest
from shapely.geometry import box

from eo_scene_finder.providers import errors
from eo_scene_finder.providers.catalogs.google import grid
from eo_scene_finder.providers.connections import open_provider, resolve_connection
from eo_scene_finder.providers.download.engine import DownloadEngine
from eo_scene_finder.providers.download.jobs import asset_jobs
from eo_scene_finder.providers.model import SearchRequest

from fixtures.bucket_servers import LANDSAT, S2_L1C, S2_L2A

PARIS = box(2.25, 48.80, 2.45, 48.92)
JUNE_2019 = {"start": "2019-06-01", "end": "2019-06-30"}


@pytest.fixture
def google(gcs):
    providers = []

    def make():
        provider = open_provider(resolve_connection(f"google?url={gcs.url}"))
        providers.append(provider)
        return provider
    yield make
    for provider in providers:
        provider.close()


def download(provider, scenes, out):
    jobs = []
    for scene in scenes:
        jobs.extend(asset_jobs(scene, None, str(out), provider))
    return DownloadEngine(max_workers=2, per_host=2).run(jobs, None, threading.Event())


# ------------------------------------------------------------------------------ grids
@pytest.mark.parametrize("lat,lon,tile", [(48.8566, 2.3522, "31UDQ"), (-33.87, 151.21, "56HLH"),
                                          (40.0, -105.1, "13TDE")])
def test_points_fall_in_their_sentinel2_tiles(lat, lon, tile):
    assert grid.mgrs_tile(lat, lon) == tile
    from shapely.geometry import Point, Polygon
    assert Polygon(grid.tile_footprint(tile)).contains(Point(lon, lat))


def test_norway_and_svalbard_keep_their_wider_zones():
    assert grid.mgrs_tile(60.0, 5.0).startswith("32V")   # 32V reaches 3° E
    assert grid.mgrs_tile(78.0, 15.0).startswith("33X")  # Svalbard: 33X spans 9-21° E


def test_a_tile_starts_at_the_published_upper_left_corner():
    west_north = grid.tile_footprint("31UDQ")[0]  # (lon, lat)
    easting, northing = grid.to_utm(west_north[1], west_north[0], 31)
    assert abs(easting - 399960) < 0.5 and abs(northing - 5500020) < 0.5


def test_wrs2_path_rows_match_the_usgs_grid():
    # the USGS converter's answers quoted by robintw/LatLongToWRS and buoycalib
    path, row = grid.wrs2_float(50.14, -1.7)
    assert (round(path), round(row)) == (202, 25)
    path, row = grid.wrs2_float(38.9073, -73.8077)
    assert (round(path), round(row)) == (13, 33)
    assert grid.path_rows_for(box(-1.75, 50.1, -1.65, 50.18)) == [(202, 25)]


def test_an_area_maps_to_the_tiles_and_path_rows_it_meets():
    assert grid.tiles_for(PARIS) == ["31UDQ"]
    assert (199, 26) in grid.path_rows_for(PARIS)


# ------------------------------------------------------------------------------ search
def test_an_area_and_dates_find_the_products_of_each_collection(google, gcs):
    provider = google()
    assert [c.id for c in provider.list_collections()] == ["sentinel-2-l1c", "sentinel-2-l2a", "landsat-c1"]
    l1c = provider.search(SearchRequest.create(aoi=PARIS, collections=["sentinel-2-l1c"], **JUNE_2019)).all()
    assert [s.id for s in l1c] == [S2_L1C[1], S2_L1C[0]]  # newest first
    assert sorted(l1c[0].assets) == ["B02", "B03", "B04", "B08", "TCI", "manifest", "metadata"]
    assert l1c[0].assets["B04"].href.startswith(f"{gcs.url}/gcp-public-data-sentinel-2/tiles/31/U/DQ/{S2_L1C[1]}.SAFE/")
    assert any("pageToken=" in r["path"] for r in gcs.requests())  # pages of 5 entries were followed
    assert not any("$folder$" in a.href for s in l1c for a in s.assets.values())
    l2a = provider.search(SearchRequest.create(aoi=PARIS, collections=["sentinel-2-l2a"], **JUNE_2019)).all()
    assert [s.id for s in l2a] == [S2_L2A] and {"B04_10m", "SCL_20m"} <= set(l2a[0].assets)
    landsat = provider.search(SearchRequest.create(aoi=PARIS, collections=["landsat-c1"], start="2019-06-10",
                                                   end="2019-06-30")).all()
    assert [s.id for s in landsat] == [LANDSAT[1]] and "B4" in landsat[0].assets


def test_scene_ids_are_found_and_an_l1c_id_finds_its_l2a_product(google):
    provider = google()
    assert [s.id for s in provider.search(SearchRequest.create(ids=[S2_L1C[0], LANDSAT[0]])).all()] == \
        [LANDSAT[0], S2_L1C[0]]
    found = provider.search(SearchRequest.create(ids=[S2_L1C[0]], collections=["sentinel-2-l2a"])).all()
    assert [s.id for s in found] == [S2_L2A]


def test_a_search_without_area_or_ids_says_what_to_give(google):
    with pytest.raises(errors.InvalidRequestError, match="draw an area"):
        google().search(SearchRequest.create(**JUNE_2019)).all()


def test_a_bucket_refusing_listings_falls_back_to_computed_paths(google, gcs, tmp_path):
    gcs.refuse_listing.add("gcp-public-data-landsat")
    provider = google()
    by_area = provider.search(SearchRequest.create(aoi=PARIS, collections=["landsat-c1"], **JUNE_2019)).all()
    assert by_area == [] and any("does not allow anonymous listings" in w.message for w in provider.warnings)
    scenes = provider.search(SearchRequest.create(ids=[LANDSAT[0]])).all()
    assert [s.id for s in scenes] == [LANDSAT[0]]
    assert any("computed paths" in w.message for w in provider.warnings)
    results = download(provider, scenes, tmp_path)
    assert {r.state for r in results} == {"done"}
    folder = tmp_path / "landsat-c1" / LANDSAT[0]
    assert (folder / f"{LANDSAT[0]}_MTL.txt").read_bytes() == \
        gcs.buckets["gcp-public-data-landsat"][f"LC08/01/199/026/{LANDSAT[0]}/{LANDSAT[0]}_MTL.txt"]


# ------------------------------------------------------------------------------ download
def test_download_rebuilds_the_safe_folder_verified(google, gcs, tmp_path):
    provider = google()
    scene = provider.search(SearchRequest.create(ids=[S2_L1C[0]])).all()[0]
    results = download(provider, [scene], tmp_path)
    assert {r.state for r in results} == {"done"} and all(r.verified_by == "md5" for r in results)
    safe = tmp_path / "sentinel-2-l1c" / f"{S2_L1C[0]}.SAFE"
    bucket = gcs.buckets["gcp-public-data-sentinel-2"]
    expected = {k.split(".SAFE/", 1)[1]: v for k, v in bucket.items()
                if k.startswith(f"tiles/31/U/DQ/{S2_L1C[0]}.SAFE/") and not k.endswith("_$folder$")}
    got = {str(p.relative_to(safe)): p.read_bytes() for p in safe.rglob("*") if p.is_file()}
    assert got == expected
    assert sorted(p.name for p in (tmp_path / "sentinel-2-l1c").iterdir()) == [f"{S2_L1C[0]}.SAFE"]
    again = download(provider, [scene], tmp_path)
    assert [r.state for r in again] == ["skipped"]


def test_zip_true_writes_each_product_as_a_zip_holding_its_safe_folder(gcs, tmp_path):
    import zipfile

    provider = open_provider(resolve_connection(f"google?url={gcs.url}&zip=true"))
    try:
        scene = provider.search(SearchRequest.create(ids=[S2_L1C[0]])).all()[0]
        results = download(provider, [scene], tmp_path)
        assert {r.state for r in results} == {"done"}
        archive = tmp_path / "sentinel-2-l1c" / f"{S2_L1C[0]}.zip"
        assert sorted(p.name for p in archive.parent.iterdir()) == [archive.name]  # no folder, no staging
        bucket = gcs.buckets["gcp-public-data-sentinel-2"]
        expected = {f"{S2_L1C[0]}.SAFE/" + k.split(".SAFE/", 1)[1]: v for k, v in bucket.items()
                    if k.startswith(f"tiles/31/U/DQ/{S2_L1C[0]}.SAFE/") and not k.endswith("_$folder$")}
        with zipfile.ZipFile(archive) as zf:
            got = {n: zf.read(n) for n in zf.namelist() if not n.endswith("/")}
        assert got == expected
        assert [r.state for r in download(provider, [scene], tmp_path)] == ["skipped"]
    finally:
        provider.close()


def test_zip_true_writes_a_landsat_scene_as_a_tar_gz_holding_its_folder(gcs, tmp_path):
    import tarfile

    provider = open_provider(resolve_connection(f"google?url={gcs.url}&zip=true"))
    try:
        scene = provider.search(SearchRequest.create(ids=[LANDSAT[0]])).all()[0]
        results = download(provider, [scene], tmp_path)
        assert {r.state for r in results} == {"done"}
        archive = tmp_path / "landsat-c1" / f"{LANDSAT[0]}.tar.gz"
        assert sorted(p.name for p in archive.parent.iterdir()) == [archive.name]
        bucket = gcs.buckets["gcp-public-data-landsat"]
        expected = {f"{LANDSAT[0]}/" + k.rsplit("/", 1)[1]: v for k, v in bucket.items()
                    if f"/{LANDSAT[0]}/" in k and not k.endswith("_$folder$")}
        with tarfile.open(archive) as tar:
            got = {m.name: tar.extractfile(m).read() for m in tar.getmembers() if m.isfile()}
        assert got == expected
    finally:
        provider.close()


def test_a_file_that_fails_its_md5_keeps_the_product_unassembled(google, gcs, tmp_path):
    provider = google()
    scene = provider.search(SearchRequest.create(ids=[S2_L1C[1]])).all()[0]
    bad = next(k for k in gcs.buckets["gcp-public-data-sentinel-2"] if S2_L1C[1] in k and k.endswith("_B04.jp2"))
    gcs.corrupt.add(f"gcp-public-data-sentinel-2/{bad}")
    results = download(provider, [scene], tmp_path)
    assert {r.state for r in results} - {"done"}  # the corrupt file never verifies
    folder = tmp_path / "sentinel-2-l1c"
    assert not (folder / f"{S2_L1C[1]}.SAFE").exists()
    assert any("is not assembled" in r.message for r in results)


def test_a_landsat_band_streams_with_vsicurl(google, gcs):
    from osgeo import gdal

    provider = google()
    scene = provider.search(SearchRequest.create(ids=[LANDSAT[0]])).all()[0]
    path = provider.gdal_path(scene.assets["B4"].href)
    assert path == f"/vsicurl/{gcs.url}/gcp-public-data-landsat/LC08/01/199/026/{LANDSAT[0]}/{LANDSAT[0]}_B4.TIF"
    gdal.UseExceptions()
    ds = gdal.Open(path)
    try:
        assert ds.RasterXSize > 0 and ds.GetRasterBand(1).Checksum() >= 0
    finally:
        ds = None
    assert any(r["range"] for r in gcs.requests())  # read by ranges, not downloaded
