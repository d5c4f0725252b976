"""The README's "Headless and batch use" commands, run for real with ``qgis_process.bin`` and
the plugin installed from the release zip into a temporary profile, against the loopback
servers: only the connection and collection names are replaced (Earth Search → the real
stac-fastapi-pgstac fixture, DINAMIS → the same API with a DINAMIS-like signing server and
signed-only storage)."""
from __future__ import annotations

import csv
import hashlib
import json
import re
import shlex
import uuid
from pathlib import Path

import pytest

import qgis_env

REPO = Path(__file__).resolve().parents[1]
S2_ITEMS = REPO / "tests" / "data" / "stac" / "items_sentinel-2-l2a.ndjson"
COG = REPO / "tests" / "data" / "cog" / "cog_rgb.tif"


def readme_commands():
    """The ``qgis_process run`` lines of README.md's headless block, continuation lines joined."""
    text = (REPO / "README.md").read_text(encoding="utf-8")
    block = text.split("<!-- headless:start -->", 1)[1].split("<!-- headless:end -->", 1)[0]
    joined = re.sub(r"\\\n\s*", " ", block)
    return [line.strip() for line in joined.splitlines() if line.strip().startswith("qgis_process run")]


def test_the_readme_shows_all_four_algorithms():
    algs = [cmd.split()[2] for cmd in readme_commands()]
    assert set(algs) == {"eoscenefinder:search", "eoscenefinder:download", "eoscenefinder:mosaic",
                         "eoscenefinder:export"}


def cog_root(root: Path) -> Path:
    """``root/cogs/visual.tif``: the folder nginx serves as the items' ``visual`` asset."""
    (root / "cogs").mkdir(parents=True, exist_ok=True)
    (root / "cogs" / "visual.tif").write_bytes(COG.read_bytes())
    return root


@pytest.fixture(scope="module")
def cog_server(nginx_server, tmp_path_factory):
    return nginx_server(cog_root(tmp_path_factory.mktemp("s2-cogs")))


@pytest.fixture(scope="module")
def earth_search_like(pgstac_api, cog_server):
    return load_earth_search_like(pgstac_api, cog_server.url)


def load_earth_search_like(pgstac_api, cog_url: str):
    """Real Sentinel-2 L2A items of May 2024 loaded into a new collection, their ``visual`` COG
    served at ``cog_url/cogs/visual.tif`` (with its sha256 published as ``file:checksum``),
    cloud cover typed as a number like on the real services. ``(collection id, items)``."""
    cid = "sentinel-2-l2a-" + uuid.uuid4().hex[:6]
    pgstac_api.load_collections([{
        "type": "Collection", "stac_version": "1.0.0", "id": cid, "description": "Sentinel-2 L2A (test copy)",
        "license": "proprietary", "links": [],
        "extent": {"spatial": {"bbox": [[-180, -90, 180, 90]]},
                   "temporal": {"interval": [["2015-06-27T00:00:00Z", None]]}}}])
    digest = "1220" + hashlib.sha256(COG.read_bytes()).hexdigest()
    items = []
    for line in S2_ITEMS.read_text().splitlines():
        item = json.loads(line)
        if not item["properties"]["datetime"].startswith("2024-05"):
            continue
        item["collection"] = cid
        item["links"] = []
        item["assets"]["visual"]["href"] = f"{cog_url}/cogs/visual.tif"
        item["assets"]["visual"]["file:checksum"] = digest
        items.append(item)
    pgstac_api.load_items(items, cid)
    pgstac_api.load_queryables({"eo:cloud_cover": {"type": "number"}}, [cid])
    return cid, items


