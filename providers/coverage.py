"""Cover an area with the fewest, clearest scenes: a greedy weighted set cover over the
scenes' footprints clipped to the area of interest, preferring one date and orbit (a seamless
mosaic) when that pass alone covers enough.

Areas are measured in longitude/latitude degrees² inside the AOI: only fractions of the AOI
are compared, so the scale cancels (a large AOI spanning many degrees of latitude weights its
poleward part a little more than an equal-area measure would).
"""
from __future__ import annotations

import datetime as _dt
import heapq
import itertools
import re
import warnings
from dataclasses import dataclass, field
from typing import Any, Callable, Dict, List, Optional, Sequence, Tuple

from . import errors
from .model import make_valid, normalize_aoi

# Weight of cloud cover in the greedy choice: a scene's new area counts
# new_area × (1 − cloud/100)^CLOUD_EXPONENT (a 50 % cloudy scene must bring twice the area of a
# clear one to be picked first). None (SAR, or not reported) counts as clear.
CLOUD_EXPONENT = 1.0
# Choosing between covers: one more scene is worth it when it saves half the (area-weighted)
# cloud cover: a clear pair beats one scene 60 % cloudy, one scene 40 % cloudy beats a clear pair.
CLOUD_PENALTY = 2.0
# below this fraction of the AOI a scene adds nothing worth a scene
MIN_GAIN = 1e-6
# fractions within this of the target count as reaching it (floating-point areas)
TOLERANCE = 1e-9
EXACT_LIMIT = 22
# greedy runs started from each of this many largest (and largest clear) scenes
SEEDS = 4
# ... when there are at most this many candidates (a large search has many near-equal starts)
SEEDED_UP_TO = 300
# clearer replacements tried for each chosen scene after the greedy cover
SWAP_TRIES = 40


@dataclass
class CoverageCandidate:
    """A scene that may cover part of the area: its footprint (GeoJSON in EPSG:4326, or a
    shapely geometry), cloud cover in %, acquisition time and orbit (same date + orbit = one
    seamless pass)."""

    id: str
    footprint: Any
    cloud_cover: Optional[float] = None
    datetime: Optional[_dt.datetime] = None
    orbit: Optional[str] = None


@dataclass
class CoverageResult:
    """The chosen scenes (ids, in the order picked), the fraction of the AOI they cover and a
    sentence saying so."""

    chosen: List[str]
    coverage: float
    target: float
    reached: bool
    added: Dict[str, float] = field(default_factory=dict)
    message: str = ""
    single_pass: bool = False


@dataclass
class _Piece:
    index: int
    id: str
    geom: Any          # footprint ∩ AOI
    area: float
    weight: float      # (1 − cloud/100)^k
    cloud: float
    pass_key: Optional[Tuple[Any, ...]]
    bounds: Tuple[float, float, float, float] = (0.0, 0.0, 0.0, 0.0)


def _pct(value: float) -> str:
    text = f"{value * 100:.1f}"
    return text[:-2] if text.endswith(".0") else text


def _check_target(target: float) -> float:
    try:
        value = float(target)
    except (TypeError, ValueError) as err:
        raise errors.InvalidRequestError(f"The coverage target “{target}” is not a number.") from err
    if not 0 < value <= 1:
        raise errors.InvalidRequestError(
            f"The coverage target must be above 0 % and at most 100 %, not {value * 100:g} %.")
    return value


def _aoi(aoi: Any):
    if aoi is None:
        raise errors.InvalidRequestError("Best coverage needs an area of interest (a polygon).")
    return normalize_aoi(aoi)


def _shape(footprint: Any):
    from shapely.geometry import shape

    if footprint is None:
        return None
    try:
        geom = footprint if hasattr(footprint, "geom_type") else shape(footprint)
    except Exception:  # noqa: BLE001 - a broken footprint is skipped, not fatal
        return None
    if geom.is_empty or geom.geom_type not in ("Polygon", "MultiPolygon"):
        return None
    return make_valid(geom)


