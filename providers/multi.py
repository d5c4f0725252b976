"""Several catalogs at once: which connections a user named, the same scene found in several
catalogs (grouped by its canonical :class:`~.model.SceneKey`), and which of its sources to use.

The preference rule (:class:`SourcePreference`) is plain and visible: cloud-optimised format
over archives, no credentials over credentials, free over requester-pays, online over offline
(long-term archive), then the measured download speed of the source's host.
"""
from __future__ import annotations

import datetime as _dt
import re
from dataclasses import dataclass
from typing import (TYPE_CHECKING, Any, Callable, Dict, Iterable, List, Mapping, Optional, Sequence, Tuple,
                    TypeVar)
from urllib.parse import urlsplit

from . import errors
from .model import Scene, SceneKey

if TYPE_CHECKING:  # pragma: no cover
    from .base import Connection
    from .download.speeds import HostSpeeds

T = TypeVar("T")

_KIND_PLUS = re.compile(r"^[a-z][a-z0-9-]*\+\S")
_URL = re.compile(r"^(https?|file)://", re.IGNORECASE)


# ------------------------------------------------------------------------ connections
def _is_connection_piece(piece: str, saved: Optional[Iterable[str]], after_query: bool) -> bool:
    """Whether ``piece`` names a catalog on its own (not the rest of a URL query value)."""
    from .connections import PRESETS

    head = piece.split("?", 1)[0].strip()
    if _KIND_PLUS.match(piece) or _URL.match(piece):
        return True
    if head.lower() in PRESETS or any(p.title.lower() == head.lower() for p in PRESETS.values()):
        return True
    if saved is not None:
        names = {s.lower() for s in saved}
        if piece.lower() in names:
            return True
    import os
    if os.path.exists(os.path.expanduser(piece)):
        return True
    if saved is None and not after_query and "=" not in piece and "&" not in piece:
        return True  # a saved connection's name (not known here)
    return False


def split_connections(text: str, saved: Optional[Iterable[str]] = None) -> List[str]:
    """The connection texts in ``text``: ``"earth-search; cdse"``, ``"earth-search,cdse"`` or one
    connection string whose query itself holds commas.

    ``;`` (and a new line) always separates; ``,`` separates only when every piece names a
    catalog on its own (preset id, saved name, URL, ``KIND+URL``). Without ``saved`` (the saved
    connections' names) a bare word counts as a saved name, unless it follows a piece with a
    ``?query`` (then the comma belongs to that query's value). Empty pieces and repeats are
    dropped (order kept)."""
    raw = (text or "").strip()
    if not raw:
        raise errors.InvalidRequestError("No catalog given: name a saved connection, a preset or a URL.")
    out: List[str] = []
    for chunk in re.split(r"[;\n]", raw):
        chunk = chunk.strip()
        if not chunk:
            continue
        pieces = [p.strip() for p in chunk.split(",")]
        pieces = [p for p in pieces if p]
        if len(pieces) > 1:
            ok = True
            for i, piece in enumerate(pieces):
                after_query = i > 0 and "?" in pieces[i - 1]
                if not _is_connection_piece(piece, saved, after_query):
                    ok = False
                    break
            parts = pieces if ok else [chunk.strip(", ")]
        else:
            parts = pieces
        for part in parts:
            if part not in out:
                out.append(part)
    if not out:
        raise errors.InvalidRequestError("No catalog given: name a saved connection, a preset or a URL.")
    return out


# ---------------------------------------------------------------------------- sources
def connection_facts(connection: "Connection") -> Tuple[bool, bool]:
    """``(needs_credentials, requester_pays)`` of a connection, from its kind's auth scheme: a
    scheme whose credentials are optional (the Planetary Computer's subscription key) needs
    none; the AWS requester-pays bucket needs keys and bills them."""
    from .auth.credentials import scheme_for

    scheme = scheme_for(connection)
    optional = scheme.session in ("none", "headers") and not scheme.required
    requester_pays = connection.kind == "aws" or connection.flag("requester_pays")
    needs = requester_pays or (scheme.id != "none" and not optional)
    return needs, requester_pays


def _first_data_asset(scene: Scene):
    for asset in scene.assets.values():
        if asset.is_data and asset.href:
            return asset
    return None