def make_parcels(path: Path, items):
    """A polygon layer with two small parcels inside two of the items' footprints."""
    from osgeo import ogr, osr

    from eo_scene_finder.providers.catalogs.stac.items import item_to_scene
    from shapely.geometry import shape

    clear = [i for i in items if (i["properties"].get("eo:cloud_cover") or 100) <= 20][:2]
    ds = ogr.GetDriverByName("GPKG").CreateDataSource(str(path))
    srs = osr.SpatialReference()
    srs.ImportFromEPSG(4326)
    srs.SetAxisMappingStrategy(osr.OAMS_TRADITIONAL_GIS_ORDER)
    layer = ds.CreateLayer("parcels", srs, ogr.wkbPolygon)
    for item in clear:
        p = shape(item["geometry"]).representative_point()
        feat = ogr.Feature(layer.GetLayerDefn())
        feat.SetGeometry(ogr.CreateGeometryFromWkt(
            f"POLYGON(({p.x - .01} {p.y - .01},{p.x + .01} {p.y - .01},{p.x + .01} {p.y + .01},"
            f"{p.x - .01} {p.y + .01},{p.x - .01} {p.y - .01}))"))
        layer.CreateFeature(feat)
    del layer, feat
    ds = None  # closes the file (the layer must be released first)
    return [item_to_scene(i).id for i in clear]


@pytest.fixture
def spot_camargue(pgstac_api, storage_server):
    cid = "spot-6-7-drs-" + uuid.uuid4().hex[:6]
    pgstac_api.load_collections([{
        "type": "Collection", "stac_version": "1.0.0", "id": cid, "description": "SPOT 6/7 DRS (test copy)",
        "license": "proprietary", "links": [],
        "extent": {"spatial": {"bbox": [[-5, 41, 10, 51]]},
                   "temporal": {"interval": [["2020-01-01T00:00:00Z", None]]}}}])
    items = []
    for i, (x, y, day) in enumerate([(4.1, 43.4, "2020-03-01"), (4.5, 43.5, "2021-07-14"),
                                     (4.2, 43.2, "2022-05-01"), (6.5, 45.5, "2021-01-01")]):
        items.append({
            "type": "Feature", "stac_version": "1.0.0", "id": f"SPOT7_{i}", "collection": cid,
            "geometry": {"type": "Polygon", "coordinates": [[[x, y], [x + .3, y], [x + .3, y + .3],
                                                             [x, y + .3], [x, y]]]},
            "bbox": [x, y, x + .3, y + .3], "links": [],
            "properties": {"datetime": f"{day}T10:30:00Z", "platform": "SPOT-7"},
            "assets": {"src_xs": {"href": storage_server.href("dinamis-bucket", f"SPOT7_{i}", "cog.tif"),
                                  "type": "image/tiff; application=geotiff; profile=cloud-optimized",
                                  "roles": ["data"]}}})
    pgstac_api.load_items(items, cid)
    return cid


def read_features(path: Path):
    from osgeo import ogr

    ds = ogr.Open(str(path))  # keep the data source alive while its layer is read
    layer = ds.GetLayer(0)
    feats = [f.Clone() for f in layer]
    del layer
    ds = None
    return feats


def earth_search_replacements(api_url: str, collection: str):
    """What turns the README's Earth Search commands into commands on the loopback API."""
    return [("CONNECTION=earth-search", f"CONNECTION=earth-search?url={api_url}"),
            ("COLLECTIONS=sentinel-2-l2a", f"COLLECTIONS={collection}")]


def readme_command_args(cmd: str, replacements):
    """A README command with the loopback replacements, as ``qgis_process.bin`` arguments."""
    for old, new in replacements:
        cmd = cmd.replace(old, new)
    args = shlex.split(cmd)
    assert args[0] == "qgis_process"
    return args[1:]


def run_command(cmd: str, replacements, profile, cwd: Path):
    for old, new in replacements:
        cmd = cmd.replace(old, new)
    proc = qgis_env.run_qgis_process(readme_command_args(cmd, []), profile.root, timeout=300, cwd=cwd)
    assert proc.returncode == 0, f"{cmd}\n--- stdout ---\n{proc.stdout[-3000:]}\n--- stderr ---\n{proc.stderr[-3000:]}"
    return proc