def orbit_of(properties: Optional[dict], scene_id: str = "") -> Optional[str]:
    """The relative orbit (or Landsat path) from a scene's properties or id, as text; None if
    unknown."""
    props = properties or {}
    for name in ("sat:relative_orbit", "relativeOrbitNumber", "relative_orbit", "s1:relative_orbit",
                 "landsat:wrs_path", "WRS_PATH", "wrs_path"):
        value = props.get(name)
        if value not in (None, ""):
            try:
                return str(int(float(value)))
            except (TypeError, ValueError):
                return str(value)
    match = re.search(r"_R(\d{3})_", scene_id or "")
    if match:
        return str(int(match.group(1)))
    return None


def _pass_key(candidate: CoverageCandidate) -> Optional[Tuple[Any, ...]]:
    if candidate.datetime is None:
        return None
    return (candidate.datetime.date(), candidate.orbit)


def _prepare(aoi_geom, candidates: Sequence[CoverageCandidate]) -> Tuple[List[_Piece], float]:
    """The candidates' footprints clipped to the AOI (STRtree + prepared AOI: only the
    footprints whose box meets the AOI are intersected)."""
    from shapely.prepared import prep
    from shapely.strtree import STRtree

    aoi_area = aoi_geom.area
    shapes = [(_shape(c.footprint), c) for c in candidates]
    valid = [(i, g, c) for i, (g, c) in enumerate(shapes) if g is not None]
    if not valid:
        return [], aoi_area
    geoms = [g for _i, g, _c in valid]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # shapely 1.8 warns that STRtree changes in 2.0
        tree = STRtree(geoms)
        hits = tree.query(aoi_geom)
    # shapely 2 answers indices, 1.8 the geometries themselves
    by_identity = {id(g): n for n, g in enumerate(geoms)}
    found = sorted(by_identity[id(h)] if hasattr(h, "geom_type") else int(h) for h in hits)
    prepared = prep(aoi_geom)
    pieces: List[_Piece] = []
    for hit in found:
        index, geom, cand = valid[hit]
        if not prepared.intersects(geom):
            continue
        piece = geom if prepared.contains(geom) else geom.intersection(aoi_geom)
        area = piece.area
        if area <= aoi_area * MIN_GAIN:
            continue
        cloud = cand.cloud_cover if cand.cloud_cover is not None else 0.0
        cloud = min(max(float(cloud), 0.0), 100.0)
        weight = max(1.0 - cloud / 100.0, 0.0) ** CLOUD_EXPONENT
        pieces.append(_Piece(index, cand.id, piece, area, weight, cloud, _pass_key(cand), tuple(piece.bounds)))
    return pieces, aoi_area


class _Cancelled(Exception):
    pass


def _greedy(pieces: List[_Piece], aoi_geom, aoi_area: float, target: float, max_scenes: Optional[int],
            cancel: Optional[Callable[[], bool]]) -> Tuple[List[_Piece], float, Dict[str, float]]:
    """The best (fewest scenes, then least cloud) of a few greedy covers: weighted by cloud and
    by area alone (a clear scene that covers little can cost an extra scene), each also started
    from one of the largest scenes (the greedy's first pick is not always in the best cover)."""
    best = None
    seeds: List[Optional[_Piece]] = [None]
    if len(pieces) <= SEEDED_UP_TO:
        by_area = sorted(pieces, key=lambda p: -p.area)[:SEEDS]
        by_weight = sorted(pieces, key=lambda p: -p.area * p.weight)[:SEEDS]
        seeds += list({id(p): p for p in by_area + by_weight}.values())
    for seed, weighted in itertools.product(seeds, (True, False)):
        found = _greedy_once(pieces, aoi_area, target, max_scenes, cancel, weighted, seed)
        reached = found[1] >= target - TOLERANCE
        rank = (not reached, -found[1] if not reached else 0.0, _cost(found[0]))
        if best is None or rank < best[0]:
            best = (rank, found)
    chosen, coverage, added = best[1]
    if coverage >= target - TOLERANCE:
        clearer = _swap_for_clearer(chosen, pieces, aoi_area, target, cancel)
        if clearer is not chosen:
            from shapely.ops import unary_union

            coverage = unary_union([p.geom for p in clearer]).area / aoi_area
            chosen, added = clearer, _added(clearer, aoi_area)
    return chosen, coverage, added


