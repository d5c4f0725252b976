"""Plain data the whole plugin shares: search requests, scenes, assets, collections.

Inputs are normalised once, here (pystac-client style): a ``SearchRequest`` built with
``SearchRequest.create(...)`` is valid, its AOI is a shapely geometry in EPSG:4326 and its
dates are timezone-aware UTC datetimes with an inclusive end.
"""
from __future__ import annotations

import datetime as _dt
import json
import math
import re
import threading
import weakref
from collections import deque
from dataclasses import dataclass, field, replace
from typing import Any, Dict, Iterable, List, Mapping, Optional, Sequence, Tuple, Union

from .errors import InvalidRequestError

UTC = _dt.timezone.utc

_DATE_ONLY = re.compile(r"^\d{4}-\d{2}-\d{2}$")


# --------------------------------------------------------------------------- dates
def _shown(text: str) -> str:
    """A value quoted back in a message: short, and without any registered secret (a date
    field of a hostile record may hold a signed URL)."""
    from .net.redact import redact_text

    return redact_text(str(text))[:60]


def parse_instant(value: Union[None, str, _dt.date, _dt.datetime], *, end: bool = False,
                  what: str = "date") -> Optional[_dt.datetime]:
    """A date or datetime (object or ISO text) as an aware UTC datetime.

    A whole day given as an end bound means the end of that day (inclusive end dates).
    Naive datetimes are taken as UTC.
    """
    if value is None or value == "" or value == "..":
        return None
    if isinstance(value, _dt.datetime):
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
    if isinstance(value, _dt.date):
        return _day_bound(value, end)
    text = str(value).strip()
    if _DATE_ONLY.match(text):
        try:
            return _day_bound(_dt.date.fromisoformat(text), end)
        except ValueError as err:
            raise InvalidRequestError(f"The {what} “{_shown(text)}” is not a real calendar date.") from err
    try:
        parsed = _dt.datetime.fromisoformat(text.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError as err:
        raise InvalidRequestError(
            f"The {what} “{_shown(text)}” is not understood: use YYYY-MM-DD or an ISO datetime "
            f"such as 2024-05-01T10:30:00Z.") from err
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)


def _day_bound(day: _dt.date, end: bool) -> _dt.datetime:
    if end:
        return _dt.datetime.combine(day, _dt.time(23, 59, 59, 999999), tzinfo=UTC)
    return _dt.datetime.combine(day, _dt.time(0, 0, 0), tzinfo=UTC)


def format_instant(value: Optional[_dt.datetime]) -> str:
    """RFC 3339 text as STAC wants it (``..`` for an open bound)."""
    if value is None:
        return ".."
    text = value.astimezone(UTC).isoformat(timespec="milliseconds" if value.microsecond else "seconds")
    return text.replace("+00:00", "Z")


# ------------------------------------------------------------------------- geometry
def _shapely():
    try:
        from shapely import geometry  # noqa: F401
    except ImportError as err:  # pragma: no cover - depends on the machine
        from .errors import MissingDependencyError
        raise MissingDependencyError(
            "EO Scene Finder needs the Python package “shapely”. On Debian/Ubuntu install "
            "python3-shapely (sudo apt install python3-shapely); the Windows and macOS QGIS "
            "installers include it.") from err
    import shapely.geometry
    return shapely.geometry


def make_valid(geom):
    """A valid version of ``geom`` (shapely 1.8 and 2.x)."""
    if geom.is_valid:
        return geom
    try:
        from shapely.validation import make_valid as _mv  # shapely >= 1.8
        fixed = _mv(geom)
    except ImportError:  # pragma: no cover
        fixed = geom.buffer(0)
    # make_valid can return a collection with lines; keep the areal part
    if fixed.geom_type == "GeometryCollection":
        polys = [g for g in getattr(fixed, "geoms", []) if g.geom_type in ("Polygon", "MultiPolygon")]
        sg = _shapely()
        parts: List[Any] = []
        for p in polys:
            parts.extend(getattr(p, "geoms", [p]))
        fixed = sg.MultiPolygon(parts) if len(parts) > 1 else (parts[0] if parts else sg.Polygon())
    return fixed