def test_readme_commands_run_headless_against_loopback_servers(
        qgis_profile_factory, pgstac_api, earth_search_like, cog_server, spot_camargue,
        dinamis_signing_server, tmp_path):
    from osgeo import gdal

    profile = qgis_profile_factory("qgis-process")
    cid, items = earth_search_like
    parcel_ids = make_parcels(tmp_path / "parcels.gpkg", items)
    dinamis = (f"dinamis?url={pgstac_api.url}&signing_url={dinamis_signing_server.endpoint}"
               f"&storage_domain=127.0.0.1")
    replacements = earth_search_replacements(pgstac_api.url, cid) + [
        ("CONNECTION=dinamis", f"CONNECTION={dinamis}"),
        ("COLLECTIONS=spot-6-7-drs", f"COLLECTIONS={spot_camargue}")]
    commands = readme_commands()
    search, download, camargue, mosaic, export = commands

    run_command(search, replacements, profile, tmp_path)
    feats = read_features(tmp_path / "scenes.gpkg")
    ids = [f.GetField("id") for f in feats]
    clouds = [f.GetField("cloud_cover") for f in feats]
    assert set(parcel_ids) <= set(ids) and all(c <= 20 for c in clouds) and clouds == sorted(clouds)
    assert all(f.GetField("datetime")[:7] == "2024-05" for f in feats)
    assert len(ids) <= 20

    run_command(download, replacements, profile, tmp_path)
    tifs = sorted((tmp_path / "downloads" / cid).glob("*/visual.tif"))
    assert len(tifs) == len(ids)
    assert all(t.read_bytes() == COG.read_bytes() for t in tifs)
    assert not list((tmp_path / "downloads").rglob("*.part"))
    rows = list(csv.DictReader((tmp_path / "report.csv").open()))
    assert {r["state"] for r in rows} == {"done"}
    cog_server.clear_log()
    run_command(download, replacements, profile, tmp_path)  # the same command again
    assert not [r for r in cog_server.requests() if r.uri.endswith(".tif")]
    assert {r["state"] for r in csv.DictReader((tmp_path / "report.csv").open())} == {"skipped"}

    proc = run_command(camargue, replacements, profile, tmp_path)
    assert "Found 2 scenes" in proc.stdout, proc.stdout[-3000:] + proc.stderr[-2000:]
    spots = sorted(f.GetField("id") for f in read_features(tmp_path / "camargue.gpkg"))
    assert spots == ["SPOT7_0", "SPOT7_1"]  # not 2022 (after END), not the one near the Alps
    run_command(mosaic, replacements, profile, tmp_path)
    vrt = (tmp_path / "camargue.vrt").read_text()
    assert vrt.count("X-Amz-Signature") >= 2
    ds = gdal.Open(str(tmp_path / "camargue.vrt"))
    assert ds is not None and ds.GetRasterBand(1).Checksum() >= 0

    run_command(export, replacements, profile, tmp_path)
    listing = list(csv.reader((tmp_path / "scenes.csv").open()))
    assert listing[0] == ["id", "name"] and [r[0] for r in listing[1:]] == ids

    for path in (tmp_path / "scenes.gpkg", tmp_path / "camargue.gpkg", tmp_path / "scenes.csv"):
        assert b"X-Amz-Signature" not in path.read_bytes()


def test_algorithm_errors_say_what_to_fix(qgis_profile_factory, tmp_path):
    profile = qgis_profile_factory("qgis-process-errors")
    proc = qgis_env.run_qgis_process(
        ["run", "eoscenefinder:search", "--", "CONNECTION=demo", "START=2023-09-01", "END=2023-01-01",
         f"OUTPUT={tmp_path / 'x.gpkg'}"], profile.root, timeout=120)
    assert proc.returncode != 0
    assert "before the start date" in proc.stdout + proc.stderr