def _swap_for_clearer(chosen: List[_Piece], pieces: List[_Piece], aoi_area: float, target: float,
                      cancel: Optional[Callable[[], bool]]) -> List[_Piece]:
    """The same number of scenes, each replaced (cloudiest first) by the clearest other scene
    overlapping it that keeps the target: greedy picks by new area, so a scene chosen early can
    be a cloudier twin of one that would do as well."""
    from shapely.ops import unary_union

    goal = (target - TOLERANCE) * aoi_area
    current = list(chosen)
    in_use = {id(p) for p in current}
    for piece in sorted(chosen, key=lambda p: -p.cloud):
        if cancel is not None and cancel():
            raise _Cancelled()
        x0, y0, x1, y1 = piece.bounds
        rivals = sorted((q for q in pieces if id(q) not in in_use and q.cloud < piece.cloud
                         and q.bounds[0] <= x1 and q.bounds[2] >= x0 and q.bounds[1] <= y1 and q.bounds[3] >= y0),
                        key=lambda q: (q.cloud, -q.area))[:SWAP_TRIES]
        rest = [p for p in current if p is not piece]
        for rival in rivals:
            swapped = [rival if p is piece else p for p in current]
            if _cost(swapped) < _cost(current) and unary_union([p.geom for p in rest] + [rival.geom]).area >= goal:
                current = swapped
                in_use.discard(id(piece))
                in_use.add(id(rival))
                break
    return current if any(a is not b for a, b in zip(current, chosen)) else chosen


def _greedy_once(pieces: List[_Piece], aoi_area: float, target: float, max_scenes: Optional[int],
                 cancel: Optional[Callable[[], bool]], weighted: bool, seed: Optional[_Piece] = None
                 ) -> Tuple[List[_Piece], float, Dict[str, float]]:
    """Greedy (cloud-weighted) set cover with lazy gain updates (gains only shrink as the
    covered area grows, so a stale score is an upper bound); then picks made redundant by later
    ones are dropped, cloudiest first."""
    from shapely.ops import unary_union

    chosen: List[_Piece] = [] if seed is None else [seed]
    covered_area = 0.0 if seed is None else seed.area
    added: Dict[str, float] = {} if seed is None else {seed.id: seed.area / aoi_area}

    def weight(p: _Piece) -> float:
        return (p.weight or 1e-3) if weighted else 1.0

    # heap of (-score, cloud, order, number of picks when the score was computed, new area then, piece)
    heap = [(-(p.area * weight(p)), p.cloud, n, 0, p.area, p) for n, p in enumerate(pieces) if p is not seed]
    heapq.heapify(heap)
    rest: Dict[int, Any] = {}   # order -> what is left of that piece after the picks it has seen
    goal = (target - TOLERANCE) * aoi_area
    while heap and covered_area < goal:
        if max_scenes and len(chosen) >= max_scenes:
            break
        if cancel is not None and cancel():
            raise _Cancelled()
        _neg, cloud, n, seen, gain, piece = heapq.heappop(heap)
        if seen != len(chosen):
            w, s, e, nn = piece.bounds
            since = [c for c in chosen[seen:]
                     if c.bounds[0] < e and c.bounds[2] > w and c.bounds[1] < nn and c.bounds[3] > s]
            if since:
                # picks since then overlap it: its new area shrank, its score was only a bound;
                # what is left of it is kept, so each pick is subtracted from it once
                left = rest.get(n, piece.geom)
                for c in since:
                    left = left.difference(c.geom)
                rest[n] = left
                gain = left.area
                if gain > aoi_area * MIN_GAIN:
                    heapq.heappush(heap, (-(gain * weight(piece)), cloud, n, len(chosen), gain, piece))
                continue
            # nothing picked since overlaps it: the score is exact and the best left
        chosen.append(piece)
        covered_area += gain
        added[piece.id] = gain / aoi_area
    chosen = _drop_redundant(chosen, aoi_area, target)
    if len(chosen) != len(added):
        added = _added(chosen, aoi_area)
    covered_area = unary_union([p.geom for p in chosen]).area if chosen else 0.0
    return chosen, covered_area / aoi_area if aoi_area else 0.0, added


