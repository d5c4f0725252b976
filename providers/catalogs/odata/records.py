"""OData product records → scenes (footprint, collection, assets, checksums, scene keys), and
the ``id,name`` listing CSV."""
from __future__ import annotations

import csv
import json
import re
from typing import Any, Dict, Iterable, List, Mapping, Optional, Tuple


from ...model import Asset, LazyScene, Scene
from ...scene_ids import parse_scene_key
from ... import errors
from .query import CDSE_ENDPOINTS, _NAME_SUFFIXES, from_us, parse_us


# ------------------------------------------------------------------------------ records
def product_stem(name: str) -> str:
    """A product name without its container suffix (``.SAFE``, ``.SEN3``, ``.nc``...)."""
    for suffix in _NAME_SUFFIXES:
        if name.endswith(suffix):
            return name[: -len(suffix)]
    return name


def _footprint_geojson(rec: Mapping[str, Any]) -> Optional[dict]:
    geo = rec.get("GeoFootprint")
    if isinstance(geo, dict) and geo.get("type"):
        return geo
    text = rec.get("Footprint")
    if isinstance(text, str) and "SRID=" in text:
        m = re.search(r"SRID=\d+;(.*?)'?$", text.strip())
        if m:
            try:
                from shapely import wkt
                from shapely.geometry import mapping
                return mapping(wkt.loads(m.group(1)))
            except Exception:  # noqa: BLE001 - a broken footprint is not fatal
                return None
    return None


def _bbox_of(geojson: Optional[dict]) -> Optional[Tuple[float, float, float, float]]:
    if not geojson:
        return None
    xs: List[float] = []
    ys: List[float] = []

    def walk(node):
        if isinstance(node, (list, tuple)) and node and isinstance(node[0], (int, float)):
            xs.append(float(node[0]))
            ys.append(float(node[1]))
        elif isinstance(node, (list, tuple)):
            for child in node:
                walk(child)
    walk(geojson.get("coordinates"))
    if not xs:
        return None
    return (min(xs), min(ys), max(xs), max(ys))


def _collection_of(rec: Mapping[str, Any], attrs: Mapping[str, Any], hint: Optional[str]) -> Optional[str]:
    if hint:
        return hint
    s3 = rec.get("S3Path") or ""
    parts = [p for p in s3.split("/") if p]
    if len(parts) >= 2 and parts[0] == "eodata":
        folder = parts[1].upper()
        if folder.startswith(("SENTINEL-", "LANDSAT-")):
            return folder
    platform = attrs.get("platformShortName")
    if isinstance(platform, str) and platform:
        return platform.upper()
    name = rec.get("Name") or ""
    for prefix, coll in (("S1", "SENTINEL-1"), ("S2", "SENTINEL-2"), ("S3", "SENTINEL-3"), ("S5P", "SENTINEL-5P"),
                         ("S6", "SENTINEL-6"), ("LC08", "LANDSAT-8"), ("LE07", "LANDSAT-7"), ("LT05", "LANDSAT-5")):
        if name.startswith(prefix):
            return coll
    return None


def _attributes(rec: Mapping[str, Any]) -> Dict[str, Any]:
    attrs: Dict[str, Any] = {}
    for att in rec.get("Attributes") or ():
        if isinstance(att, dict) and att.get("Name"):
            attrs[att["Name"]] = att.get("Value")
    return attrs


def _quicklook(rec: Mapping[str, Any]) -> Optional[str]:
    for asset in rec.get("Assets") or ():
        if isinstance(asset, dict) and asset.get("Type") == "QUICKLOOK" and asset.get("DownloadLink"):
            return asset["DownloadLink"]
    return None


def _size(rec: Mapping[str, Any]) -> Optional[int]:
    size = rec.get("ContentLength")
    return int(size) if isinstance(size, (int, float)) and size > 0 else None


def product_properties(rec: Mapping[str, Any]) -> Dict[str, Any]:
    """A product's ``properties``: its attributes, its main fields, start/end and checksum."""
    from ...download.checksums import from_odata

    props: Dict[str, Any] = _attributes(rec)
    for key in ("Id", "Name", "ContentType", "ContentLength", "OriginDate", "PublicationDate",
                "ModificationDate", "Online", "EvictionDate", "S3Path"):
        if key in rec:
            props[key] = rec[key]
    content = rec.get("ContentDate") or {}
    start, end = content.get("Start"), content.get("End")
    if start:
        props["start_datetime"] = start
    if end:
        props["end_datetime"] = end
    checksum = from_odata(rec.get("Checksum"))
    if checksum is not None:
        props["checksum"] = f"{checksum.algorithm}:{checksum.hexdigest}"
    return props


def product_assets(rec: Mapping[str, Any], download_url: str, s3_bucket: str) -> Dict[str, Asset]:
    """A product's assets: the zipped product (with size, checksum and S3 alternate) and
    its quicklook."""
    from ...download.checksums import from_odata

    pid = str(rec.get("Id") or "")
    stem = product_stem(str(rec.get("Name") or pid))
    assets: Dict[str, Asset] = {}
    extra: Dict[str, Any] = {"product_id": pid, "file_name": f"{stem}.zip"}
    s3path = rec.get("S3Path") or None
    if s3path:
        key = s3path.lstrip("/")
        if key.startswith(s3_bucket + "/"):
            key = key[len(s3_bucket) + 1:]
        extra["s3_path"] = s3path
        extra["alternate"] = {"s3": {"href": f"s3://{s3_bucket}/{key}", "title": "S3 (eodata)"}}
    if pid:
        assets["product"] = Asset(
            key="product", href=f"{download_url.rstrip('/')}/Products({pid})/$value",
            media_type="application/zip", roles=("data", "archive"), title=f"{stem}.zip",
            size=_size(rec), checksum=from_odata(rec.get("Checksum")), extra=extra)
    thumbnail = _quicklook(rec)
    if thumbnail:
        assets["quicklook"] = Asset(key="quicklook", href=thumbnail, media_type="image/jpeg",
                                    roles=("thumbnail", "overview"), title="Quicklook")
    return assets


