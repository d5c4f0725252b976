"""Client-side search semantics: whether a scene matches a :class:`~.model.SearchRequest`,
and sorting. Static catalogs use all of it; the STAC API provider uses the single
predicates for whatever a server cannot do itself.

Semantics (the same for every provider):

* AOI: true geometric intersection of the scene footprint with the AOI polygon (a scene
  whose bbox touches the AOI but whose footprint does not is *not* a match). A scene
  with no footprint is tested with its bbox; a scene with neither matches only a search
  without AOI.
* Dates: inclusive at both ends. A scene with a time range (``start_datetime`` /
  ``end_datetime``, ISDeform's ``startDate``/``completionDate`` or ``date`` interval)
  matches when its range overlaps the requested one. A scene with no date at all matches
  only a search without dates.
* Cloud cover: a scene that does not state its cloud cover (radar, DEMs...) passes.
* CQL2: see :mod:`.cql2`; missing properties never match a comparison.
"""
from __future__ import annotations

import datetime as _dt
import functools
import threading
from collections import OrderedDict
from typing import Any, Iterable, List, Optional, Sequence, Tuple, Union

from . import cql2
from .model import Scene, SearchRequest, SortField, parse_instant

__all__ = ["scene_matches", "intersects_aoi", "within_dates", "cloud_ok", "cql2_ok",
           "ids_ok", "collections_ok", "scene_time_range", "scene_shape", "sort_scenes",
           "parse_cql2_cached"]


# ------------------------------------------------------------------------------ time
def _instant(value: Any, end: bool = False) -> Optional[_dt.datetime]:
    if value in (None, "", ".."):
        return None
    try:
        return parse_instant(value if isinstance(value, (_dt.date, _dt.datetime)) else str(value), end=end)
    except Exception:  # noqa: BLE001 - a broken date in a record must not break a search
        return None


def scene_time_range(scene: Scene) -> Tuple[Optional[_dt.datetime], Optional[_dt.datetime]]:
    """The time a scene covers as ``(start, end)`` aware UTC datetimes (equal for an
    instant, ``(None, None)`` when the record has no usable date).

    Looks at ``start_datetime``/``end_datetime``, ISDeform's ``startDate``/``completionDate``
    and ``date`` interval (``a/b``), then ``datetime``.
    """
    props = scene.properties or {}
    start = _instant(props.get("start_datetime"))
    end = _instant(props.get("end_datetime"), end=True)
    if start is None and end is None:
        start = _instant(props.get("startDate"))
        end = _instant(props.get("completionDate"), end=True)
    if start is None and end is None and isinstance(props.get("date"), str) and "/" in props["date"]:
        a, _, b = props["date"].partition("/")
        start, end = _instant(a.strip()), _instant(b.strip(), end=True)
    if start is None and end is None:
        moment = scene.datetime or _instant(props.get("datetime"))
        return moment, moment
    if start is None:
        start = end
    if end is None:
        end = start
    if end < start:  # a record with its bounds swapped
        start, end = end, start
    return start, end


def within_dates(scene: Scene, start: Optional[_dt.datetime], end: Optional[_dt.datetime]) -> bool:
    """Whether the scene's time (instant or range) overlaps ``[start, end]`` (inclusive,
    either bound may be None for an open end)."""
    if start is None and end is None:
        return True
    s, e = scene_time_range(scene)
    if s is None:
        return False
    if end is not None and s > end:
        return False
    if start is not None and e < start:
        return False
    return True


# --------------------------------------------------------------------------- geometry
def scene_shape(scene: Scene):
    """The scene footprint as a shapely geometry (its bbox when it has no footprint),
    or None when it has neither."""
    from shapely.geometry import box, shape
    if scene.geometry:
        try:
            geom = shape(scene.geometry)
            if not geom.is_empty:
                if not geom.is_valid:
                    geom = geom.buffer(0) if geom.geom_type in ("Polygon", "MultiPolygon") else geom
                return geom
        except Exception:  # noqa: BLE001 - a broken footprint: use the bbox
            pass
    if scene.bbox and len(scene.bbox) >= 4:
        w, s, e, n = (float(v) for v in scene.bbox[:4])
        if w > e:  # crosses the antimeridian
            from shapely.geometry import MultiPolygon
            return MultiPolygon([box(w, s, 180, n), box(-180, s, e, n)])
        return box(w, s, e, n)
    return None


_prepared_lock = threading.Lock()
_prepared: "OrderedDict[int, Tuple[Any, Any]]" = OrderedDict()


def _prepare(aoi):
    """A prepared version of ``aoi`` (cached: a search tests many scenes against one AOI)."""
    key = id(aoi)
    with _prepared_lock:
        hit = _prepared.get(key)
        if hit is not None and hit[0] is aoi:
            _prepared.move_to_end(key)
            return hit[1]
    from shapely.prepared import prep
    prepared = prep(aoi)
    with _prepared_lock:
        _prepared[key] = (aoi, prepared)  # keeps aoi alive so its id is not reused
        while len(_prepared) > 8:
            _prepared.popitem(last=False)
    return prepared