def _added(chosen: List[_Piece], aoi_area: float) -> Dict[str, float]:
    from shapely.ops import unary_union

    out: Dict[str, float] = {}
    covered = None
    for piece in chosen:
        gain = piece.area if covered is None else piece.geom.difference(covered).area
        out[piece.id] = gain / aoi_area
        covered = piece.geom if covered is None else unary_union([covered, piece.geom])
    return out


def _drop_redundant(chosen: List[_Piece], aoi_area: float, target: float) -> List[_Piece]:
    """Remove picks whose removal keeps the target (cloudiest first)."""
    from shapely.ops import unary_union

    if len(chosen) < 2:
        return chosen
    full = unary_union([p.geom for p in chosen]).area
    if full < target * aoi_area - TOLERANCE * aoi_area:
        return chosen  # target not reached: every pick adds area
    kept = list(chosen)
    for piece in sorted(chosen, key=lambda p: (-p.cloud, p.area)):
        rest = [p for p in kept if p is not piece]
        if rest and unary_union([p.geom for p in rest]).area >= target * aoi_area - TOLERANCE * aoi_area:
            kept = rest
    return kept


def _message(chosen: List[_Piece], coverage: float, target: float, reached: bool, *,
             max_scenes: Optional[int], available: int, pass_key=None) -> str:
    count = len(chosen)
    scenes = "1 scene covers" if count == 1 else f"{count} scenes cover"
    if reached:
        text = f"{scenes} {_pct(coverage)} % of the area (target {_pct(target)} %)"
        if pass_key is not None and count > 1:
            text += f", all from one pass ({pass_key[0].isoformat()}" + (
                f", orbit {pass_key[1]})" if pass_key[1] else ")")
        return text + "."
    if available == 0:
        return "No scene overlaps the area: search again with other dates, collections or a wider cloud limit."
    if max_scenes and count >= max_scenes:
        return (f"Stopped at the limit of {max_scenes} scene{'s' if max_scenes != 1 else ''}: "
                f"{'they cover' if count != 1 else 'it covers'} {_pct(coverage)} % of the area, "
                f"short of the target {_pct(target)} %. Allow more scenes or lower the target.")
    return (f"The target of {_pct(target)} % cannot be reached: all {available} overlapping scenes together cover "
            f"{_pct(coverage)} % of the area ({count} of them chosen). Search wider dates or "
            "allow more cloud, or lower the target.")


def _summary(chosen: List[_Piece]) -> Tuple[int, float]:
    """(number of scenes, their cloud cover in %, weighted by the area each covers)."""
    return len(chosen), sum(p.cloud * p.area for p in chosen) / max(sum(p.area for p in chosen), 1e-30)


def _cost(chosen: List[_Piece]) -> float:
    """What a cover costs: its scenes, plus CLOUD_PENALTY scenes' worth for a fully cloudy one."""
    count, cloud = _summary(chosen)
    return count + CLOUD_PENALTY * cloud / 100.0


