"""STAC documents (plain dicts) to the plugin's model, tolerant of items that break the
spec: no ``datetime``, null geometry, 1.0.0-beta documents, ISDeform's ``startDate``/``date``."""
from __future__ import annotations

import re
from typing import Any, Dict, Iterable, Optional, Tuple
from urllib.parse import urljoin

from ...model import Asset, Checksum, CollectionInfo, Scene, parse_instant
from ...scene_ids import parse_scene_key
from ... import errors

# multihash code -> hashlib name
_MULTIHASH = {0x11: "sha1", 0x12: "sha256", 0x13: "sha512", 0xD5: "md5", 0x14: "sha3_512",
              0x16: "sha3_256", 0xB220: "blake2b_256"}


def parse_multihash(value: Optional[str]) -> Optional[Checksum]:
    """A STAC ``file:checksum`` (hex multihash) as a :class:`Checksum`, or None."""
    if not value or not isinstance(value, str):
        return None
    text = value.strip().lower()
    if not re.fullmatch(r"[0-9a-f]+", text) or len(text) < 6:
        return None
    try:
        raw = bytes.fromhex(text)
    except ValueError:
        return None
    # varint code
    code, shift, i = 0, 0, 0
    while i < len(raw):
        b = raw[i]
        code |= (b & 0x7F) << shift
        i += 1
        if not b & 0x80:
            break
        shift += 7
    if i >= len(raw):
        return None
    length = raw[i]
    digest = raw[i + 1:]
    name = _MULTIHASH.get(code)
    if name is None or len(digest) != length:
        return None
    return Checksum(name, digest.hex())


def _first(props: Dict[str, Any], *keys: str) -> Any:
    for key in keys:
        if props.get(key) not in (None, ""):
            return props[key]
    return None


def item_datetime(props: Dict[str, Any]):
    """Acquisition time: ``datetime`` then ``start_datetime``, ``startDate``, ``date``."""
    value = _first(props, "datetime", "start_datetime", "startDate", "start_date")
    if value is None and props.get("date"):
        value = str(props["date"]).split("/")[0]
    if value is None:
        return None
    try:
        return parse_instant(str(value))
    except Exception:  # noqa: BLE001 - a broken date must not break the search
        return None


def _float(value: Any) -> Optional[float]:
    try:
        return None if value is None else float(value)
    except (TypeError, ValueError):
        return None


def absolute_href(href: str, base: Optional[str]) -> str:
    """Resolve a relative href against the document it came from."""
    if not href or not base or re.match(r"^[a-zA-Z][a-zA-Z0-9+.-]*://", href) or href.startswith("/vsi"):
        return href
    if base.startswith(("http://", "https://", "file://")):
        return urljoin(base, href)
    import os
    return os.path.normpath(os.path.join(os.path.dirname(base), href))


def self_href(doc: Dict[str, Any]) -> Optional[str]:
    for link in doc.get("links") or []:
        if isinstance(link, dict) and link.get("rel") == "self" and link.get("href"):
            return link["href"]
    return None


def asset_from_dict(key: str, data: Dict[str, Any], base: Optional[str]) -> Asset:
    href = absolute_href(str(data.get("href") or ""), base)
    alternate = data.get("alternate") or {}
    extra = {}
    if isinstance(alternate, dict) and alternate:
        extra["alternate"] = {k: absolute_href(v.get("href", ""), base)
                              for k, v in alternate.items() if isinstance(v, dict)}
    roles = data.get("roles") or ()
    if isinstance(roles, str):
        roles = (roles,)
    size = data.get("file:size")
    return Asset(
        key=key,
        href=href,
        media_type=data.get("type"),
        roles=tuple(str(r) for r in roles),
        title=data.get("title"),
        size=int(size) if isinstance(size, (int, float)) else None,
        checksum=parse_multihash(data.get("file:checksum")),
        extra=extra,
    )


def _bbox(doc: Dict[str, Any], geometry: Optional[dict]) -> Optional[Tuple[float, float, float, float]]:
    bbox = doc.get("bbox")
    if isinstance(bbox, (list, tuple)) and len(bbox) >= 4:
        if len(bbox) == 6:
            return (bbox[0], bbox[1], bbox[3], bbox[4])
        return tuple(float(v) for v in bbox[:4])
    if geometry:
        try:
            from shapely.geometry import shape
            return tuple(shape(geometry).bounds)
        except Exception:  # noqa: BLE001
            return None
    return None


def thumbnail_href(assets: Dict[str, Asset], doc: Dict[str, Any], base: Optional[str]) -> Optional[str]:
    for key in ("thumbnail", "rendered_preview", "preview", "overview", "quicklook", "browse"):
        if key in assets and "tiff" not in (assets[key].media_type or ""):
            return assets[key].href
    for asset in assets.values():
        if "thumbnail" in asset.roles or "overview" in asset.roles:
            return asset.href
    for link in doc.get("links") or []:
        if (isinstance(link, dict) and link.get("rel") in ("preview", "thumbnail") and link.get("href")
                and "html" not in (link.get("type") or "")):
            return absolute_href(link["href"], base)
    return None


@errors.tolerant_record("The STAC catalog")
def item_to_scene(item: Dict[str, Any], connection: Optional[str] = None,
                  base_href: Optional[str] = None) -> Scene:
    """A STAC item dict (any version, even broken ones) as a :class:`Scene`."""
    props = item.get("properties") or {}
    if not isinstance(props, dict):
        props = {}
    base = self_href(item) or base_href
    geometry = item.get("geometry") if isinstance(item.get("geometry"), dict) else None
    assets = {}
    for key, data in (item.get("assets") or {}).items():
        if isinstance(data, dict) and data.get("href"):
            assets[key] = asset_from_dict(key, data, base)
    scene_id = str(item.get("id") or props.get("productId") or "")
    platform = _first(props, "platform", "constellation", "platformSerialIdentifier", "mission")
    return Scene(
        id=scene_id,
        collection=item.get("collection") or props.get("collection"),
        datetime=item_datetime(props),
        geometry=geometry,
        bbox=_bbox(item, geometry),
        cloud_cover=_float(_first(props, "eo:cloud_cover", "cloud_cover", "cloudCover")),
        platform=str(platform) if platform is not None else None,
        thumbnail=thumbnail_href(assets, item, base),
        assets=assets,
        properties=props,
        connection=connection,
        scene_key=parse_scene_key(scene_id) or parse_scene_key(props.get("s2:product_uri")),
        record=item,
        self_href=base,
    )


def collection_to_info(doc: Dict[str, Any]) -> CollectionInfo:
    extent = doc.get("extent") or {}
    temporal = ((extent.get("temporal") or {}).get("interval") or [[None, None]])
    t0 = temporal[0] if temporal and isinstance(temporal[0], list) else [None, None]
    spatial = ((extent.get("spatial") or {}).get("bbox") or [None])
    sbox = spatial[0] if spatial and isinstance(spatial[0], list) and len(spatial[0]) >= 4 else None
    keywords = doc.get("keywords") or ()
    return CollectionInfo(
        id=str(doc.get("id")),
        title=doc.get("title"),
        description=doc.get("description"),
        temporal_extent=(t0[0] if len(t0) > 0 else None, t0[1] if len(t0) > 1 else None),
        spatial_extent=tuple(sbox[:4]) if sbox else None,
        license=doc.get("license"),
        keywords=tuple(str(k) for k in keywords) if isinstance(keywords, Iterable) else (),
        record=doc,
    )