def split_antimeridian(geom):
    """Split a polygon whose longitudes run past ±180° into parts on each side."""
    sg = _shapely()
    minx, _miny, maxx, _maxy = geom.bounds
    if minx >= -180 and maxx <= 180:
        return geom
    from shapely import affinity
    world = sg.box(-180, -90, 180, 90)
    parts = []
    for shift in (-360, 0, 360):
        piece = affinity.translate(geom, xoff=shift).intersection(world)
        if not piece.is_empty:
            parts.extend(p for p in getattr(piece, "geoms", [piece]) if p.geom_type == "Polygon")
    if not parts:
        raise InvalidRequestError("The area of interest lies outside the world (longitude/latitude).")
    return sg.MultiPolygon(parts) if len(parts) > 1 else parts[0]


def normalize_aoi(aoi: Any):
    """An AOI (GeoJSON dict or text, shapely geometry, or [w, s, e, n]) as a valid
    shapely Polygon/MultiPolygon in EPSG:4326."""
    if aoi is None:
        return None
    try:
        return _normalize_aoi(aoi)
    except InvalidRequestError:
        raise
    except Exception as err:  # noqa: BLE001 - shapely/GEOS errors on broken coordinates
        from .net.redact import redact_text

        raise InvalidRequestError(
            "The area of interest is not a valid geometry (broken or missing coordinates).",
            details=f"{type(err).__name__}: {redact_text(str(err)[:200])}") from err


def _normalize_aoi(aoi: Any):
    sg = _shapely()
    if isinstance(aoi, str):
        try:
            aoi = json.loads(aoi)
        except ValueError as err:
            raise InvalidRequestError("The area of interest is not valid GeoJSON.") from err
    if isinstance(aoi, (list, tuple)):
        if len(aoi) != 4:
            raise InvalidRequestError("A bounding box needs four numbers: west, south, east, north.")
        w, s, e, n = (float(v) for v in aoi)
        if s > n:
            raise InvalidRequestError("The bounding box's south edge is north of its north edge.")
        if w > e:  # crosses the antimeridian
            geom = sg.box(w, s, e + 360, n)
        else:
            geom = sg.box(w, s, e, n)
    elif isinstance(aoi, Mapping):
        if aoi.get("type") == "Feature":
            aoi = aoi.get("geometry") or {}
        if aoi.get("type") == "FeatureCollection":
            from shapely.ops import unary_union
            geoms = [sg.shape(f["geometry"]) for f in aoi.get("features", []) if f.get("geometry")]
            geom = unary_union(geoms) if geoms else sg.Polygon()
        else:
            try:
                geom = sg.shape(aoi)
            except Exception as err:  # shapely raises several types here
                raise InvalidRequestError("The area of interest is not a valid GeoJSON geometry.") from err
    elif hasattr(aoi, "geom_type"):
        geom = aoi
    else:
        raise InvalidRequestError("The area of interest must be a polygon, a GeoJSON geometry or a bounding box.")
    if geom.is_empty:
        raise InvalidRequestError("The area of interest is empty: draw or choose a polygon first.")
    if not all(math.isfinite(v) for v in geom.bounds):
        raise InvalidRequestError("The area of interest has coordinates that are not numbers (NaN or infinite).")
    if geom.geom_type not in ("Polygon", "MultiPolygon"):
        if geom.geom_type in ("Point", "MultiPoint", "LineString", "MultiLineString"):
            raise InvalidRequestError(
                f"The area of interest is a {geom.geom_type}, not an area: use a polygon, a "
                "rectangle or a map extent.")
        geom = make_valid(geom)
    _miny, _maxy = geom.bounds[1], geom.bounds[3]
    if _miny < -90 or _maxy > 90:
        raise InvalidRequestError(
            "The area of interest has latitudes beyond ±90°: is it in EPSG:4326 (longitude, latitude)?")
    if not geom.is_valid:
        geom = make_valid(geom)
    if geom.is_empty or geom.area == 0:
        raise InvalidRequestError("The area of interest has no area (a self-crossing or flat polygon?).")
    return split_antimeridian(geom)