def best_coverage(aoi: Any, candidates: Sequence[CoverageCandidate], target: float = 0.98,
                  max_scenes: Optional[int] = None,
                  cancel: Optional[Callable[[], bool]] = None) -> CoverageResult:
    """The fewest, clearest candidates that cover ``target`` (a fraction, 0.98 = 98 %) of the
    AOI, at most ``max_scenes`` (None or 0: no limit). When one date and orbit alone reaches the
    target, the best such pass is chosen (a seamless mosaic). ``cancel()`` returning True stops
    the search (the result then says so and holds what was chosen so far)."""
    from shapely.ops import unary_union

    target = _check_target(target)
    if max_scenes is not None and max_scenes < 0:
        raise errors.InvalidRequestError("The maximum number of scenes cannot be negative (0 means no limit).")
    max_scenes = max_scenes or None
    aoi_geom = _aoi(aoi)
    pieces, aoi_area = _prepare(aoi_geom, candidates)
    try:
        chosen, coverage, added = _greedy(pieces, aoi_geom, aoi_area, target, max_scenes, cancel)
        reached = coverage >= target - TOLERANCE
        single = None
        # one date + orbit that reaches the target alone: the best such pass, if it needs no
        # more scenes than the mixed choice plus one
        passes: Dict[Tuple[Any, ...], List[_Piece]] = {}
        for piece in pieces:
            if piece.pass_key is not None:
                passes.setdefault(piece.pass_key, []).append(piece)
        best_pass = None
        for key, members in passes.items():
            if cancel is not None and cancel():
                raise _Cancelled()
            if sum(p.area for p in members) < (target - TOLERANCE) * aoi_area:
                continue  # cannot reach it even without overlaps
            if unary_union([p.geom for p in members]).area < (target - TOLERANCE) * aoi_area:
                continue
            found, cov, add = _greedy(members, aoi_geom, aoi_area, target, max_scenes, cancel)
            if cov < target - TOLERANCE:
                continue
            rank = _cost(found)
            if best_pass is None or rank < best_pass[0]:
                best_pass = (rank, key, found, cov, add)
        if best_pass is not None and (not reached or best_pass[0] <= _cost(chosen) + 1):
            _rank, single, chosen, coverage, added = best_pass
            reached = True
    except _Cancelled:
        return CoverageResult([], 0.0, target, False, {}, "Best coverage was cancelled.")
    message = _message(chosen, coverage, target, reached, max_scenes=max_scenes, available=len(pieces),
                       pass_key=single)
    return CoverageResult([p.id for p in chosen], coverage, target, reached, added, message,
                          single_pass=single is not None)


def exact_minimum_cover(aoi: Any, candidates: Sequence[CoverageCandidate], target: float = 0.98,
                        cancel: Optional[Callable[[], bool]] = None) -> CoverageResult:
    """The true minimum: the smallest set of candidates reaching ``target``, the least cloudy
    (area-weighted) of those of that size, found by trying every combination. Only for small
    cases (at most EXACT_LIMIT overlapping candidates): benchmarks and tests compare
    :func:`best_coverage` with it."""
    from shapely.ops import unary_union

    target = _check_target(target)
    aoi_geom = _aoi(aoi)
    pieces, aoi_area = _prepare(aoi_geom, candidates)
    if len(pieces) > EXACT_LIMIT:
        raise errors.InvalidRequestError(
            f"The exact cover tries every combination: at most {EXACT_LIMIT} overlapping scenes, not {len(pieces)}.")
    goal = (target - TOLERANCE) * aoi_area
    total = unary_union([p.geom for p in pieces]).area if pieces else 0.0
    if total < goal:
        chosen = sorted(pieces, key=lambda p: p.index)
        return CoverageResult([p.id for p in chosen], total / aoi_area, target, False, _added(chosen, aoi_area),
                              _message(chosen, total / aoi_area, target, False, max_scenes=None,
                                       available=len(pieces)))
    for size in range(1, len(pieces) + 1):
        best = None
        for combo in itertools.combinations(pieces, size):
            if cancel is not None and cancel():
                return CoverageResult([], 0.0, target, False, {}, "Best coverage was cancelled.")
            if sum(p.area for p in combo) < goal:
                continue
            area = unary_union([p.geom for p in combo]).area
            if area >= goal:
                rank = _summary(list(combo))[1]
                if best is None or rank < best[0]:
                    best = (rank, list(combo), area)
        if best is not None:
            _rank, chosen, area = best
            return CoverageResult([p.id for p in chosen], area / aoi_area, target, True, _added(chosen, aoi_area),
                                  _message(chosen, area / aoi_area, target, True, max_scenes=None,
                                           available=len(pieces)))
    raise AssertionError("unreachable: the full set reaches the target")  # pragma: no cover