def intersects_aoi(scene: Scene, aoi) -> bool:
    """Whether the scene footprint really intersects ``aoi`` (a shapely geometry in
    EPSG:4326, or None for no spatial filter). Falls back to the bbox when the scene
    has no footprint; a scene with neither is kept only when there is no AOI."""
    if aoi is None:
        return True
    if not hasattr(aoi, "geom_type"):
        from .model import normalize_aoi
        aoi = normalize_aoi(aoi)
    geom = scene_shape(scene)
    if geom is None:
        return False
    aw, as_, ae, an = aoi.bounds
    gw, gs, ge, gn = geom.bounds
    if gw > ae or ge < aw or gs > an or gn < as_:
        return False
    try:
        return bool(_prepare(aoi).intersects(geom))
    except Exception:  # noqa: BLE001 - GEOS can fail on odd geometries: use the bboxes
        return True


# ---------------------------------------------------------------------------- others
def cloud_ok(scene: Scene, max_cloud: Optional[float]) -> bool:
    """Whether the scene's cloud cover is at most ``max_cloud`` percent.

    A scene that does not state a cloud cover (radar, DEM, interferograms...) passes:
    excluding it would hide every product the filter does not apply to.
    """
    if max_cloud is None:
        return True
    cover = scene.cloud_cover
    if cover is None:
        props = scene.properties or {}
        for key in ("eo:cloud_cover", "cloud_cover", "cloudCover"):
            try:
                cover = float(props[key])
                break
            except (KeyError, TypeError, ValueError):
                continue
    if cover is None:
        return True
    return cover <= max_cloud


@functools.lru_cache(maxsize=64)
def parse_cql2_cached(text: str) -> Any:
    """:func:`cql2.parse`, cached by text (a search evaluates one filter many times)."""
    return cql2.parse(text)


def cql2_ok(scene: Scene, text_or_json: Union[None, str, dict, bool]) -> bool:
    """Whether the scene matches a CQL2 filter given as text or CQL2-JSON (None: yes)."""
    if text_or_json is None or (isinstance(text_or_json, str) and not text_or_json.strip()):
        return True
    expr = parse_cql2_cached(text_or_json.strip()) if isinstance(text_or_json, str) else text_or_json
    return cql2.evaluate(expr, scene)


def ids_ok(scene: Scene, ids: Sequence[str]) -> bool:
    return not ids or scene.id in ids


def collections_ok(scene: Scene, collections: Sequence[str]) -> bool:
    return not collections or (scene.collection is not None and scene.collection in collections)


def scene_matches(scene: Scene, request: SearchRequest) -> bool:
    """Whether a scene satisfies every criterion of ``request`` (cheapest tests first)."""
    return (ids_ok(scene, request.ids)
            and collections_ok(scene, request.collections)
            and cloud_ok(scene, request.max_cloud)
            and within_dates(scene, request.start, request.end)
            and intersects_aoi(scene, request.aoi)
            and cql2_ok(scene, request.cql2))


# ---------------------------------------------------------------------------- sorting
def sort_value(scene: Scene, name: str) -> Any:
    """The value a scene is sorted by for property ``name`` (None when it has none)."""
    if name.startswith("properties."):
        name = name[len("properties."):]
    if name == "id":
        return scene.id
    if name == "collection":
        return scene.collection
    if name == "datetime":
        return scene.datetime or scene_time_range(scene)[0]
    if name in ("eo:cloud_cover", "cloud_cover") and scene.cloud_cover is not None:
        return scene.cloud_cover
    if name == "platform" and scene.platform:
        return scene.platform
    value = (scene.properties or {}).get(name)
    if value is None and name in ("start_datetime", "end_datetime"):
        s, e = scene_time_range(scene)
        return s if name == "start_datetime" else e
    return value


def _rank(value: Any) -> Tuple[int, Any]:
    if isinstance(value, bool):
        return (0, int(value))
    if isinstance(value, (int, float)):
        return (0, value)
    if isinstance(value, _dt.datetime):
        return (1, (value if value.tzinfo else value.replace(tzinfo=_dt.timezone.utc)).timestamp())
    if isinstance(value, str):
        moment = _instant(value) if len(value) >= 10 and value[:4].isdigit() and value[4:5] == "-" else None
        return (1, moment.timestamp()) if moment else (2, value)
    return (3, str(value))


def sort_scenes(scenes: Iterable[Scene], sortby: Sequence[SortField]) -> List[Scene]:
    """Scenes sorted by the given fields (stable; scenes without a value go last in
    either direction)."""
    out = list(scenes)
    for sf in reversed(tuple(sortby or ())):
        valued = [(s, sort_value(s, sf.field)) for s in out]
        have = [(s, v) for s, v in valued if v is not None]
        missing = [s for s, v in valued if v is None]
        have.sort(key=lambda pair: _rank(pair[1]), reverse=sf.descending)
        out = [s for s, _ in have] + missing
    return out
