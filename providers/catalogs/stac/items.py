"""STAC documents (plain dicts) to the plugin's model, tolerant of items that break the
spec: no ``datetime``, null geometry, 1.0.0-beta documents, ISDeform's ``startDate``/``date``."""
from __future__ import annotations

import datetime as _dt
import json
import re
from typing import Any, Dict, Iterable, Optional, Tuple, Union
from urllib.parse import urljoin

from ...model import Asset, Checksum, CollectionInfo, LazyScene, Scene, parse_instant
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
    value = props.get("datetime")
    if isinstance(value, str) and len(value) > 10:  # the usual case, quickly (Python >= 3.11 reads "Z")
        try:
            moment = _dt.datetime.fromisoformat(value)
        except ValueError:
            moment = None
        if moment is not None and moment.tzinfo is not None:
            return moment.astimezone(_dt.timezone.utc)
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


_THUMBNAIL_KEYS = ("thumbnail", "rendered_preview", "preview", "overview", "quicklook", "browse")


def thumbnail_href(assets: Dict[str, Asset], doc: Dict[str, Any], base: Optional[str]) -> Optional[str]:
    for key in _THUMBNAIL_KEYS:
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


def scene_properties(item: Dict[str, Any]) -> Dict[str, Any]:
    props = item.get("properties") or {}
    return props if isinstance(props, dict) else {}


def item_assets(item: Dict[str, Any], base: Optional[str]) -> Dict[str, Asset]:
    """The item's assets (those with an href) as :class:`Asset` objects."""
    assets = {}
    raw_assets = item.get("assets")
    if isinstance(raw_assets, dict):
        for key, data in raw_assets.items():
            if isinstance(data, dict) and data.get("href"):
                assets[key] = asset_from_dict(key, data, base)
    return assets


def _thumbnail_of_item(item: Dict[str, Any], base: Optional[str]) -> Optional[str]:
    """What :func:`thumbnail_href` finds, read from the item's asset dicts (no Asset built)."""
    raw_assets = item.get("assets")
    if isinstance(raw_assets, dict):
        for key in _THUMBNAIL_KEYS:
            data = raw_assets.get(key)
            if isinstance(data, dict) and data.get("href") and "tiff" not in (data.get("type") or ""):
                return absolute_href(str(data["href"]), base)
        for data in raw_assets.values():
            if isinstance(data, dict) and data.get("href"):
                roles = data.get("roles") or ()
                if isinstance(roles, str):
                    roles = (roles,)
                if any(str(r) in ("thumbnail", "overview") for r in roles):
                    return absolute_href(str(data["href"]), base)
    return thumbnail_href({}, item, base)


# platform / collection names repeat in every item: one string each instead of 10,000 copies
_shared_strings: Dict[str, str] = {}


def _shared(value: Any) -> Optional[str]:
    if value is None:
        return None
    text = str(value)
    if len(_shared_strings) > 10000:
        _shared_strings.clear()
    return _shared_strings.setdefault(text, text)


def _scene_fields(item: Dict[str, Any], props: Dict[str, Any], connection: Optional[str],
                  base_href: Optional[str]) -> Dict[str, Any]:
    """The scene's plain fields (what the results table and the footprints need)."""
    base = self_href(item) or base_href
    geometry = item.get("geometry") if isinstance(item.get("geometry"), dict) else None
    scene_id = str(item.get("id") or props.get("productId") or "")
    platform = _first(props, "platform", "constellation", "platformSerialIdentifier", "mission")
    return dict(
        id=scene_id,
        collection=_shared(item.get("collection") or props.get("collection")),
        datetime=item_datetime(props),
        geometry=geometry,
        bbox=_bbox(item, geometry),
        cloud_cover=_float(_first(props, "eo:cloud_cover", "cloud_cover", "cloudCover")),
        platform=_shared(platform),
        connection=connection,
        scene_key=parse_scene_key(scene_id) or parse_scene_key(props.get("s2:product_uri")),
        self_href=base,
    )


@errors.tolerant_record("The STAC catalog")
def item_to_scene(item: Dict[str, Any], connection: Optional[str] = None,
                  base_href: Optional[str] = None) -> Scene:
    """A STAC item dict (any version, even broken ones) as a :class:`Scene`."""
    props = scene_properties(item)
    fields = _scene_fields(item, props, connection, base_href)
    assets = item_assets(item, fields["self_href"])
    return Scene(thumbnail=thumbnail_href(assets, item, fields["self_href"]), assets=assets,
                 properties=props, record=item, **fields)


def item_to_lazy_scene(item: Dict[str, Any], raw: Union[str, Tuple[str, int, int]], connection: Optional[str] = None,
                       base_href: Optional[str] = None,
                       signed: Optional[Dict[str, str]] = None) -> LazyScene:
    """The same scene as :func:`item_to_scene`, keeping ``raw`` (the item's JSON text, which
    decodes to ``item``, or ``(page_text, start, end)``: where it is in its page) instead of
    the decoded item: record, properties and assets are
    decoded when read. ``signed`` maps the item's hrefs to the signed ones a signer put in
    ``item`` (the decoded record gets them too)."""
    props = scene_properties(item)
    fields = _scene_fields(item, props, connection, base_href)
    scene = LazyScene(thumbnail=_thumbnail_of_item(item, fields["self_href"]), raw=raw, codec=ITEM_CODEC,
                      **fields)
    if signed:
        scene.signed_hrefs = signed
    return scene


_DECODER = json.JSONDecoder()


class _ItemCodec:
    """Decodes a lazy STAC scene's item text (see :class:`~.model.LazyScene`)."""

    @staticmethod
    def decode(scene: LazyScene) -> Tuple[Dict[str, Any], Dict[str, Any]]:
        text, start, end = scene.raw_span()
        item, stop = _DECODER.raw_decode(text, start)
        if stop != end and text[stop:end].strip():
            raise ValueError("the item's text is not one JSON document")
        signed = getattr(scene, "signed_hrefs", None)
        if signed:
            for holder in _href_holders(item):
                if holder["href"] in signed:
                    holder["href"] = signed[holder["href"]]
        return item, scene_properties(item)

    @staticmethod
    def assets(scene: LazyScene, item: Dict[str, Any]) -> Dict[str, Asset]:
        return item_assets(item, scene.self_href)


ITEM_CODEC = _ItemCodec()


def _href_holders(item: Dict[str, Any]) -> Iterable[Dict[str, Any]]:
    """The asset dicts and their ``alternate`` dicts that carry an href (what a signer signs)."""
    assets = item.get("assets")
    if not isinstance(assets, dict):
        return
    for asset in assets.values():
        if not isinstance(asset, dict):
            continue
        if isinstance(asset.get("href"), str):
            yield asset
        alternate = asset.get("alternate")
        if isinstance(alternate, dict):
            for alt in alternate.values():
                if isinstance(alt, dict) and isinstance(alt.get("href"), str):
                    yield alt


def signed_hrefs_of(item: Dict[str, Any], original_of: Dict[str, str]) -> Dict[str, str]:
    """original href -> signed href for the hrefs of ``item`` (already signed in place) that
    ``original_of`` (signed -> original, from the page's signing) knows."""
    out = {}
    for holder in _href_holders(item):
        original = original_of.get(holder["href"])
        if original is not None:
            out[original] = holder["href"]
    return out


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