class _ProductCodec:
    """Decodes a lazy catalogue scene's product record (see :class:`~...model.LazyScene`)."""

    def __init__(self, download_url: str, s3_bucket: str):
        self.download_url = download_url
        self.s3_bucket = s3_bucket

    @staticmethod
    def decode(scene: LazyScene) -> Tuple[Dict[str, Any], Dict[str, Any]]:
        text, start, end = scene.raw_span()
        rec, stop = _DECODER.raw_decode(text, start)
        if stop != end and text[stop:end].strip():
            raise ValueError("the product's text is not one JSON document")
        return rec, product_properties(rec)

    def assets(self, scene: LazyScene, rec: Dict[str, Any]) -> Dict[str, Asset]:
        return product_assets(rec, self.download_url, self.s3_bucket)


_DECODER = json.JSONDecoder()
_codecs: Dict[Tuple[str, str], _ProductCodec] = {}


def _codec(download_url: str, s3_bucket: str) -> _ProductCodec:
    codec = _codecs.get((download_url, s3_bucket))
    if codec is None:
        codec = _codecs.setdefault((download_url, s3_bucket), _ProductCodec(download_url, s3_bucket))
    return codec


@errors.tolerant_record("The catalogue")
def record_to_scene(rec: Mapping[str, Any], *, connection: Optional[str] = None,
                    download_url: str = CDSE_ENDPOINTS["download_url"], s3_bucket: str = "eodata",
                    collection: Optional[str] = None, raw: Optional[str] = None) -> Scene:
    """A catalogue product record as a :class:`Scene` (tolerant of missing fields).

    With ``raw``, the record's JSON text as the catalogue sent it, the scene is a
    :class:`LazyScene`: the table's fields are read now, ``properties``, ``assets`` and
    ``record`` are decoded from ``raw`` when read (the record's dicts are not kept)."""
    pid = str(rec.get("Id") or "")
    name = str(rec.get("Name") or pid)
    stem = product_stem(name)
    attrs = _attributes(rec)
    content = rec.get("ContentDate") or {}
    start_us = parse_us(content.get("Start"))
    geometry = _footprint_geojson(rec)
    coll = _collection_of(rec, attrs, collection)
    cloud = attrs.get("cloudCover")
    platform = None
    short = attrs.get("platformShortName")
    if isinstance(short, str) and short:
        serial = attrs.get("platformSerialIdentifier") or ""
        platform = (short + (str(serial) if serial else "")).lower()
    fields = dict(
        id=stem, collection=coll, datetime=from_us(start_us) if start_us is not None else None,
        geometry=geometry, bbox=_bbox_of(geometry),
        cloud_cover=float(cloud) if isinstance(cloud, (int, float)) else None, platform=platform,
        thumbnail=_quicklook(rec), connection=connection, scene_key=parse_scene_key(name),
        online=rec.get("Online") if isinstance(rec.get("Online"), bool) else None, self_href=None)
    if raw is not None:
        scene = LazyScene(**fields, raw=raw, codec=_codec(download_url, s3_bucket))
        # what deduplication reads, kept plain (see product_name)
        scene.product_name = name if rec.get("Name") else None
        scene.modified = rec.get("ModificationDate") or ""
        return scene
    return Scene(**fields, assets=product_assets(rec, download_url, s3_bucket),
                 properties=product_properties(rec), record=dict(rec))


def product_name(scene: Scene) -> str:
    """The product's full name (``....SAFE``), else the scene id, without decoding a lazy scene."""
    if isinstance(scene, LazyScene) and hasattr(scene, "product_name"):
        return scene.product_name or scene.id
    return scene.properties.get("Name") or scene.id


def modification_date(scene: Scene) -> str:
    """The product's ``ModificationDate`` text ("" when unknown), without decoding a lazy scene."""
    if isinstance(scene, LazyScene) and hasattr(scene, "modified"):
        return scene.modified
    return scene.properties.get("ModificationDate") or ""


def listing_csv_rows(scenes: Iterable[Scene]) -> List[Tuple[str, str]]:
    """``(id, safename)`` rows of a result listing, as cdsodatacli writes them: the
    catalogue's product Id and the full product name (``....SAFE``)."""
    rows = []
    for scene in scenes:
        props = scene.properties or {}
        pid = props.get("Id") or (scene.record or {}).get("Id") or scene.id
        name = props.get("Name") or (scene.record or {}).get("Name") or scene.id
        rows.append((str(pid), str(name)))
    return rows


def write_listing_csv(scenes: Iterable[Scene], path: str, header: bool = False) -> int:
    """Write the ``id,safename`` listing to ``path``; returns the number of rows."""
    rows = listing_csv_rows(scenes)
    with open(path, "w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        if header:
            writer.writerow(["id", "safename"])
        writer.writerows(rows)
    return len(rows)