@pytest.mark.parametrize("ext", ["geojson", "fgb", "gpkg", "csv"])
def test_every_search_output_format_feeds_download_mosaic_and_export(
        ext, qgis_profile_factory, pgstac_api, earth_search_like, cog_server, tmp_path):
    """search → OUTPUT=scenes.<ext> → download, mosaic and export on that file, as a user would
    chain them (GeoJSON hands the JSON fields back as objects, CSV as text, ...)."""
    from osgeo import gdal

    profile = qgis_profile_factory("qgis-process-formats")
    cid, _items = earth_search_like
    scenes = f"scenes.{ext}"
    run_command(f"qgis_process run eoscenefinder:search -- CONNECTION=earth-search?url={pgstac_api.url} "
                f"COLLECTIONS={cid} START=2024-05-01 END=2024-05-31 SORTBY=eo:cloud_cover LIMIT=2 "
                f"OUTPUT={scenes}", [], profile, tmp_path)
    assert (tmp_path / scenes).exists()

    run_command(f"qgis_process run eoscenefinder:download -- INPUT={scenes} ASSETS=visual "
                f"OUTPUT_FOLDER=downloads OUTPUT=report.csv", [], profile, tmp_path)
    tifs = sorted((tmp_path / "downloads" / cid).glob("*/visual.tif"))
    assert len(tifs) == 2 and all(t.read_bytes() == COG.read_bytes() for t in tifs)  # verified copies
    assert not list((tmp_path / "downloads").rglob("*.part"))
    rows = list(csv.DictReader((tmp_path / "report.csv").open()))
    assert [r["state"] for r in rows] == ["done", "done"]
    ids = sorted(r["scene"] for r in rows)
    assert sorted(t.parent.name for t in tifs) == ids

    run_command(f"qgis_process run eoscenefinder:mosaic -- INPUT={scenes} ASSET=visual OUTPUT=mosaic.vrt",
                [], profile, tmp_path)
    vrt = (tmp_path / "mosaic.vrt").read_text()
    assert vrt.count(f"/vsicurl/{cog_server.url}/cogs/visual.tif") == 2 * 3  # two scenes, three bands
    ds = gdal.Open(str(tmp_path / "mosaic.vrt"))
    assert ds is not None and ds.RasterCount == 3 and ds.GetRasterBand(1).Checksum() >= 0
    ds = None

    run_command(f"qgis_process run eoscenefinder:export -- INPUT={scenes} FORMAT=0 OUTPUT=items.json",
                [], profile, tmp_path)
    doc = json.loads((tmp_path / "items.json").read_text())
    assert sorted(f["id"] for f in doc["features"]) == ids
    assert all(f["type"] == "Feature" and f["collection"] == cid and
               f["assets"]["visual"]["href"] == f"{cog_server.url}/cogs/visual.tif" for f in doc["features"])


def test_search_refuses_shapefile_before_searching(qgis_profile_factory, pgstac_api, earth_search_like, tmp_path):
    profile = qgis_profile_factory("qgis-process-formats")
    cid, _items = earth_search_like
    proc = qgis_env.run_qgis_process(
        ["run", "eoscenefinder:search", "--", f"CONNECTION=earth-search?url={pgstac_api.url}", f"COLLECTIONS={cid}",
         "LIMIT=2", f"OUTPUT={tmp_path / 'scenes.shp'}"], profile.root, timeout=120)
    assert proc.returncode != 0
    out = proc.stdout + proc.stderr
    assert "Shapefile keeps at most 254 characters" in out and "GeoPackage (.gpkg)" in out, out[-2000:]
    assert not (tmp_path / "scenes.shp").exists()


def test_aws_s1_search_and_download_rebuild_the_safe_headless(qgis_profile_factory, aws_s1_catalog, s1_bucket,
                                                               tmp_path):
    """``aws-s1`` through qgis_process: search the STAC collection, then download = the SAFE rebuilt
    from the strict requester-pays bucket, with the keys from the standard AWS variables and the
    billing warning before the first request."""
    from fixtures.bucket_servers import AWS_S1, REAL_PRODUCT

    profile = qgis_profile_factory("qgis-process-aws")
    stac_url, _items = aws_s1_catalog
    conn = f"aws-s1?stac_url={stac_url}&s3_endpoint={s1_bucket.endpoint}"
    env = {"AWS_ACCESS_KEY_ID": s1_bucket.account["access_key"],
           "AWS_SECRET_ACCESS_KEY": s1_bucket.account["secret_key"],
           "AWS_SHARED_CREDENTIALS_FILE": str(tmp_path / "none")}
    proc = qgis_env.run_qgis_process(
        ["run", "eoscenefinder:search", "--", f"CONNECTION={conn}", "COLLECTIONS=sentinel-1-grd",
         "START=2020-11-21", "END=2020-11-21", "OUTPUT=scenes.gpkg"], profile.root, timeout=300, cwd=tmp_path, env=env)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    proc = qgis_env.run_qgis_process(
        ["run", "eoscenefinder:download", "--", "INPUT=scenes.gpkg", "OUTPUT_FOLDER=downloads", "OUTPUT=report.csv"],
        profile.root, timeout=300, cwd=tmp_path, env=env)
    output = proc.stdout + proc.stderr
    assert proc.returncode == 0, output
    assert "requester-pays: AWS bills your account" in output
    safe = tmp_path / "downloads" / "sentinel-1-grd" / f"{REAL_PRODUCT}.SAFE"
    names = sorted(str(p.relative_to(safe)) for p in safe.rglob("*") if p.is_file())
    assert names == sorted(json.loads((AWS_S1 / "productInfo.json").read_text())["filenameMap"])
    rows = list(csv.DictReader((tmp_path / "report.csv").open()))
    assert rows and {r["state"] for r in rows} == {"done"}
    assert s1_bucket.account["secret_key"] not in output + (tmp_path / "report.csv").read_text()