class SceneSource:
    """One catalog's copy of a scene, with the facts the preference rule uses.

    ``cog`` and ``host`` look at the scene's assets, so they are read on first use: grouping
    30,000 lazily decoded scenes never decodes them; ranking one scene's sources does."""

    __slots__ = ("connection", "scene", "needs_credentials", "requester_pays", "online", "_cog", "_host")

    def __init__(self, connection: str, scene: Scene, cog: Optional[bool] = None,
                 needs_credentials: bool = False, requester_pays: bool = False, online: bool = True,
                 host: Optional[str] = None):
        self.connection = connection
        self.scene = scene
        self.needs_credentials = bool(needs_credentials)
        self.requester_pays = bool(requester_pays)
        self.online = bool(online)
        self._cog = cog
        self._host = host

    @property
    def cog(self) -> bool:
        """Whether at least one data asset is a cloud-optimised GeoTIFF."""
        if self._cog is None:
            self._cog = any(a.is_data and a.is_cog for a in self.scene.assets.values())
        return self._cog

    @property
    def host(self) -> str:
        """``host[:port]`` of the first data asset, as the download engine measures it ("" when
        it has none)."""
        if self._host is None:
            asset = _first_data_asset(self.scene)
            self._host = urlsplit(asset.href).netloc.rsplit("@", 1)[-1].lower() if asset is not None else ""
        return self._host

    def __repr__(self) -> str:
        return f"SceneSource({self.connection!r}, {self.scene.id!r})"


def describe_source(connection: str, scene: Scene, *, needs_credentials: bool = False,
                    requester_pays: bool = False) -> SceneSource:
    """The source ``scene`` found through ``connection`` (its label); ``online`` is False only
    when the catalog says the product is offline (long-term archive)."""
    return SceneSource(connection, scene, needs_credentials=needs_credentials,
                       requester_pays=requester_pays, online=scene.online is not False)


# ----------------------------------------------------------------------------- groups
# Two scenes with the same key are one acquisition only when sensed within this of each other:
# a Sentinel-2 tile far north is seen by two orbits the same day, about 100 minutes apart, and
# the key (mission, tile, date, level) does not tell them apart; the catalogs' times for one
# acquisition differ by a few minutes at most (datatake start vs tile sensing time).
SAME_ACQUISITION = _dt.timedelta(minutes=30)


def same_acquisition(a: Optional[_dt.datetime], b: Optional[_dt.datetime]) -> bool:
    """Whether two sensing times (of scenes with the same key) can be one acquisition."""
    if a is None or b is None:
        return True
    try:
        return abs(a - b) <= SAME_ACQUISITION
    except TypeError:  # naive and aware: compare as UTC
        strip = lambda d: d.replace(tzinfo=None) if d.tzinfo is None else d.astimezone(_dt.timezone.utc).replace(tzinfo=None)  # noqa: E731
        return abs(strip(a) - strip(b)) <= SAME_ACQUISITION


class SceneGroup:
    """One acquisition (one SceneKey) and its sources, in arrival order."""

    __slots__ = ("key", "sources", "preferred", "order")

    def __init__(self, key: Optional[SceneKey], sources: Optional[List[SceneSource]] = None):
        self.key = key
        self.sources: List[SceneSource] = list(sources or [])
        self.preferred: Optional[SceneSource] = None
        self.order = 0  # its place in the order of first arrival (SceneGrouper)

    def representative(self) -> Scene:
        """The scene shown for the group: the preferred source's, else the first to arrive."""
        return (self.preferred or self.sources[0]).scene

    def union_properties(self) -> Dict[str, Tuple[Any, str]]:
        """Every property any source reports: ``name -> (value, connection)`` (the first source
        that has it wins)."""
        out: Dict[str, Tuple[Any, str]] = {}
        for source in self.sources:
            for name, value in source.scene.properties.items():
                if name not in out and value is not None:
                    out[name] = (value, source.connection)
        return out

    @property
    def cloud_cover(self) -> Optional[float]:
        values = [s.scene.cloud_cover for s in self.sources if s.scene.cloud_cover is not None]
        return min(values) if values else None

    @property
    def datetime(self):
        return self.representative().datetime

    @property
    def connections(self) -> List[str]:
        return [s.connection for s in self.sources]

    def __len__(self) -> int:
        return len(self.sources)

    def __repr__(self) -> str:
        return f"SceneGroup({self.key}, {self.connections})"