# --------------------------------------------------------------------------- sorting
@dataclass(frozen=True)
class SortField:
    field: str
    descending: bool = False

    @classmethod
    def parse_list(cls, value: Union[None, str, Sequence[Any]]) -> Tuple["SortField", ...]:
        """``"-datetime,eo:cloud_cover"`` or a list of such strings / SortFields."""
        if not value:
            return ()
        items = value.split(",") if isinstance(value, str) else list(value)
        out = []
        for item in items:
            if isinstance(item, SortField):
                out.append(item)
                continue
            text = str(item).strip()
            if not text:
                continue
            desc = text.startswith("-")
            name = text.lstrip("+-").strip()
            if name.startswith("properties."):
                name = name[len("properties."):]
            if not re.match(r"^[A-Za-z_][\w:.\-]*$", name):
                raise InvalidRequestError(f"“{text}” is not a property name to sort by.")
            out.append(cls(name, desc))
        return tuple(out)

    def __str__(self) -> str:
        return ("-" if self.descending else "") + self.field


# --------------------------------------------------------------------------- request
@dataclass(frozen=True)
class SearchRequest:
    """A validated search. Build it with :meth:`create`.

    ``start``/``end`` are aware UTC datetimes (``end`` inclusive); ``aoi`` is a shapely
    Polygon/MultiPolygon in EPSG:4326 or None; ``limit`` None means every result.
    ``provider_filters`` carries provider-specific filters (e.g. CDSE attributes).
    """

    aoi: Any = None
    start: Optional[_dt.datetime] = None
    end: Optional[_dt.datetime] = None
    collections: Tuple[str, ...] = ()
    max_cloud: Optional[float] = None
    cql2: Optional[str] = None
    sortby: Tuple[SortField, ...] = ()
    limit: Optional[int] = None
    ids: Tuple[str, ...] = ()
    provider_filters: Tuple[Tuple[str, Any], ...] = ()

    @classmethod
    def create(cls, *, aoi: Any = None, start: Any = None, end: Any = None,
               collections: Union[None, str, Iterable[str]] = None, max_cloud: Any = None,
               cql2: Optional[str] = None, sortby: Any = None, limit: Any = None,
               ids: Union[None, str, Iterable[str]] = None,
               provider_filters: Optional[Mapping[str, Any]] = None) -> "SearchRequest":
        start_dt = parse_instant(start, end=False, what="start date")
        end_dt = parse_instant(end, end=True, what="end date")
        if start_dt and end_dt and end_dt < start_dt:
            raise InvalidRequestError(
                f"The end date ({format_instant(end_dt)[:10]}) is before the start date "
                f"({format_instant(start_dt)[:10]}).")
        cloud = None
        if max_cloud not in (None, ""):
            try:
                cloud = float(max_cloud)
            except (TypeError, ValueError) as err:
                raise InvalidRequestError(f"Maximum cloud cover “{max_cloud}” is not a number.") from err
            if not 0 <= cloud <= 100:
                raise InvalidRequestError(f"Maximum cloud cover must be between 0 and 100 %, not {cloud:g}.")
        lim = None
        if limit not in (None, "", 0, "0"):
            try:
                lim = int(limit)
            except (TypeError, ValueError) as err:
                raise InvalidRequestError(f"The result cap “{limit}” is not a whole number.") from err
            if lim < 0:
                raise InvalidRequestError("The result cap cannot be negative (0 means every result).")
        cql = (cql2 or "").strip() or None
        return cls(
            aoi=normalize_aoi(aoi),
            start=start_dt,
            end=end_dt,
            collections=_str_tuple(collections),
            max_cloud=cloud,
            cql2=cql,
            sortby=SortField.parse_list(sortby),
            limit=lim,
            ids=_str_tuple(ids),
            provider_filters=tuple(sorted((provider_filters or {}).items())),
        )

    # convenient views ------------------------------------------------------
    @property
    def aoi_geojson(self) -> Optional[dict]:
        if self.aoi is None:
            return None
        return _shapely().mapping(self.aoi) if hasattr(self.aoi, "geom_type") else self.aoi

    @property
    def bbox(self) -> Optional[Tuple[float, float, float, float]]:
        return tuple(self.aoi.bounds) if self.aoi is not None else None

    @property
    def datetime_interval(self) -> Optional[str]:
        """STAC ``datetime`` parameter (``a/b``, ``../b``...), or None for no bound."""
        if self.start is None and self.end is None:
            return None
        return f"{format_instant(self.start)}/{format_instant(self.end)}"

    def filters(self) -> Dict[str, Any]:
        return dict(self.provider_filters)

    def with_changes(self, **changes: Any) -> "SearchRequest":
        return replace(self, **changes)


def _str_tuple(value: Union[None, str, Iterable[str]]) -> Tuple[str, ...]:
    if not value:
        return ()
    if isinstance(value, str):
        value = value.split(",")
    return tuple(v.strip() for v in value if v and str(v).strip())


