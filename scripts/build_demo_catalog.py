#!/usr/bin/python3
"""Build the bundled offline demo catalog (``demo_catalog/``) from the small real COGs of
rio-tiler's test fixtures.

    /usr/bin/python3 scripts/build_demo_catalog.py [SOURCES_DIR] [--out demo_catalog]

SOURCES_DIR holds ``cog.tif``, ``cog_int16.tif`` and ``cog_rgb.tif`` (default:
``../shared/data/real/cog/rio-tiler`` next to the repository). The output is a
self-contained STAC 1.0.0 catalog with relative links: two collections, eight items, each
with Cloud Optimized GeoTIFF windows of the sources, a PNG thumbnail, ``file:size`` and
``file:checksum``. The same inputs give byte-identical output (same GDAL version).

Needs GDAL's Python bindings, numpy and shapely (Debian: python3-gdal python3-numpy
python3-shapely). It never touches the network.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
DEFAULT_SOURCES = REPO.parent / "shared" / "data" / "real" / "cog" / "rio-tiler"
COG_TYPE = "image/tiff; application=geotiff; profile=cloud-optimized"
STAC_VERSION = "1.0.0"
EXT = {
    "eo": "https://stac-extensions.github.io/eo/v1.1.0/schema.json",
    "proj": "https://stac-extensions.github.io/projection/v1.1.0/schema.json",
    "file": "https://stac-extensions.github.io/file/v2.1.0/schema.json",
    "raster": "https://stac-extensions.github.io/raster/v1.1.0/schema.json",
}

# Windows of cog.tif (2658 x 2667 px, 100 m, EPSG:32621): overlapping tiles, so an AOI
# hits several "acquisitions". Dates and cloud cover are illustrative (see SOURCES.md).
GREENLAND = [
    # (suffix, x, y, datetime, cloud cover %)
    ("20230514", 400, 300, "2023-05-14T14:57:12Z", 3.2),
    ("20230602", 1200, 200, "2023-06-02T14:51:40Z", 41.7),
    ("20230627", 1634, 800, "2023-06-27T14:45:05Z", 0.4),
    ("20230719", 300, 1200, "2023-07-19T15:02:33Z", 12.9),
    ("20230808", 1000, 1000, "2023-08-08T14:58:21Z", 67.5),
    ("20230912", 1100, 1643, "2023-09-12T14:49:58Z", 22.0),
]
GREENLAND_SIZE = 1024
GREENLAND_NODATA = 1  # cog.tif fills the area outside the scene with 1 (48 % of it)
GREENLAND_STRETCH = (2600, 7200)  # display range for thumbnails (the valid values run 2720-7872)

# Windows of cog_rgb.tif (383 x 232 px, 0.15 m, EPSG:26913)
COLORADO = [
    ("west", 0, 0, 200, 232, "2023-04-20T17:31:00Z"),
    ("east", 183, 0, 200, 232, "2023-09-30T17:12:00Z"),
]


def fail(message: str) -> None:
    print(f"build_demo_catalog: {message}", file=sys.stderr)
    sys.exit(1)


try:
    import numpy as np
    from osgeo import gdal, ogr, osr
    from shapely.geometry import Polygon, mapping, shape
    from shapely.geometry.polygon import orient
    from shapely.ops import unary_union
except ImportError as err:  # pragma: no cover - depends on the machine
    fail(f"{err}. Run with /usr/bin/python3 (needs python3-gdal, python3-numpy, python3-shapely).")

gdal.UseExceptions()
gdal.SetConfigOption("GDAL_PAM_ENABLED", "NO")  # no .aux.xml side files
gdal.SetConfigOption("GDAL_NUM_THREADS", "1")  # deterministic output


# ------------------------------------------------------------------------------ helpers
def sha256_multihash(path: Path) -> str:
    return "1220" + hashlib.sha256(path.read_bytes()).hexdigest()


def file_fields(path: Path) -> dict:
    return {"file:size": path.stat().st_size, "file:checksum": sha256_multihash(path)}


def write_json(path: Path, doc: dict) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(doc, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def to_wgs84(epsg: int):
    src = osr.SpatialReference()
    src.ImportFromEPSG(epsg)
    dst = osr.SpatialReference()
    dst.ImportFromEPSG(4326)
    for ref in (src, dst):
        ref.SetAxisMappingStrategy(osr.OAMS_TRADITIONAL_GIS_ORDER)
    ct = osr.CoordinateTransformation(src, dst)

    def transform(poly):
        def ring(coords):
            return [tuple(round(v, 6) for v in ct.TransformPoint(x, y)[:2]) for x, y in coords]
        return Polygon(ring(poly.exterior.coords), [ring(r.coords) for r in poly.interiors])
    return transform


def densify(poly, step: float):
    """Add vertices along straight projected edges so they stay faithful in EPSG:4326."""
    coords = list(poly.exterior.coords)
    out = []
    for (x0, y0), (x1, y1) in zip(coords[:-1], coords[1:]):
        n = max(1, int(((x1 - x0) ** 2 + (y1 - y0) ** 2) ** 0.5 // step))
        out.extend((x0 + (x1 - x0) * i / n, y0 + (y1 - y0) * i / n) for i in range(n))
    out.append(coords[0])
    return Polygon(out)


def make_cog(src: Path, dst: Path, window, *, nodata=None, jpeg=False) -> None:
    options = ["BLOCKSIZE=256", "OVERVIEWS=AUTO", "RESAMPLING=AVERAGE"]
    options += ["COMPRESS=JPEG", "QUALITY=85"] if jpeg else ["COMPRESS=DEFLATE", "PREDICTOR=2", "LEVEL=9"]
    kwargs = {"format": "COG", "srcWin": list(window), "creationOptions": options}
    if nodata is not None:
        kwargs["noData"] = nodata
    gdal.Translate(str(dst), str(src), **kwargs)


def projection_fields(path: Path) -> dict:
    ds = gdal.Open(str(path))
    gt = ds.GetGeoTransform()
    w, h = ds.RasterXSize, ds.RasterYSize
    srs = osr.SpatialReference(wkt=ds.GetProjection())
    srs.AutoIdentifyEPSG()
    epsg = int(srs.GetAuthorityCode(None))
    xs = (gt[0], gt[0] + gt[1] * w)
    ys = (gt[3], gt[3] + gt[5] * h)
    return {
        "proj:epsg": epsg,
        "proj:shape": [h, w],
        "proj:transform": [gt[1], gt[2], gt[0], gt[4], gt[5], gt[3]],
        "proj:bbox": [min(xs), min(ys), max(xs), max(ys)],
    }


def valid_footprint(path: Path, nodata: int):
    """The data area of a single-band raster (its convex hull) in its own CRS."""
    ds = gdal.Open(str(path))
    band = ds.GetRasterBand(1)
    factor = 4
    bw, bh = ds.RasterXSize // factor, ds.RasterYSize // factor
    data = band.ReadAsArray(buf_xsize=bw, buf_ysize=bh, resample_alg=gdal.GRIORA_NearestNeighbour)
    mask = (data != nodata).astype(np.uint8)
    mem = gdal.GetDriverByName("MEM").Create("", bw, bh, 1, gdal.GDT_Byte)
    gt = list(ds.GetGeoTransform())
    gt[1] *= ds.RasterXSize / bw
    gt[5] *= ds.RasterYSize / bh
    mem.SetGeoTransform(gt)
    mem.SetProjection(ds.GetProjection())
    mem.GetRasterBand(1).WriteArray(mask)
    layer_ds = ogr.GetDriverByName("Memory").CreateDataSource("mask")
    layer = layer_ds.CreateLayer("mask", srs=mem.GetSpatialRef())
    layer.CreateField(ogr.FieldDefn("v", ogr.OFTInteger))
    gdal.Polygonize(mem.GetRasterBand(1), mem.GetRasterBand(1), layer, 0)
    parts = [shape(json.loads(f.GetGeometryRef().ExportToJson())) for f in layer if f.GetField("v") == 1]
    if not parts:
        fail(f"{path.name} has no valid pixels")
    return unary_union(parts).convex_hull.simplify(150)


def window_rectangle(path: Path):
    f = projection_fields(path)
    x0, y0, x1, y1 = f["proj:bbox"]
    return Polygon([(x0, y0), (x1, y0), (x1, y1), (x0, y1), (x0, y0)])


def gray_thumbnail(src: Path, dst: Path, nodata: int, stretch, size: int = 256) -> None:
    ds = gdal.Open(str(src))
    data = ds.GetRasterBand(1).ReadAsArray(buf_xsize=size, buf_ysize=size,
                                           resample_alg=gdal.GRIORA_NearestNeighbour).astype("float64")
    valid = data != nodata
    lo, hi = stretch
    gray = np.clip((data - lo) / (hi - lo) * 254 + 1, 1, 255).astype(np.uint8)
    alpha = np.where(valid, 255, 0).astype(np.uint8)
    mem = gdal.GetDriverByName("MEM").Create("", size, size, 2, gdal.GDT_Byte)
    mem.GetRasterBand(1).WriteArray(np.where(valid, gray, 0).astype(np.uint8))
    mem.GetRasterBand(2).WriteArray(alpha)
    mem.GetRasterBand(1).SetColorInterpretation(gdal.GCI_GrayIndex)
    mem.GetRasterBand(2).SetColorInterpretation(gdal.GCI_AlphaBand)
    gdal.GetDriverByName("PNG").CreateCopy(str(dst), mem, options=["ZLEVEL=9"])


def rgb_thumbnail(src: Path, dst: Path, width: int = 200) -> None:
    ds = gdal.Open(str(src))
    height = max(1, round(width * ds.RasterYSize / ds.RasterXSize))
    gdal.Translate(str(dst), ds, format="PNG", width=width, height=height, bandList=[1, 2, 3],
                   creationOptions=["ZLEVEL=9"])


def link(rel: str, href: str, media: str = "application/json", title: str = None) -> dict:
    out = {"rel": rel, "href": href, "type": media}
    if title:
        out["title"] = title
    return out


def item_doc(item_id: str, collection: str, footprint, datetime: str, properties: dict,
             assets: dict, extensions) -> dict:
    geom = orient(footprint, sign=1.0)
    return {
        "type": "Feature",
        "stac_version": STAC_VERSION,
        "stac_extensions": [EXT[e] for e in extensions],
        "id": item_id,
        "collection": collection,
        "geometry": mapping(geom),
        "bbox": [round(v, 6) for v in geom.bounds],
        "properties": {"datetime": datetime, **properties},
        "links": [
            link("root", "../../catalog.json"),
            link("parent", "../collection.json"),
            link("collection", "../collection.json"),
        ],
        "assets": assets,
    }


# ------------------------------------------------------------------------------ build
def build_greenland(sources: Path, out: Path) -> dict:
    cid = "demo-landsat-greenland"
    folder = out / cid
    items = []
    to4326 = to_wgs84(32621)
    for suffix, x, y, when, cloud in GREENLAND:
        item_id = f"greenland-{suffix}"
        d = folder / item_id
        d.mkdir(parents=True, exist_ok=True)
        window = (x, y, GREENLAND_SIZE, GREENLAND_SIZE)
        data = d / f"{item_id}.tif"
        extra = d / f"{item_id}_int16.tif"
        thumb = d / f"{item_id}.png"
        make_cog(sources / "cog.tif", data, window, nodata=GREENLAND_NODATA)
        make_cog(sources / "cog_int16.tif", extra, window, nodata=-32768)
        gray_thumbnail(data, thumb, GREENLAND_NODATA, GREENLAND_STRETCH)
        proj = projection_fields(data)
        footprint = to4326(densify(valid_footprint(data, GREENLAND_NODATA), 10_000))
        assets = {
            "data": {"href": f"./{data.name}", "type": COG_TYPE, "roles": ["data"],
                     "title": "Landsat 8 band (UInt16, 100 m)",
                     "raster:bands": [{"data_type": "uint16", "nodata": GREENLAND_NODATA,
                                       "spatial_resolution": 100}],
                     **file_fields(data)},
            "int16": {"href": f"./{extra.name}", "type": COG_TYPE, "roles": ["data"],
                      "title": "Int16 raster on the same grid (rio-tiler fixture)",
                      "raster:bands": [{"data_type": "int16", "nodata": -32768, "spatial_resolution": 100}],
                      **file_fields(extra)},
            "thumbnail": {"href": f"./{thumb.name}", "type": "image/png", "roles": ["thumbnail"],
                          "title": "Thumbnail", **file_fields(thumb)},
        }
        props = {
            "title": f"Landsat 8 demo tile, west Greenland, {when[:10]}",
            "platform": "landsat-8",
            "constellation": "landsat",
            "instruments": ["oli", "tirs"],
            "gsd": 100,
            "eo:cloud_cover": cloud,
            **proj,
        }
        doc = item_doc(item_id, cid, footprint, when, props, assets, ("eo", "proj", "file", "raster"))
        write_json(d / f"{item_id}.json", doc)
        items.append(doc)
    return collection_doc(
        cid, items,
        title="Demo: Landsat 8 tiles over west Greenland",
        description=("Six overlapping 1024 x 1024 px windows (100 m) of a real Landsat 8 scene over west "
                     "Greenland (Baffin Bay coast, about 72-75° N), cut from rio-tiler's test COGs. The "
                     "acquisition dates and cloud cover values are illustrative, chosen to make the "
                     "demo searchable; they are not the scene's real metadata."),
        keywords=["demo", "landsat", "greenland", "offline"],
        providers=[
            {"name": "U.S. Geological Survey", "roles": ["producer", "licensor"],
             "url": "https://www.usgs.gov/landsat-missions"},
            {"name": "rio-tiler test fixtures (cogeotiff)", "roles": ["processor"],
             "url": "https://github.com/cogeotiff/rio-tiler"},
        ],
        summaries={"platform": ["landsat-8"], "instruments": ["oli", "tirs"], "gsd": [100],
                   "eo:cloud_cover": {"minimum": min(c for *_, c in GREENLAND),
                                      "maximum": max(c for *_, c in GREENLAND)}})


def build_colorado(sources: Path, out: Path) -> dict:
    cid = "demo-aerial-colorado"
    folder = out / cid
    items = []
    to4326 = to_wgs84(26913)
    for suffix, x, y, w, h, when in COLORADO:
        item_id = f"colorado-hro-{suffix}"
        d = folder / item_id
        d.mkdir(parents=True, exist_ok=True)
        data = d / f"{item_id}.tif"
        thumb = d / f"{item_id}.png"
        make_cog(sources / "cog_rgb.tif", data, (x, y, w, h), jpeg=True)
        rgb_thumbnail(data, thumb)
        proj = projection_fields(data)
        footprint = to4326(window_rectangle(data))
        assets = {
            "visual": {"href": f"./{data.name}", "type": COG_TYPE, "roles": ["data", "visual"],
                       "title": "RGB aerial photo (0.15 m)",
                       "raster:bands": [{"data_type": "uint8", "spatial_resolution": 0.15}] * 3,
                       **file_fields(data)},
            "thumbnail": {"href": f"./{thumb.name}", "type": "image/png", "roles": ["thumbnail"],
                          "title": "Thumbnail", **file_fields(thumb)},
        }
        props = {
            "title": f"USGS HRO aerial photo, Colorado ({suffix} part), {when[:10]}",
            "platform": "aircraft",
            "instruments": ["aerial-camera"],
            "gsd": 0.15,
            **proj,
        }
        doc = item_doc(item_id, cid, footprint, when, props, assets, ("proj", "file", "raster"))
        write_json(d / f"{item_id}.json", doc)
        items.append(doc)
    return collection_doc(
        cid, items,
        title="Demo: USGS HRO aerial photo, Colorado",
        description=("Two overlapping halves of a real 0.15 m USGS High Resolution Orthoimagery (HRO) RGB "
                     "photo over Colorado, from rio-tiler's test COGs. Dates are illustrative. Aerial "
                     "photos carry no cloud cover value."),
        keywords=["demo", "aerial", "orthoimagery", "colorado", "offline"],
        providers=[
            {"name": "U.S. Geological Survey", "roles": ["producer", "licensor"],
             "url": "https://www.usgs.gov/"},
            {"name": "rio-tiler test fixtures (cogeotiff)", "roles": ["processor"],
             "url": "https://github.com/cogeotiff/rio-tiler"},
        ],
        summaries={"platform": ["aircraft"], "gsd": [0.15]})


def collection_doc(cid, items, *, title, description, keywords, providers, summaries) -> dict:
    boxes = [it["bbox"] for it in items]
    overall = [min(b[0] for b in boxes), min(b[1] for b in boxes), max(b[2] for b in boxes), max(b[3] for b in boxes)]
    times = sorted(it["properties"]["datetime"] for it in items)
    links = [link("root", "../catalog.json"), link("parent", "../catalog.json"),
             link("license", "../SOURCES.md", "text/markdown", "Sources and licences")]
    links += [link("item", f"./{it['id']}/{it['id']}.json", "application/geo+json", it["properties"]["title"])
              for it in items]
    return {
        "type": "Collection",
        "stac_version": STAC_VERSION,
        "stac_extensions": [],
        "id": cid,
        "title": title,
        "description": description,
        "keywords": keywords,
        "license": "various",
        "providers": providers,
        "extent": {"spatial": {"bbox": [overall]}, "temporal": {"interval": [[times[0], times[-1]]]}},
        "summaries": summaries,
        "links": links,
    }


def build(sources: Path, out: Path) -> None:
    for name in ("cog.tif", "cog_int16.tif", "cog_rgb.tif"):
        if not (sources / name).is_file():
            fail(f"{sources / name} is missing (pass the folder holding rio-tiler's test COGs)")
    if out.exists():
        if not (out / "catalog.json").exists() and any(out.iterdir()):
            fail(f"{out} exists and is not a demo catalog; refusing to overwrite it")
        # keep SOURCES.md (hand-written), rebuild everything else
        for child in out.iterdir():
            if child.name == "SOURCES.md":
                continue
            shutil.rmtree(child) if child.is_dir() else child.unlink()
    out.mkdir(parents=True, exist_ok=True)
    collections = [build_greenland(sources, out), build_colorado(sources, out)]
    for col in collections:
        write_json(out / col["id"] / "collection.json", col)
    catalog = {
        "type": "Catalog",
        "stac_version": STAC_VERSION,
        "id": "eo-scene-finder-demo",
        "title": "EO Scene Finder demo catalog (offline)",
        "description": ("A small self-contained STAC catalog shipped with the EO Scene Finder QGIS plugin, "
                        "so that it can be tried without a network. Built by scripts/build_demo_catalog.py "
                        "from real Cloud Optimized GeoTIFFs; see SOURCES.md."),
        "links": [link("root", "./catalog.json"),
                  link("license", "./SOURCES.md", "text/markdown", "Sources and licences")]
                 + [link("child", f"./{c['id']}/collection.json", "application/json", c["title"]) for c in collections],
    }
    write_json(out / "catalog.json", catalog)
    total = sum(p.stat().st_size for p in out.rglob("*") if p.is_file())
    print(f"Wrote {out} ({sum(len(c['links']) - 3 for c in collections)} items, {total / 1e6:.2f} MB)")


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("sources", nargs="?", default=str(DEFAULT_SOURCES),
                        help="folder holding cog.tif, cog_int16.tif and cog_rgb.tif")
    parser.add_argument("--out", default=str(REPO / "demo_catalog"), help="output folder (default: demo_catalog/)")
    args = parser.parse_args(argv)
    build(Path(args.sources).resolve(), Path(args.out).resolve())


if __name__ == "__main__":
    main()