def test_google_search_by_area_and_download_rebuild_the_safe_headless(qgis_profile_factory, gcs, tmp_path):
    """``google`` through qgis_process: an extent over Paris and June 2019 find the Sentinel-2 L1C
    products of tile 31UDQ by listing the loopback bucket; download rebuilds their .SAFE folders,
    every file checked against its md5Hash."""
    from fixtures.bucket_servers import LANDSAT, S2_L1C

    profile = qgis_profile_factory("qgis-process-google")
    proc = qgis_env.run_qgis_process(
        ["run", "eoscenefinder:search", "--", f"CONNECTION=google?url={gcs.url}", "COLLECTIONS=sentinel-2-l1c",
         "EXTENT=2.25,2.45,48.80,48.92 [EPSG:4326]", "START=2019-06-01", "END=2019-06-30", "OUTPUT=scenes.gpkg"],
        profile.root, timeout=300, cwd=tmp_path)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    proc = qgis_env.run_qgis_process(
        ["run", "eoscenefinder:download", "--", "INPUT=scenes.gpkg", "OUTPUT_FOLDER=downloads", "OUTPUT=report.csv"],
        profile.root, timeout=300, cwd=tmp_path)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    bucket = gcs.buckets["gcp-public-data-sentinel-2"]
    for pid in S2_L1C:
        safe = tmp_path / "downloads" / "sentinel-2-l1c" / f"{pid}.SAFE"
        got = {str(p.relative_to(safe)): p.read_bytes() for p in safe.rglob("*") if p.is_file()}
        assert got == {k.split(".SAFE/", 1)[1]: v for k, v in bucket.items()
                       if k.startswith(f"tiles/31/U/DQ/{pid}.SAFE/") and not k.endswith("_$folder$")}
    rows = list(csv.DictReader((tmp_path / "report.csv").open()))
    assert rows and {r["state"] for r in rows} == {"done"}
    # by id, as the seed finds scenes: no area needed
    proc = qgis_env.run_qgis_process(
        ["run", "eoscenefinder:search", "--", f"CONNECTION=google?url={gcs.url}", f"IDS={LANDSAT[0]}",
         "OUTPUT=landsat.geojson"], profile.root, timeout=300, cwd=tmp_path)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert [f["properties"]["id"] for f in json.loads((tmp_path / "landsat.geojson").read_text())["features"]] == \
        [LANDSAT[0]]