def _time_bin(when: Optional[_dt.datetime]) -> Optional[int]:
    """The SAME_ACQUISITION-wide bin of a sensing time (naive times taken as UTC, as
    :func:`same_acquisition` compares them)."""
    if when is None:
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=_dt.timezone.utc)
    return int(when.timestamp() // SAME_ACQUISITION.total_seconds())


def _first_match(bins: Dict[Optional[int], List["SceneGroup"]],
                 when: Optional[_dt.datetime]) -> Optional["SceneGroup"]:
    """The earliest group (arrival order) of one key sensed within SAME_ACQUISITION of
    ``when``: only its own and the neighbouring bins can hold one, and groups without a time
    (a scene without a time matches any: every bin is looked at)."""
    bin_ = _time_bin(when)
    best = None
    for b in (bins if bin_ is None else (bin_ - 1, bin_, bin_ + 1, None)):
        for candidate in bins.get(b, ()):
            if best is not None and candidate.order >= best.order:
                break  # a bin's groups are in arrival order
            if same_acquisition(candidate.sources[0].scene.datetime, when):
                best = candidate
                break
    return best


class SceneGrouper:
    """Incremental grouping for streamed rows (O(1) per add: 30,000 rows stay cheap): the same
    scene key sensed within :data:`SAME_ACQUISITION` is one scene."""

    def __init__(self) -> None:
        self.clear()

    def clear(self) -> None:
        self._groups: List[SceneGroup] = []
        # key -> the groups of that key by time bin (SAME_ACQUISITION wide; None: no time), so
        # a scene is compared with the groups of its own and the two neighbouring bins only: a
        # key seen at many times (a tile revisited, derived test items) stays O(1) per add
        self._by_key: Dict[SceneKey, Dict[Optional[int], List[SceneGroup]]] = {}
        self._by_source: Dict[Tuple[str, str], SceneGroup] = {}
        self._by_identity: Dict[int, SceneGroup] = {}

    def add(self, source: SceneSource) -> Tuple[SceneGroup, bool]:
        """Put ``source`` in its group: ``(group, is_new_group)``. The same (connection, id)
        added again (a repeated page) is not added twice. A scene joins the first group to
        arrive with its key whose first source was sensed within SAME_ACQUISITION of it."""
        ident = (source.connection, source.scene.id)
        known = self._by_source.get(ident)
        if known is not None:
            return known, False
        key = source.scene.scene_key
        bins = self._by_key.get(key) if key is not None else None
        group = _first_match(bins, source.scene.datetime) if bins else None
        new = group is None
        if new:
            group = SceneGroup(key)
            group.order = len(self._groups)
            self._groups.append(group)
            if key is not None:
                self._by_key.setdefault(key, {}).setdefault(_time_bin(source.scene.datetime), []).append(group)
        group.sources.append(source)
        self._by_source[ident] = group
        self._by_identity[id(source.scene)] = group
        return group, new

    def group_of(self, scene: Scene) -> Optional[SceneGroup]:
        """The group holding ``scene`` (the same object, or the same id from the same connection)."""
        found = self._by_identity.get(id(scene))
        if found is not None and any(s.scene is scene for s in found.sources):
            return found
        return self._by_source.get((scene.connection or "", scene.id))

    def groups(self) -> List[SceneGroup]:
        """The groups in order of first arrival."""
        return list(self._groups)

    def __len__(self) -> int:
        return len(self._groups)


def group_scenes(sources: Iterable[SceneSource]) -> List[SceneGroup]:
    """Sources grouped by scene key (in order of first arrival)."""
    grouper = SceneGrouper()
    for source in sources:
        grouper.add(source)
    return grouper.groups()


# ------------------------------------------------------------------------- preference
CRITERIA: Tuple[str, ...] = ("cog", "no_credentials", "free", "online", "speed")
CRITERION_TITLES: Dict[str, str] = {
    "cog": "cloud-optimised format over archives",
    "no_credentials": "no credentials needed over credentials",
    "free": "free over requester-pays",
    "online": "online over offline (long-term archive)",
    "speed": "faster measured download speed",
}
# what a source is / lacks, per criterion, for explanations
_GOOD = {"cog": "cloud-optimised", "no_credentials": "no credentials", "free": "free",
         "online": "online"}
_BAD = {"cog": "archive only", "no_credentials": "needs a login", "free": "requester-pays",
        "online": "offline (long-term archive)"}


def _fact(source: SceneSource, criterion: str) -> bool:
    if criterion == "cog":
        return source.cog
    if criterion == "no_credentials":
        return not source.needs_credentials
    if criterion == "free":
        return not source.requester_pays
    if criterion == "online":
        return source.online
    raise KeyError(criterion)


@dataclass(frozen=True)
class SourcePreference:
    """The order in which a scene's sources are tried: the criteria in :attr:`order` (a user may
    reorder or drop them), ties kept in arrival order."""

    order: Tuple[str, ...] = CRITERIA

    def __post_init__(self) -> None:
        unknown = [c for c in self.order if c not in CRITERIA]
        if unknown:
            raise errors.InvalidRequestError(
                f"“{unknown[0]}” is not a source preference; the criteria are: {', '.join(CRITERIA)}.")
        if len(set(self.order)) != len(self.order):
            raise errors.InvalidRequestError("A source preference names the same criterion twice.")

    def _sort_key(self, source: SceneSource, speeds: Optional["HostSpeeds"]) -> Tuple:
        key: List[Any] = []
        for criterion in self.order:
            if criterion == "speed":
                speed = speeds.speed(source.host) if speeds is not None and source.host else None
                key.append(-(speed or 0.0))
            else:
                key.append(0 if _fact(source, criterion) else 1)
        return tuple(key)

    def rank(self, sources: Iterable[SceneSource], speeds: Optional["HostSpeeds"] = None) -> List[SceneSource]:
        """The sources best first (a stable sort: equal sources keep their arrival order)."""
        return sorted(sources, key=lambda s: self._sort_key(s, speeds))

    def best(self, sources: Iterable[SceneSource], speeds: Optional["HostSpeeds"] = None) -> SceneSource:
        ranked = self.rank(sources, speeds)
        if not ranked:
            raise errors.InvalidRequestError("The scene has no source to use.")
        return ranked[0]

    def explain(self, chosen: SceneSource, others: Iterable[SceneSource],
                speeds: Optional["HostSpeeds"] = None) -> str:
        """Why ``chosen`` comes first, in plain words: “Planetary Computer: cloud-optimised, no
        credentials (CDSE needs a login)”."""
        others = [o for o in others if o is not chosen]
        good = [_GOOD[c] for c in self.order if c != "speed" and _fact(chosen, c)]
        text = f"{chosen.connection}: " + (", ".join(good) if good else "the only source left")
        reasons = []
        for other in others:
            for criterion in self.order:
                if criterion == "speed":
                    mine = speeds.speed(chosen.host) if speeds is not None and chosen.host else None
                    theirs = speeds.speed(other.host) if speeds is not None and other.host else None
                    if (mine or 0) > (theirs or 0):
                        reasons.append(f"{other.connection} is slower")
                        break
                    continue
                if _fact(chosen, criterion) and not _fact(other, criterion):
                    reasons.append(f"{other.connection} {_BAD[criterion]}" if criterion != "no_credentials"
                                   else f"{other.connection} needs a login")
                    break
                if _fact(other, criterion) and not _fact(chosen, criterion):
                    break
        if reasons:
            text += " (" + "; ".join(reasons) + ")"
        return text

    def describe(self) -> str:
        """The rule in words, best criterion first."""
        return "; then ".join(CRITERION_TITLES[c] for c in self.order) if self.order else \
            "the order in which the catalogs answered"

    def to_text(self) -> str:
        return ",".join(self.order)

    @classmethod
    def from_text(cls, text: Optional[str]) -> "SourcePreference":
        """The preference saved by :meth:`to_text` (empty or None: the default order)."""
        if text is None or not str(text).strip():
            return cls()
        return cls(tuple(p.strip() for p in str(text).split(",") if p.strip()))


def try_sources(sources: Sequence[SceneSource], action: Callable[[SceneSource], T],
                log: Callable[[str], None]) -> T:
    """``action`` on each source in turn until one succeeds; each failure is logged with the
    source tried next. When all fail, an error naming every source tried."""
    sources = list(sources)
    if not sources:
        raise errors.InvalidRequestError("The scene has no source to use.")
    failures: List[str] = []
    last: Optional[BaseException] = None
    for i, source in enumerate(sources):
        try:
            return action(source)
        except (errors.EoSceneFinderError, OSError) as err:
            last = err
            plain = getattr(err, "user_message", None) or str(err) or type(err).__name__
            failures.append(f"{source.connection}: {plain}")
            if i + 1 < len(sources):
                log(f"{source.connection} failed ({plain}): trying {sources[i + 1].connection}")
            else:
                log(f"{source.connection} failed ({plain}): no other source left")
    error = errors.EoSceneFinderError(
        f"Every source of the scene failed ({'; '.join(failures)}).")
    raise error from last


# ----------------------------------------------------------------------- collections
# Well-known equivalent collections: (name, {family: id}) where family is "stac" (STAC APIs,
# static catalogs, AWS), "odata" (CDSE, CREODIAS: collection + productType), "usgs", "cmr",
# "google". Ids from the catalogs' own listings (Earth Search v1, Planetary Computer, CDSE OData
# Collection/Name and productType, USGS M2M dataset names).
_EQUIVALENTS: Tuple[Dict[str, Any], ...] = (
    {"stac": ("sentinel-2-l2a", "sentinel-2-c1-l2a"), "odata": ("SENTINEL-2", "S2MSI2A"),
     "google": ("sentinel-2-l2a",)},
    {"stac": ("sentinel-2-l1c", "sentinel-2-c1-l1c"), "odata": ("SENTINEL-2", "S2MSI1C"),
     "google": ("sentinel-2-l1c",)},
    {"stac": ("sentinel-1-grd",), "odata": ("SENTINEL-1", "GRD"), "aws": ("sentinel-1-grd",)},
    {"stac": ("landsat-c2-l2", "landsat-c2l2-sr"), "usgs": ("landsat_ot_c2_l2",)},
    {"stac": ("landsat-c2-l1",), "usgs": ("landsat_ot_c2_l1",)},
    {"stac": ("sentinel-3-olci-lfr-l2-netcdf",), "odata": ("SENTINEL-3", "OL_2_LFR___")},
)
_FAMILY = {"stac-api": "stac", "static": "stac", "cdse": "odata", "creodias": "odata",
           "usgs": "usgs", "cmr": "cmr", "google": "google", "aws": "aws"}


def _entry_ids(entry: Dict[str, Any], family: str) -> Tuple[str, ...]:
    ids = entry.get(family) or ()
    return ids[:1] if family == "odata" else ids


def _find_entry(collection: str) -> Optional[Dict[str, Any]]:
    low = collection.lower()
    for entry in _EQUIVALENTS:
        for family, ids in entry.items():
            if family == "odata":
                continue
            if low in (i.lower() for i in ids):
                return entry
    return None


def equivalent_collections(collections: Sequence[str], connection_kind: str,
                           available: Optional[Sequence[str]] = None) -> List[str]:
    """The user's collection ids mapped to the ids of a catalog of ``connection_kind`` through
    well-known equivalents (``sentinel-2-l2a`` on a STAC API is ``SENTINEL-2`` on CDSE, with
    :func:`equivalent_filters` adding productType S2MSI2A). An id with no known equivalent is
    kept as it is; ids the catalog does not have are dropped when ``available`` is known."""
    family = _FAMILY.get(connection_kind, connection_kind)
    have = {a.lower(): a for a in available} if available is not None else None
    out: List[str] = []
    for collection in collections:
        entry = _find_entry(collection)
        mapped = _entry_ids(entry, family) if entry is not None else ()
        if not mapped:
            candidates: Tuple[str, ...] = (collection,)
        elif collection.lower() in (m.lower() for m in mapped):
            candidates = (collection,) + tuple(m for m in mapped if m.lower() != collection.lower())
        else:
            candidates = tuple(mapped)
        if have is None:
            chosen: Optional[str] = candidates[0]
        else:
            chosen = next((have[c.lower()] for c in candidates if c.lower() in have), None)
        if chosen is not None and chosen not in out:
            out.append(chosen)
    return out


def equivalent_filters(collections: Sequence[str], connection_kind: str) -> Dict[str, Any]:
    """Provider filters that narrow a mapped collection to the user's product (CDSE:
    ``productType``), or ``{}``."""
    if _FAMILY.get(connection_kind) != "odata":
        return {}
    types: List[str] = []
    for collection in collections:
        entry = _find_entry(collection)
        if entry is not None and len(entry.get("odata", ())) > 1:
            types.append(entry["odata"][1])
        elif entry is None:
            return {}  # a collection of the catalog's own: no narrowing
    if not types:
        return {}
    return {"productType": types[0] if len(types) == 1 else types}


def sources_from_scenes(scenes: Iterable[Scene], facts: Optional[Mapping[str, Tuple[bool, bool]]] = None
                        ) -> List[SceneSource]:
    """Sources for scenes whose ``connection`` is set; ``facts`` maps a connection label to
    ``(needs_credentials, requester_pays)``."""
    facts = facts or {}
    out = []
    for scene in scenes:
        label = scene.connection or ""
        needs, pays = facts.get(label, (False, False))
        out.append(describe_source(label, scene, needs_credentials=needs, requester_pays=pays))
    return out