# --------------------------------------------------------------------------- results
@dataclass(frozen=True)
class Checksum:
    """A published checksum: ``algorithm`` in hashlib's names (``sha256``, ``md5``...)."""

    algorithm: str
    hexdigest: str


@dataclass
class Asset:
    key: str
    href: str
    media_type: Optional[str] = None
    roles: Tuple[str, ...] = ()
    title: Optional[str] = None
    size: Optional[int] = None
    checksum: Optional[Checksum] = None
    extra: Dict[str, Any] = field(default_factory=dict)

    @property
    def is_cog(self) -> bool:
        mt = (self.media_type or "").lower()
        return "geotiff" in mt or "tiff" in mt or self.href.lower().split("?")[0].endswith((".tif", ".tiff"))

    @property
    def is_data(self) -> bool:
        return "data" in self.roles or not self.roles

    def to_dict(self) -> dict:
        d = {"href": self.href, "type": self.media_type, "roles": list(self.roles)}
        if self.title:
            d["title"] = self.title
        if self.size is not None:
            d["size"] = self.size
        if self.checksum:
            d["checksum"] = f"{self.checksum.algorithm}:{self.checksum.hexdigest}"
        return d


@dataclass(frozen=True)
class SceneKey:
    """Canonical identity of an acquisition, the same across catalogs."""

    mission: str
    location: str  # tile (31TFJ), path/row (044034), orbit or h/v tile
    sensing_date: str  # YYYY-MM-DD
    level: str

    def __str__(self) -> str:
        return f"{self.mission}_{self.location}_{self.sensing_date}_{self.level}"


@dataclass
class Scene:
    """One search result (a STAC item or a catalog product)."""

    id: str
    collection: Optional[str]
    datetime: Optional[_dt.datetime]
    geometry: Optional[dict]
    bbox: Optional[Tuple[float, float, float, float]]
    cloud_cover: Optional[float] = None
    platform: Optional[str] = None
    thumbnail: Optional[str] = None
    assets: Dict[str, Asset] = field(default_factory=dict)
    properties: Dict[str, Any] = field(default_factory=dict)
    connection: Optional[str] = None
    scene_key: Optional[SceneKey] = None
    record: Dict[str, Any] = field(default_factory=dict)
    online: Optional[bool] = None
    self_href: Optional[str] = None

    @property
    def date_text(self) -> str:
        return format_instant(self.datetime) if self.datetime else ""


# How many lazy scenes keep their decoded record, assets and properties (the most recently
# read ones: the scene shown in the details panel, the few being streamed or downloaded).
DECODED_SCENES_KEPT = 64
_recently_decoded: "deque" = deque()
_decode_lock = threading.Lock()