def test_nasa_cmr_search_and_download_headless(qgis_profile_factory, cmr, tmp_path):
    """``qgis_process`` on ``nasa-cmr?url=…``: a search of HLSL30 over an area, then a download
    of two bands through the DAAC's 303 to S3 with EOSF_EARTHDATA_TOKEN."""
    from fixtures.cmr_servers import EARTHDATA_USER

    profile = qgis_profile_factory("qgis-process-cmr")
    token = cmr.world.issue_token(EARTHDATA_USER)
    connection = cmr.connection_string()
    aoi = tmp_path / "aoi.geojson"
    aoi.write_text(json.dumps({"type": "FeatureCollection", "features": [{"type": "Feature", "properties": {},
        "geometry": {"type": "Polygon", "coordinates": [[[-106.5, 34.2], [-105.3, 36.4], [-104.2, 34.6],
                                                         [-106.5, 34.2]]]}}]}))    # drawn clockwise
    proc = qgis_env.run_qgis_process(
        ["run", "eoscenefinder:search", "--", f"CONNECTION={connection}", "COLLECTIONS=HLSL30_2.0",
         f"AOI={aoi}", "START=2021-03-01", "END=2021-03-31", "MAX_CLOUD=50", "OUTPUT=scenes.gpkg"],
        profile.root, timeout=300, cwd=tmp_path)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    ids = sorted(f.GetField("id") for f in read_features(tmp_path / "scenes.gpkg"))
    ccw = "-106.5,34.2,-104.2,34.6,-105.3,36.4,-106.5,34.2"
    assert ids and ids == sorted(cmr.world.truth(short_name="HLSL30", version="2.0", polygon=ccw, cloud_cover="0,50",
                                                 temporal="2021-03-01T00:00:00Z,2021-03-31T23:59:59.999Z"))
    proc = qgis_env.run_qgis_process(
        ["run", "eoscenefinder:download", "--", "INPUT=scenes.gpkg", "ASSETS=B04,Fmask", "OUTPUT_FOLDER=downloads",
         "OUTPUT=report.csv"], profile.root, timeout=300, cwd=tmp_path, env={"EOSF_EARTHDATA_TOKEN": token})
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    rows = list(csv.DictReader((tmp_path / "report.csv").open()))
    assert len(rows) == 2 * len(ids) and {r["state"] for r in rows} == {"done"}
    tifs = sorted((tmp_path / "downloads" / "HLSL30_2.0").glob("*/*.tif"))
    assert len(tifs) == 2 * len(ids) and all(t.read_bytes() == COG.read_bytes() for t in tifs)
    s3 = cmr.world.requests("s3")
    assert s3 and all("Authorization" not in r["headers"] for r in s3)
    assert token not in proc.stdout + proc.stderr + (tmp_path / "report.csv").read_text()


# ------------------------------------------------------------------ several catalogs at once
CDSE_TEMPLATE = REPO / "tests" / "data" / "cdse" / "cop_dataspace_search.json"
# a corner where six tiles of the 16 May 2024 passes meet: three of them are needed (brute force)
MULTI_AOI = (-0.583, 81.802, -0.083, 82.042)


def cdse_record_for(item: dict, template: dict) -> dict:
    """The Copernicus Data Space record of a Planetary Computer Sentinel-2 L2A item's product,
    built on a recorded real S2 record (tests/data/cdse/cop_dataspace_search.json: the same
    fields, attribute names and types; values from the item's ESA metadata)."""
    from shapely.geometry import shape

    props = item["properties"]
    name = props["s2:product_uri"]
    start = props["datetime"].replace("Z", "")
    start = (start + ".000000")[:26] + "Z" if "." not in start else (start + "000000")[:26] + "Z"
    generated = props["s2:generation_time"]
    absolute_orbit = int(re.search(r"_A(\d{6})_", props["s2:granule_id"]).group(1))
    values = {"origin": "ESA", "tileId": props["s2:mgrs_tile"], "cloudCover": props["eo:cloud_cover"],
              "datastripId": props["s2:datastrip_id"], "orbitNumber": absolute_orbit, "processingDate": generated,
              "productGroupId": props["s2:datatake_id"], "operationalMode": props["s2:datatake_type"],
              "processingLevel": "S2MSI2A", "processorVersion": props["s2:processing_baseline"],
              "platformShortName": "SENTINEL-2", "instrumentShortName": "MSI",
              "relativeOrbitNumber": props["sat:relative_orbit"], "platformSerialIdentifier": name[2],
              "productType": "S2MSI2A", "beginningDateTime": start, "endingDateTime": start}
    record = json.loads(json.dumps(template))
    record.update({
        "Id": str(uuid.uuid5(uuid.NAMESPACE_URL, name)), "Name": name, "OriginDate": generated,
        "PublicationDate": generated, "ModificationDate": generated,
        "S3Path": f"/eodata/Sentinel-2/MSI/L2A_N{props['s2:processing_baseline'].replace('.', '')}/"
                  f"{start[:4]}/{start[5:7]}/{start[8:10]}/{name}",
        "ContentDate": {"Start": start, "End": start},
        "Footprint": f"geography'SRID=4326;{shape(item['geometry']).wkt}'",
        "GeoFootprint": item["geometry"], "Assets": []})
    record["Attributes"] = [dict(a, Value=values[a["Name"]]) for a in template["Attributes"] if a["Name"] in values]
    assert len(record["Attributes"]) == len(values)
    return record


