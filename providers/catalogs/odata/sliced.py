"""Search past the catalogue's ``$top``/``$skip`` limits: concurrent date slices sized from
the answers, re-split when full, deduplicated, streamed in date order with their progress."""
from __future__ import annotations

from typing import TYPE_CHECKING

import datetime as _dt
import json
import math
import threading
import time
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field, replace
from typing import Callable, Dict, Iterator, List, Optional, Tuple
from urllib.parse import quote, urlencode


from ... import errors
from ...model import Page, Scene, SearchRequest
from ...net import jsonstream
from ...net.jsonstream import collections_paused
from ...net.redact import redact_url
import logging
from .query import DEFAULT_CONCURRENCY, MAX_CONCURRENCY, MAX_SKIP, MAX_TOP, UTC, WHAT, _URL_SAFE, from_us, odata_instant, parse_us, to_us
from .records import modification_date, product_name, product_stem, record_to_scene
from ...net.ratelimit import _Cancelled

if TYPE_CHECKING:
    from .provider import CdseODataProvider

LOG = logging.getLogger(__name__)


@dataclass
class SearchProgress:
    """What a running CDSE search has done so far (for the panel's progress line)."""

    slices_done: int = 0
    slices_total: int = 1
    requests: int = 0
    cache_hits: int = 0
    products: int = 0
    duplicates: int = 0
    rate_limited: int = 0
    retries: int = 0
    complete_until: Optional[str] = None  # results are complete up to (asc) / back to (desc) this instant
    current: str = ""
    started: float = field(default_factory=time.monotonic)
    warnings: List[str] = field(default_factory=list)

    @property
    def elapsed(self) -> float:
        return time.monotonic() - self.started

    @property
    def fraction(self) -> float:
        return self.slices_done / self.slices_total if self.slices_total else 0.0

    def text(self) -> str:
        parts = [f"slice {self.slices_done}/{self.slices_total}", f"{self.products:,} products",
                 f"{self.requests} requests"]
        if self.cache_hits:
            parts.append(f"{self.cache_hits} from cache")
        if self.rate_limited:
            parts.append(f"slowed down {self.rate_limited}× by the service")
        return "Copernicus Data Space: " + ", ".join(parts)

    def snapshot(self) -> "SearchProgress":
        return replace(self, warnings=list(self.warnings))


@dataclass
class ProgressPage(Page):
    """A page of results with the search's :class:`SearchProgress`."""

    progress: Optional[SearchProgress] = None


# ------------------------------------------------------------------------------ search
class _Segment:
    __slots__ = ("lo", "hi", "state", "scenes", "first")

    def __init__(self, lo: int, hi: int, first: bool = False):
        self.lo, self.hi = lo, hi
        self.state = "pending"
        self.scenes: List[Scene] = []
        self.first = first


@dataclass
class _SegmentResult:
    scenes: List[Scene]
    remainder: Optional[Tuple[int, int]] = None
    density: float = 0.0  # products per microsecond in what was covered