class LazyScene(Scene):
    """A scene whose ``record``, ``properties`` and ``assets`` are decoded on first read.

    It keeps the table's fields (id, date, cloud cover, footprint...) as plain values and the
    full record as ``raw`` (the catalog's JSON text of the item, a few kB, or where it lies in
    the page of results it came in, see :attr:`raw`); ``codec`` decodes
    it: ``codec.decode(scene)`` returns ``(record, properties)`` and ``codec.assets(scene,
    record)`` the assets (built only when they are read). Holding 10,000 search results this
    way costs a third of their decoded dicts, and a search does not spend its time building
    240,000 asset objects nobody looks at. The decoded values of the last
    ``DECODED_SCENES_KEPT`` scenes read are kept; values given to the constructor or assigned
    are kept for good. Everything else behaves as :class:`Scene`.
    """

    def __init__(self, id: str, collection: Optional[str], datetime: Optional[_dt.datetime],
                 geometry: Optional[dict], bbox: Optional[Tuple[float, float, float, float]],
                 cloud_cover: Optional[float] = None, platform: Optional[str] = None,
                 thumbnail: Optional[str] = None, assets: Optional[Dict[str, "Asset"]] = None,
                 properties: Optional[Dict[str, Any]] = None, connection: Optional[str] = None,
                 scene_key: Optional[SceneKey] = None, record: Optional[Dict[str, Any]] = None,
                 online: Optional[bool] = None, self_href: Optional[str] = None, *,
                 raw: Union[None, str, Tuple[str, int, int]] = None, codec: Any = None):
        self.id = id
        self.collection = collection
        self.datetime = datetime
        self.geometry = geometry
        self.bbox = bbox
        self.cloud_cover = cloud_cover
        self.platform = platform
        self.thumbnail = thumbnail
        self.connection = connection
        self.scene_key = scene_key
        self.online = online
        self.self_href = self_href
        self._raw = raw
        self._codec = codec
        self._decoded: Optional[list] = None  # [record, properties, assets or None]
        self._fixed: Optional[Dict[str, Any]] = None  # values given or assigned
        for name, value in (("assets", assets), ("properties", properties), ("record", record)):
            if value is not None or raw is None:
                self._fix(name, {} if value is None else value)

    def _fix(self, name: str, value: Any) -> None:
        if self._fixed is None:
            self._fixed = {}
        self._fixed[name] = value

    def _lazy(self, index: int, name: str) -> Any:
        fixed = self._fixed
        if fixed is not None and name in fixed:
            return fixed[name]
        decoded = self._decoded
        if decoded is None:
            record, properties = self._codec.decode(self)
            decoded = [record, properties, None]
            self._decoded = decoded
            _remember_decoded(self)
        if index == 2 and decoded[2] is None:
            decoded[2] = self._codec.assets(self, decoded[0])
        return decoded[index]

    @property
    def raw(self) -> Optional[str]:
        """The record's text (``raw`` may also be given as ``(text, start, end)``: a piece of
        a larger document, e.g. one item of a page of results, not copied out of it)."""
        raw = self._raw
        if isinstance(raw, tuple):
            text, start, end = raw
            return text[start:end]
        return raw

    def raw_span(self) -> Optional[Tuple[str, int, int]]:
        """``(text, start, end)``: where the record's text is (the whole of ``raw`` when it
        was given as a string)."""
        raw = self._raw
        if raw is None or isinstance(raw, tuple):
            return raw
        return raw, 0, len(raw)

    def published_record_text(self) -> Optional[str]:
        """The record's JSON text as the catalog published it (before any signing), or None
        when the record was given or assigned."""
        if self._fixed is not None and "record" in self._fixed:
            return None
        return self.raw

    def forget_decoded(self) -> None:
        """Drop the decoded values (they are decoded again when read)."""
        self._decoded = None

    @property
    def record(self) -> Dict[str, Any]:  # type: ignore[override]
        return self._lazy(0, "record")

    @record.setter
    def record(self, value: Dict[str, Any]) -> None:
        self._fix("record", value)

    @property
    def properties(self) -> Dict[str, Any]:  # type: ignore[override]
        return self._lazy(1, "properties")

    @properties.setter
    def properties(self, value: Dict[str, Any]) -> None:
        self._fix("properties", value)

    @property
    def assets(self) -> Dict[str, "Asset"]:  # type: ignore[override]
        return self._lazy(2, "assets")

    @assets.setter
    def assets(self, value: Dict[str, "Asset"]) -> None:
        self._fix("assets", value)


def _remember_decoded(scene: LazyScene) -> None:
    with _decode_lock:
        _recently_decoded.append(weakref.ref(scene))
        while len(_recently_decoded) > DECODED_SCENES_KEPT:
            old = _recently_decoded.popleft()()
            if old is not None and old is not scene and not any(r() is old for r in _recently_decoded):
                old._decoded = None


@dataclass
class CollectionInfo:
    id: str
    title: Optional[str] = None
    description: Optional[str] = None
    temporal_extent: Tuple[Optional[str], Optional[str]] = (None, None)
    spatial_extent: Optional[Tuple[float, float, float, float]] = None
    license: Optional[str] = None
    keywords: Tuple[str, ...] = ()
    record: Dict[str, Any] = field(default_factory=dict)

    def tooltip(self) -> str:
        start, end = self.temporal_extent
        lines = [self.title or self.id]
        if self.description:
            desc = self.description.strip()
            lines.append(desc if len(desc) < 400 else desc[:400] + "…")
        lines.append(f"Time: {start or '…'} – {end or 'ongoing'}")
        if self.license:
            lines.append(f"Licence: {self.license}")
        return "\n".join(lines)


@dataclass
class Page:
    """One page of results; ``more`` says whether the server has further pages;
    ``progress``, when the catalog reports one, says how far the search is (CDSE date slices)."""

    scenes: List[Scene]
    more: bool = False
    matched: Optional[int] = None
    number: int = 1
    progress: Optional[Any] = None