def write_static_copy(root: Path, items, cog_url: str) -> Path:
    """The items as a static STAC catalog (catalog → collection ``sentinel-2-l2a`` → items), every
    asset served by ``cog_url`` (the ``visual`` one is the test COG)."""
    coll_dir = root / "sentinel-2-l2a"
    (coll_dir / "items").mkdir(parents=True)
    links = []
    for item in items:
        copy = json.loads(json.dumps(item))
        copy["collection"] = "sentinel-2-l2a"
        copy["links"] = [{"rel": "collection", "href": "../collection.json"},
                         {"rel": "parent", "href": "../collection.json"},
                         {"rel": "root", "href": "../../catalog.json"}]
        for key, asset in copy["assets"].items():
            asset["href"] = f"{cog_url}/cogs/visual.tif" if key == "visual" else f"{cog_url}/cogs/{item['id']}/{key}"
        (coll_dir / "items" / f"{item['id']}.json").write_text(json.dumps(copy))
        links.append({"rel": "item", "href": f"./items/{item['id']}.json", "type": "application/geo+json"})
    (coll_dir / "collection.json").write_text(json.dumps({
        "type": "Collection", "stac_version": "1.0.0", "id": "sentinel-2-l2a", "description": "Sentinel-2 L2A (copy)",
        "license": "proprietary", "extent": {"spatial": {"bbox": [[-180, -90, 180, 90]]},
                                             "temporal": {"interval": [["2015-06-27T00:00:00Z", None]]}},
        "links": [{"rel": "root", "href": "../catalog.json"}, {"rel": "parent", "href": "../catalog.json"}] + links}))
    (root / "catalog.json").write_text(json.dumps({
        "type": "Catalog", "stac_version": "1.0.0", "id": "s2-copy", "description": "The same scenes, static",
        "links": [{"rel": "root", "href": "./catalog.json"},
                  {"rel": "child", "href": "./sentinel-2-l2a/collection.json"}]}))
    return root / "catalog.json"