class _SlicedSearch:
    """One search: date slices fetched concurrently, emitted in date order."""

    def __init__(self, provider: "CdseODataProvider", request: SearchRequest,
                 progress_callback: Optional[Callable[[SearchProgress], None]]):
        self.p = provider
        self.request = request
        self.callback = progress_callback
        self.progress = SearchProgress()
        self.lock = threading.Lock()
        self.cancel = threading.Event()
        opts = provider.connection
        self.page_size = max(1, min(MAX_TOP, int(opts.option("page_size", MAX_TOP))))
        self.concurrency = max(1, min(MAX_CONCURRENCY, int(opts.option("max_concurrency", DEFAULT_CONCURRENCY))))
        # a slice is sized to about one page; a slice that overflows is not wasted (its full
        # page is kept up to where it ended), an empty one is: so fewer, larger slices
        self.target = max(1, int(self.page_size * float(opts.option("slice_fill", 0.8))))
        self.max_pieces = 3 * self.concurrency
        self.limiter = provider.rate_limiter()
        # what to ask
        sortby = request.sortby
        date_sort = not sortby or sortby[0].field in ("datetime", "start_datetime", "ContentDate/Start")
        self.stream = date_sort
        self.descending = sortby[0].descending if (sortby and date_sort) else (not sortby)
        self.base_filter, self.residual, self.exact_aoi = provider.build_filter(request)
        self.expand = ["Attributes", "Assets"]
        lo = request.start or provider.default_start(request.collections)
        hi_dt = request.end or (_dt.datetime.now(UTC) + _dt.timedelta(days=2))
        self.lo, self.hi = to_us(lo), to_us(hi_dt) + 1  # inclusive end -> half-open
        self.limit = request.limit
        self.ids = {product_stem(i) for i in request.ids}
        self.collection_hint = request.collections[0] if len(request.collections) == 1 else None
        self.seen: Dict[str, str] = {}  # name -> ModificationDate emitted

    # ------------------------------------------------------------------ requests
    def url_for(self, lo: int, hi: int, top: int, skip: int = 0) -> str:
        clauses = list(self.base_filter)
        clauses.append(f"ContentDate/Start ge {odata_instant(lo)}")
        clauses.append(f"ContentDate/Start lt {odata_instant(hi)}")
        params = [("$filter", " and ".join(clauses)),
                  ("$orderby", "ContentDate/Start " + ("desc" if self.descending else "asc")),
                  ("$top", str(top))]
        if skip:
            params.append(("$skip", str(skip)))
        # one value per $expand, repeated: the service answers "$expand=Attributes,Assets"
        # with HTTP 400 (its own @odata.nextLink repeats the parameter)
        params.extend(("$expand", name) for name in self.expand)
        return self.p.catalogue_url + "/Products?" + urlencode(params, quote_via=quote, safe=_URL_SAFE)

    def fetch(self, url: str) -> dict:
        data = self.p.fetch_json(url, self.limiter, self.cancel, self._count)
        if not isinstance(data, dict) or not isinstance(data.get("value"), list):
            raise errors.MalformedResponseError(f"{WHAT} answered without a product list.", url=redact_url(url))
        return data

    def _count(self, kind: str) -> None:
        with self.lock:
            if kind == "request":
                self.progress.requests += 1
            elif kind == "cache":
                self.progress.cache_hits += 1
            elif kind == "429":
                self.progress.rate_limited += 1
            elif kind == "retry":
                self.progress.retries += 1

    # ------------------------------------------------------------------ one slice
    def run_segment(self, seg: _Segment) -> _SegmentResult:
        top = self.page_size
        if seg.first and self.limit and self.stream:
            top = min(top, max(1, self.limit))
        data = self.fetch(self.url_for(seg.lo, seg.hi, top))
        records = data["value"]
        texts = record_texts(records)
        if len(records) < top:
            return _SegmentResult(self.to_scenes(records, texts))
        if seg.first and self.limit and self.stream:
            scenes = self.to_scenes(records, texts)
            if len(scenes) >= self.limit:  # the first `limit` products in order: done
                return _SegmentResult(scenes)
        starts = [parse_us((r.get("ContentDate") or {}).get("Start")) for r in records]
        if any(s is None for s in starts):
            raise errors.MalformedResponseError(f"{WHAT} answered products without ContentDate/Start.")
        cut = starts[-1]
        if self.descending:
            keep = [r for r, s in zip(records, starts) if s > cut]
            remainder = (seg.lo, cut + 1)
            covered = seg.hi - (cut + 1)
        else:
            keep = [r for r, s in zip(records, starts) if s < cut]
            remainder = (cut, seg.hi)
            covered = cut - seg.lo
        if not keep:  # a whole page at one instant: page through that instant with $skip
            keep = self.fetch_instant(cut, texts)
            remainder = (seg.lo, cut) if self.descending else (cut + 1, seg.hi)
            covered = 1
        if remainder[0] >= remainder[1]:
            remainder = None
        return _SegmentResult(self.to_scenes(keep, texts), remainder, len(keep) / max(1, covered))

    def fetch_instant(self, instant: int, texts: Dict[int, tuple]) -> List[dict]:
        """Every product at one instant, paged with $skip (the service allows 10,000); where
        each record's text is goes into ``texts`` (see record_texts)."""
        out: List[dict] = []
        skip = 0
        while True:
            data = self.fetch(self.url_for(instant, instant + 1, self.page_size, skip))
            out.extend(data["value"])
            texts.update(record_texts(data["value"]))
            if len(data["value"]) < self.page_size:
                return out
            skip += self.page_size
            if skip > MAX_SKIP:
                with self.lock:
                    self.progress.warnings.append(
                        f"More than {MAX_SKIP + self.page_size:,} products share the instant "
                        f"{odata_instant(instant)}; the catalogue cannot list the others. Narrow the "
                        "search (collection, product type, area).")
                return out

    def to_scenes(self, records: List[dict], texts: Optional[Dict[int, tuple]] = None) -> List[Scene]:
        """Client-side steps: exact AOI, CQL2 leftovers, ids; duplicates within the slice.
        ``texts`` (see record_texts) says where each record's text is: the scenes keep
        that text, not the record's dicts (see LazyScene)."""
        with collections_paused():  # thousands of short-lived containers: see collections_paused
            return self._to_scenes(records, texts or {})

    def _to_scenes(self, records: List[dict], texts: Dict[int, tuple]) -> List[Scene]:
        from ... import filtering
        best: Dict[str, dict] = {}
        order: List[str] = []
        dups = 0
        for rec in records:
            name = rec.get("Name") or rec.get("Id")
            if name in best:
                dups += 1
                if (rec.get("ModificationDate") or "") > (best[name].get("ModificationDate") or ""):
                    best[name] = rec
                continue
            best[name] = rec
            order.append(name)
        if dups:
            with self.lock:
                self.progress.duplicates += dups
        scenes = []
        for name in order:
            jsonstream.breathe()  # let the GUI thread run between records
            rec = best[name]
            where = texts.get(id(rec))
            # the record's own piece of the page (the page is not held for it); a cached
            # answer has no text: the record is written again
            raw = where[0][where[1]:where[2]] if where else json.dumps(rec, separators=(",", ":"))
            try:
                scene = record_to_scene(rec, connection=self.p.connection.name,
                                        download_url=self.p.download_url, s3_bucket=self.p.s3_bucket,
                                        collection=self.collection_hint, raw=raw)
            except errors.MalformedResponseError as err:  # one bad record, not the slice
                with self.lock:
                    self.progress.warnings.append(err.user_message)
                continue
            if self.ids and product_stem(str(best[name].get("Name") or "")) not in self.ids:
                continue
            if self.exact_aoi and not filtering.intersects_aoi(scene, self.request.aoi):
                continue
            if self.residual is not None and not self.p.evaluate_residual(self.residual, scene):
                continue
            scenes.append(scene)
        return scenes

    # ------------------------------------------------------------------ planning
    def split(self, lo: int, hi: int, density: float) -> List[_Segment]:
        expected = density * (hi - lo)
        k = max(1, min(self.max_pieces, int(math.ceil(expected / self.target)))) if expected > 0 else 1
        k = min(k, max(1, hi - lo))
        bounds = [lo + (hi - lo) * i // k for i in range(k)] + [hi]
        pieces = [_Segment(bounds[i], bounds[i + 1]) for i in range(k) if bounds[i] < bounds[i + 1]]
        return list(reversed(pieces)) if self.descending else pieces

    def _notify(self) -> SearchProgress:
        with self.lock:
            snap = self.progress.snapshot()
        if self.callback is not None:
            try:
                self.callback(snap)
            except Exception:  # noqa: BLE001 - a broken progress display must not stop the search
                LOG.exception("progress callback failed")
        return snap

    # ------------------------------------------------------------------ the loop
    def initial_segments(self) -> List[_Segment]:
        """The period cut at each 1 January (UTC): no request spans more than a year. The
        service's documentation recommends splitting multi-year queries, which can outlive
        its gateway's time budget (HTTP 504). The slices come in emission order; the first
        one is marked (a search with a limit sizes its first request to the limit)."""
        bounds = [self.lo]
        year = from_us(self.lo).year + 1
        while True:
            cut = to_us(_dt.datetime(year, 1, 1, tzinfo=UTC))
            if cut >= self.hi:
                break
            bounds.append(cut)
            year += 1
        bounds.append(self.hi)
        pieces = [_Segment(bounds[i], bounds[i + 1]) for i in range(len(bounds) - 1) if bounds[i] < bounds[i + 1]]
        if self.descending:
            pieces.reverse()
        if pieces:
            pieces[0].first = True
        return pieces

    def pages(self) -> Iterator[Page]:
        segments: List[_Segment] = self.initial_segments()
        self.progress.slices_total = len(segments)
        inflight: Dict[Future, _Segment] = {}
        number = 0
        emitted = 0
        collected: List[Scene] = []
        pool = ThreadPoolExecutor(max_workers=self.concurrency, thread_name_prefix="eosf-cdse")
        try:
            while segments:
                # submit, in emission order, as many slices as the concurrency allows
                for seg in segments[: self.concurrency * 2]:
                    if len(inflight) >= self.concurrency:
                        break
                    if (self.limit and self.stream and seg is not segments[0] and segments[0].first
                            and segments[0].state != "done"):
                        break  # a limited search: the first slice may be enough on its own
                    if seg.state == "pending":
                        seg.state = "running"
                        inflight[pool.submit(self.run_segment, seg)] = seg
                # emit finished slices at the head, in order
                while segments and segments[0].state == "done":
                    seg = segments.pop(0)
                    fresh = self.dedupe_across(seg.scenes)
                    with self.lock:
                        self.progress.slices_done += 1
                        self.progress.complete_until = odata_instant(seg.lo if self.descending else seg.hi)
                        self.progress.current = (f"{odata_instant(seg.lo)[:10]} – {odata_instant(seg.hi - 1)[:10]}")
                    if self.stream:
                        emitted += len(fresh)
                        with self.lock:
                            self.progress.products = emitted
                        number += 1
                        snap = self._notify()
                        more = bool(segments) and not (self.limit and emitted >= self.limit)
                        yield ProgressPage(scenes=self.sort_within(fresh), more=more, matched=None,
                                           number=number, progress=snap)
                        if not more:
                            return
                    else:
                        collected.extend(fresh)
                        with self.lock:
                            self.progress.products = len(collected)
                        self._notify()
                if not segments:
                    break
                done, _ = wait(list(inflight), return_when=FIRST_COMPLETED)
                for fut in done:
                    seg = inflight.pop(fut)
                    result = fut.result()  # raises the slice's error
                    seg.scenes = result.scenes
                    seg.state = "done"
                    if result.remainder is not None:
                        lo, hi = result.remainder
                        if self.descending:
                            seg.lo = hi  # the part that was covered
                        else:
                            seg.hi = lo
                        pieces = self.split(lo, hi, result.density)
                        idx = segments.index(seg)
                        segments[idx + 1: idx + 1] = pieces
                        with self.lock:
                            self.progress.slices_total += len(pieces)
            if not self.stream:
                from ...filtering import sort_scenes
                ordered = sort_scenes(collected, self.request.sortby)
                chunk = self.page_size
                if not ordered:
                    yield ProgressPage(scenes=[], more=False, number=1, progress=self._notify())
                for i in range(0, len(ordered), chunk):
                    number += 1
                    yield ProgressPage(scenes=ordered[i:i + chunk], more=i + chunk < len(ordered),
                                       number=number, progress=self._notify())
            elif number == 0:
                yield ProgressPage(scenes=[], more=False, number=1, progress=self._notify())
        except _Cancelled:
            return
        finally:
            self.cancel.set()
            pool.shutdown(wait=False, cancel_futures=True)

    def dedupe_across(self, scenes: List[Scene]) -> List[Scene]:
        out = []
        dups = 0
        for scene in scenes:
            name = product_name(scene)
            mod = modification_date(scene)
            if name in self.seen:
                dups += 1
                continue
            self.seen[name] = mod
            out.append(scene)
        if dups:
            with self.lock:
                self.progress.duplicates += dups
        return out

    def sort_within(self, scenes: List[Scene]) -> List[Scene]:
        if len(self.request.sortby) > 1:
            from ...filtering import sort_scenes
            return sort_scenes(scenes, self.request.sortby)
        return scenes




def record_texts(records: List[dict]) -> Dict[int, tuple]:
    """``id(record) -> (page text, start, end)`` for a product list parsed with its text
    (a :class:`~...net.jsonstream.ElementList`); empty for any other list. The records must
    stay alive while the map is used (ids are reused once they are freed)."""
    if not isinstance(records, jsonstream.ElementList):
        return {}
    return {id(rec): records.span(i) for i, rec in enumerate(records)}