def test_three_catalogs_search_then_coverage_then_mosaic_headless(qgis_profile_factory, pgstac_api, cog_server,
                                                                   tmp_path):
    """search over the tests' pgstac (the Planetary Computer items), the same items as a static
    catalog and the loopback CDSE holding some of their products → one row per source with the
    same scene_key → coverage picks a verified minimal set, once per scene, from the preferred
    catalog → mosaic of those scenes."""
    import datetime as dt

    from osgeo import gdal, ogr
    from shapely.geometry import box, mapping, shape

    from eo_scene_finder.providers.coverage import CoverageCandidate, exact_minimum_cover
    from eo_scene_finder.providers.scene_ids import parse_scene_key
    from fixtures.cdse_servers import start_cdse_server

    items = [json.loads(line) for line in S2_ITEMS.read_text().splitlines()]
    may = [i for i in items if i["properties"]["datetime"].startswith("2024-05")]
    aoi = box(*MULTI_AOI)
    overlapping = [i for i in may if shape(i["geometry"]).intersects(aoi)]
    assert len(overlapping) == 6
    in_cdse = overlapping[1:]  # "some" of them: one scene is only in the two STAC catalogs
    template = json.loads(CDSE_TEMPLATE.read_text())["value"][0]
    records = tmp_path / "cdse_records.json"
    records.write_text(json.dumps([cdse_record_for(i, template) for i in in_cdse]))
    cdse = start_cdse_server(tmp_path / "cdse", records=records)
    try:
        static = write_static_copy(tmp_path / "static", may, cog_server.url)
        ds = ogr.GetDriverByName("GPKG").CreateDataSource(str(tmp_path / "aoi.gpkg"))
        from osgeo import osr
        srs = osr.SpatialReference()
        srs.ImportFromEPSG(4326)
        srs.SetAxisMappingStrategy(osr.OAMS_TRADITIONAL_GIS_ORDER)
        layer = ds.CreateLayer("aoi", srs, ogr.wkbPolygon)
        feat = ogr.Feature(layer.GetLayerDefn())
        feat.SetGeometry(ogr.CreateGeometryFromWkt(aoi.wkt))
        layer.CreateFeature(feat)
        del layer, feat
        ds = None

        profile = qgis_profile_factory("qgis-process-multi")
        # the static copy's host was measured fastest (what a download there would have recorded)
        speeds = profile.root / "profiles" / "default" / "eo_scene_finder" / "host_speeds.json"
        speeds.parent.mkdir(parents=True, exist_ok=True)
        speeds.write_text(json.dumps({"version": 1, "hosts": {cog_server.url.split("//", 1)[1]: 5e7}}))
        pgstac = f"earth-search?url={pgstac_api.url}"
        cdse_conn = cdse.connection_string()
        proc = run_command(f"qgis_process run eoscenefinder:search -- \"CONNECTION={pgstac}; static+{static}; "
                           f"{cdse_conn}\" COLLECTIONS=sentinel-2-l2a AOI=aoi.gpkg START=2024-05-01 END=2024-05-31 "
                           f"OUTPUT=scenes.gpkg", [], profile, tmp_path)
        rows = read_features(tmp_path / "scenes.gpkg")
        by_source = {}
        for f in rows:
            by_source.setdefault(f.GetField("connection"), set()).add(f.GetField("id"))
            assert f.GetField("scene_key") == str(parse_scene_key(f.GetField("id")))
        assert set(by_source) == {pgstac, f"static+{static}", cdse_conn}, proc.stdout[-2000:]
        assert by_source[pgstac] == by_source[f"static+{static}"] == {i["id"] for i in overlapping}
        assert by_source[cdse_conn] == {i["properties"]["s2:product_uri"][:-len(".SAFE")] for i in in_cdse}
        assert len(rows) == 6 + 6 + 5
        # the same tile seen by both orbits of 16 May: same scene key, two scenes
        assert len({str(parse_scene_key(i["id"])) for i in overlapping}) < 6

        proc = run_command("qgis_process run eoscenefinder:coverage -- INPUT=scenes.gpkg AOI=aoi.gpkg "
                           "TARGET_PERCENT=98 OUTPUT=chosen.gpkg", [], profile, tmp_path)
        chosen = read_features(tmp_path / "chosen.gpkg")
        keys = [(f.GetField("scene_key"), f.GetField("datetime")[:16]) for f in chosen]
        assert len(keys) == len(set(keys))  # each scene once
        assert {f.GetField("connection") for f in chosen} == {f"static+{static}"}  # COG, free, fastest
        candidates = [CoverageCandidate(i["id"], i["geometry"],
                                        i["properties"]["eo:cloud_cover"],
                                        dt.datetime.fromisoformat(i["properties"]["datetime"].replace("Z", "+00:00")))
                      for i in overlapping]
        optimum = exact_minimum_cover(mapping(aoi), candidates, 0.98)
        assert len(optimum.chosen) == 3 and len(keys) == 3, proc.stdout[-2000:]
        covered = shape(json.loads(chosen[0].GetGeometryRef().ExportToJson()))
        for f in chosen[1:]:
            covered = covered.union(shape(json.loads(f.GetGeometryRef().ExportToJson())))
        assert covered.intersection(aoi).area >= 0.98 * aoi.area
        assert "3 scenes cover" in proc.stdout and "6 distinct scenes" in proc.stdout

        run_command("qgis_process run eoscenefinder:mosaic -- INPUT=chosen.gpkg ASSET=visual OUTPUT=mosaic.vrt",
                    [], profile, tmp_path)
        vrt = (tmp_path / "mosaic.vrt").read_text()
        assert vrt.count(f"/vsicurl/{cog_server.url}/cogs/visual.tif") == 3 * 3  # three scenes, three bands
        ds = gdal.Open(str(tmp_path / "mosaic.vrt"))
        assert ds is not None and ds.RasterCount == 3
        ds = None

        # a catalog that does not answer: a warning naming it, the others' rows kept
        cdse.proc.stop()
        proc = run_command(f"qgis_process run eoscenefinder:search -- \"CONNECTION={pgstac}; static+{static}; "
                           f"{cdse_conn}\" COLLECTIONS=sentinel-2-l2a AOI=aoi.gpkg START=2024-05-01 END=2024-05-31 "
                           f"OUTPUT=without_cdse.gpkg", [], profile, tmp_path)
        assert f"{cdse_conn} failed" in proc.stdout + proc.stderr
        assert len(read_features(tmp_path / "without_cdse.gpkg")) == 12
    finally:
        cdse.proc.stop()
