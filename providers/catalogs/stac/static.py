"""Static STAC catalogs (``catalog.json`` / ``collection.json`` trees on disk or over HTTP),
including collections nested in collections (ISDeform's run → geometry → product family →
date pair → items layout).

The tree is walked lazily and concurrently: a small pool of threads reads documents
(depth first, so the first items arrive early), matching scenes fill pages as they are
found, and the walk stops as soon as the consumer stops iterating. Every search applies
:func:`.filtering.scene_matches` client-side.

Pruning: a Collection whose declared ``extent`` (spatial bbox, temporal interval) cannot
match the request is not descended into. This trusts the declared extents: a collection
that declares a smaller extent than its items really cover will hide those items.

Documents that cannot be read (a broken link, a 404, bad JSON) are skipped and listed in
:attr:`StaticCatalogProvider.warnings`; only an unreadable root fails the search.
"""
from __future__ import annotations

import heapq
import itertools
import json
import os
import threading
from collections import Counter
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass
from typing import Any, Dict, Iterator, List, Optional, Sequence, Set, Tuple
from urllib.parse import unquote, urlsplit

from ... import errors, filtering
from ...net import http
from ...net.untrusted import is_local_reference
from ...base import Connection, Provider, SearchWarning, SearchResults
from ...model import CollectionInfo, Page, Scene, SearchRequest, parse_instant
from ...net.redact import redact_url
from .items import absolute_href, collection_to_info, item_to_scene

DEFAULT_WORKERS = 8
DEFAULT_PAGE_SIZE = 100
_ROOT_NAMES = ("catalog.json", "collection.json")


def _is_url(href: str) -> bool:
    return href.startswith(("http://", "https://"))


def _file_url_to_path(href: str) -> str:
    parts = urlsplit(href)
    return unquote(parts.path)


def _doc_kind(doc: Dict[str, Any]) -> str:
    kind = str(doc.get("type") or "")
    if kind == "Feature":
        return "item"
    if kind == "FeatureCollection":
        return "item-collection"
    if kind == "Collection" or ("extent" in doc and "license" in doc):
        return "collection"
    return "catalog"


@dataclass(frozen=True)
class _Ancestor:
    """A Collection above a node: its own id and its path-qualified id."""

    id: str
    path_id: str


@dataclass(frozen=True)
class _Node:
    href: str
    rel: str  # root, child, item, items, next
    ancestors: Tuple[_Ancestor, ...]
    order: Tuple[Tuple[int, int], ...]  # position in the tree: (items 0 / children 1, link index) per level


class _Walk:
    """One concurrent traversal of the tree. Iterate :meth:`documents` to drive it."""

    def __init__(self, provider: "StaticCatalogProvider", *, follow_items: bool,
                 request: Optional[SearchRequest] = None, workers: int = DEFAULT_WORKERS):
        self.provider = provider
        self.follow_items = follow_items
        self.request = request
        self.workers = max(1, int(workers))
        self._local = threading.local()
        self._sessions: List[Any] = []
        self._sessions_lock = threading.Lock()
        self.executor: Optional[ThreadPoolExecutor] = None
        self.finished = False
        self.leftover: List[Future] = []  # reads still running when the walk was closed

    # -- reading --------------------------------------------------------------
    def _session(self):
        session = getattr(self._local, "session", None)
        if session is None:
            session = http.new_session()
            self._local.session = session
            with self._sessions_lock:
                self._sessions.append(session)
        return session

    def read(self, href: str) -> Dict[str, Any]:
        self.provider._count_fetch()
        if _is_url(href):
            doc = http.get_json(self._session(), href, what="The catalog")
        else:
            try:
                with open(href, "rb") as fh:
                    doc = json.loads(fh.read().decode("utf-8"))
            except FileNotFoundError as err:
                raise errors.NotFoundError(f"The catalog file {href} does not exist.", url=href) from err
            except IsADirectoryError as err:
                raise errors.NotFoundError(f"{href} is a folder, not a STAC document.", url=href) from err
            except OSError as err:
                raise errors.ServiceError(f"The catalog file {href} cannot be read ({err.strerror}).",
                                          url=href) from err
            except (UnicodeDecodeError, ValueError) as err:
                raise errors.MalformedResponseError(f"The catalog file {href} is not valid JSON.",
                                                    url=href, details=str(err)) from err
        if not isinstance(doc, dict):
            raise errors.MalformedResponseError(f"{redact_url(href)} is not a STAC document (not a JSON object).",
                                                url=redact_url(href))
        return doc

    def release(self) -> None:
        """Close the HTTP sessions once the reads still running have finished."""
        running = [f for f in self.leftover if not f.done()]
        if not running:
            self.close_sessions()
            return
        remaining = [len(running)]
        lock = threading.Lock()

        def one_done(_future: Future) -> None:
            with lock:
                remaining[0] -= 1
                last = remaining[0] == 0
            if last:
                self.close_sessions()

        for future in running:
            future.add_done_callback(one_done)

    def close_sessions(self) -> None:
        with self._sessions_lock:
            sessions, self._sessions = self._sessions, []
        for session in sessions:
            try:
                session.close()
            except Exception:  # noqa: BLE001
                pass

    # -- traversal ------------------------------------------------------------
    def documents(self, root: str) -> Iterator[Tuple[_Node, Dict[str, Any]]]:
        """Yield ``(node, document)`` for every readable document, root first.

        Reads up to ``workers`` documents at a time; reads nothing while the consumer is
        not asking for more. Closing the generator cancels what has not started.
        """
        root_node = _Node(root, "root", (), ())
        root_doc = self.read(root)  # an unreadable root is an error, not a warning
        if not (root_doc.get("stac_version") or root_doc.get("type") in
                ("Catalog", "Collection", "Feature", "FeatureCollection")):
            raise errors.MalformedResponseError(
                f"{redact_url(root)} is not a STAC catalog or collection (no stac_version).",
                url=redact_url(root))
        visited: Set[str] = {self._key(root)}
        # pending reads, smallest tree position first: a depth-first, items-first walk
        # (a node's position sorts before its later siblings' whole subtrees)
        pending: List[Tuple[Tuple[Any, ...], int, _Node]] = []
        self.executor = ThreadPoolExecutor(max_workers=self.workers, thread_name_prefix="eosf-static")
        self.provider._register_executor(self)
        in_flight: Dict[Future, _Node] = {}

        def push(nodes: List[_Node]) -> None:
            for child in nodes:
                heapq.heappush(pending, (child.order, next(tie), child))

        tie = itertools.count()
        try:
            yield root_node, root_doc
            push(self._links(root_node, root_doc, visited))
            while pending or in_flight:
                while pending and len(in_flight) < self.workers:
                    node = heapq.heappop(pending)[2]
                    in_flight[self.executor.submit(self.read, node.href)] = node
                done, _ = wait(list(in_flight), return_when=FIRST_COMPLETED)
                # handle finished reads in tree order so sibling order stays stable
                for future in sorted(done, key=lambda f: in_flight[f].order):
                    node = in_flight.pop(future)
                    try:
                        doc = future.result()
                    except errors.EoSceneFinderError as err:
                        self.provider._warn(node.href, err)
                        continue
                    except Exception as err:  # noqa: BLE001 - one bad document must not stop the walk
                        self.provider._warn(node.href, errors.ServiceError(f"{type(err).__name__}: {err}"))
                        continue
                    yield node, doc
                    push(self._links(node, doc, visited))
        finally:
            # queued reads are cancelled; started ones finish in the background (bounded
            # by ``workers``) and their results are dropped
            self.leftover = [f for f in in_flight if not f.cancel()]
            self.executor.shutdown(wait=False, cancel_futures=True)
            self.finished = True

    @staticmethod
    def _key(href: str) -> str:
        return href if _is_url(href) else os.path.normcase(os.path.normpath(href))

    def _links(self, node: _Node, doc: Dict[str, Any], visited: Set[str]) -> List[_Node]:
        """The nodes to read below ``doc`` (items before children, so scenes come early)."""
        kind = _doc_kind(doc)
        if kind == "item":
            return []
        ancestors = node.ancestors
        if kind == "collection":
            cid = str(doc.get("id") or "")
            path = "/".join([a.id for a in ancestors] + [cid])
            ancestors = ancestors + (_Ancestor(cid, path),)
            if self.request is not None and not self.provider._extent_may_match(doc, self.request):
                return []
        items: List[_Node] = []
        children: List[_Node] = []
        # position: (0, i) for items, (1, i) for children, so items are read first
        for index, link in enumerate(doc.get("links") or []):
            if not isinstance(link, dict) or not link.get("href"):
                continue
            rel = link.get("rel")
            if rel == "child":
                target = children
            elif rel in ("item", "items") and self.follow_items:
                target = items
            elif rel == "next" and kind == "item-collection" and self.follow_items:
                target = items
            else:
                continue
            href = self.provider._absolute(str(link["href"]), node.href)
            if _is_url(node.href) and is_local_reference(href):
                # a document on the network linking to this computer's files: never read
                self.provider._warn(node.href, errors.InvalidRequestError(
                    f"A link points to a file on this computer ({os.path.basename(href)}); ignored."))
                continue
            key = self._key(href)
            if key in visited:
                continue
            visited.add(key)
            target.append(_Node(href, str(rel), ancestors,
                                node.order + ((1 if target is children else 0, index),)))
        return items + children


class StaticCatalogProvider(Provider):
    """A static STAC catalog: ``connection.url`` is a local path or http(s) URL of a
    ``catalog.json``/``collection.json``, or a folder holding one.

    Options: ``page_size`` (default 100), ``workers`` (concurrent reads, default 8).
    """

    kind = "static"

    def __init__(self, connection: Connection, credentials: Any = None):
        super().__init__(connection)
        self.documents_fetched = 0
        self._root: Optional[str] = None
        self._lock = threading.Lock()
        self._walks: List[_Walk] = []

    # -- housekeeping -----------------------------------------------------------
    def _count_fetch(self) -> None:
        with self._lock:
            self.documents_fetched += 1

    def _warn(self, href: str, err: errors.EoSceneFinderError) -> None:
        with self._lock:
            self.warnings.append(SearchWarning(f"Skipped {redact_url(href)}: {err.user_message}", redact_url(href)))

    def _register_executor(self, walk: _Walk) -> None:
        with self._lock:
            # forget walks that are over and have nothing running any more
            self._walks = [w for w in self._walks
                           if not (w.finished and all(f.done() for f in w.leftover))] + [walk]

    def warning_summary(self) -> Optional[str]:
        """“3 documents could not be read” or None."""
        n = len(self.warnings)
        if not n:
            return None
        return f"{n} document{'s' if n != 1 else ''} of the catalog could not be read and {'were' if n != 1 else 'was'} skipped."

    def wait_idle(self, timeout: Optional[float] = None) -> bool:
        """Wait until no read started by a finished walk is still running (a walk stops
        starting reads as soon as its consumer stops iterating). True when idle."""
        with self._lock:
            leftover = [f for w in self._walks if w.finished for f in w.leftover]
        _done, not_done = wait(leftover, timeout=timeout) if leftover else (set(), set())
        return not not_done

    def close(self) -> None:
        """Wait for background reads of finished walks and release their sessions."""
        self.wait_idle()
        with self._lock:
            walks = [w for w in self._walks if w.finished]
            self._walks = [w for w in self._walks if not w.finished]
        for walk in walks:
            walk.close_sessions()

    # -- hrefs ------------------------------------------------------------------
    def _absolute(self, href: str, base: str) -> str:
        if href.startswith("file://"):
            return _file_url_to_path(href)
        return absolute_href(href, base)

    def root_href(self) -> str:
        """The root document's absolute path or URL (a folder resolves to the
        ``catalog.json``/``collection.json`` inside)."""
        if self._root is not None:
            return self._root
        url = (self.connection.url or "").strip()
        if not url:
            raise errors.InvalidRequestError("The static catalog connection has no path or URL.")
        if url.startswith("file://"):
            url = _file_url_to_path(url)
        if _is_url(url):
            root = url
            if url.endswith("/"):
                root = url + _ROOT_NAMES[0]
                session = http.new_session()
                try:
                    for name in _ROOT_NAMES:
                        try:
                            http.request(session, "HEAD", url + name, what="The catalog", allow_redirects=True)
                            root = url + name
                            break
                        except errors.ServiceError:
                            continue
                finally:
                    session.close()
        else:
            path = os.path.abspath(os.path.expanduser(url))
            if os.path.isdir(path):
                found = [os.path.join(path, n) for n in _ROOT_NAMES if os.path.isfile(os.path.join(path, n))]
                if not found:
                    raise errors.NotFoundError(
                        f"The folder {path} holds no catalog.json or collection.json.", url=path)
                path = found[0]
            root = path
        self._root = root
        return root

    def reads_local_files(self) -> bool:
        """A catalog on this computer may point at its own files; one on the network never."""
        return not _is_url(self.root_href())

    def resolve_href(self, href: str) -> str:
        if href.startswith("file://"):
            return _file_url_to_path(href)
        if _is_url(href) or href.startswith(("/vsi", "s3://")) or os.path.isabs(href):
            return href
        return absolute_href(href, self.root_href())

    # -- pruning ------------------------------------------------------------------
    @staticmethod
    def _extent_may_match(doc: Dict[str, Any], request: SearchRequest) -> bool:
        """Whether a collection's declared extent can hold matching scenes (it trusts
        the declaration; a missing or unreadable extent never prunes)."""
        extent = doc.get("extent") if isinstance(doc.get("extent"), dict) else {}
        if request.aoi is not None:
            boxes = (extent.get("spatial") or {}).get("bbox") if isinstance(extent.get("spatial"), dict) else None
            if isinstance(boxes, list) and boxes and isinstance(boxes[0], list) and len(boxes[0]) >= 4:
                try:
                    b = [float(v) for v in boxes[0]]
                    w, s, e, n = (b[0], b[1], b[3], b[4]) if len(b) == 6 else b[:4]
                    aw, as_, ae, an = request.aoi.bounds
                    if s > an or n < as_:
                        return False
                    if w <= e and (w > ae or e < aw):
                        # an AOI crossing the antimeridian is split into ±180 parts, so
                        # plain bounds comparisons are safe here
                        return False
                except (TypeError, ValueError):
                    pass
        if request.start is not None or request.end is not None:
            temporal = extent.get("temporal") if isinstance(extent.get("temporal"), dict) else {}
            intervals = temporal.get("interval") if temporal else None
            if isinstance(intervals, list) and intervals and isinstance(intervals[0], list) and len(intervals[0]) == 2:
                try:
                    t0 = parse_instant(intervals[0][0]) if intervals[0][0] else None
                    t1 = parse_instant(intervals[0][1], end=True) if intervals[0][1] else None
                except errors.InvalidRequestError:
                    return True
                if request.end is not None and t0 is not None and t0 > request.end:
                    return False
                if request.start is not None and t1 is not None and t1 < request.start:
                    return False
        return True

    # -- collections ------------------------------------------------------------------
    def list_collections(self) -> List[CollectionInfo]:
        """Every Collection in the tree, nested ones included, in tree order. Ids that
        appear more than once are path-qualified (``run/geometry/id``) and say so in
        their title."""
        self.warnings = []
        walk = _Walk(self, follow_items=False, workers=int(self.connection.option("workers", DEFAULT_WORKERS)))
        found: List[Tuple[Tuple[Any, ...], _Node, Dict[str, Any]]] = []
        gen = walk.documents(self.root_href())
        try:
            for node, doc in gen:
                if _doc_kind(doc) == "collection":
                    found.append((node.order, node, doc))
        finally:
            gen.close()
            walk.release()
        found.sort(key=lambda t: t[0])
        counts = Counter(str(doc.get("id")) for _, _, doc in found)
        infos: List[CollectionInfo] = []
        used: Set[str] = set()
        for _, node, doc in found:
            info = collection_to_info(doc)
            if counts[info.id] > 1:
                parents = [a.id for a in node.ancestors]
                qualified = "/".join(parents + [info.id])
                candidate, k = qualified, 2
                while candidate in used:
                    candidate, k = f"{qualified}#{k}", k + 1
                where = " › ".join(parents) if parents else "the catalog root"
                info.title = f"{info.title or info.id} (in {where}; id “{info.id}” is not unique)"
                info.id = candidate
            used.add(info.id)
            infos.append(info)
        return infos

    # -- search ------------------------------------------------------------------
    def search(self, request: SearchRequest) -> SearchResults:
        if request.cql2:
            filtering.parse_cql2_cached(request.cql2)  # a syntax error is reported now, not mid-walk
        page_size = max(1, int(self.connection.option("page_size", DEFAULT_PAGE_SIZE)))
        return SearchResults(lambda: self._pages(request, page_size), limit=request.limit)

    def _scene(self, node: _Node, item: Dict[str, Any], standalone: bool) -> Scene:
        record = dict(item)
        # where we read an item is the truth for its relative hrefs (self links go stale
        # when a catalog is copied or mirrored)
        links = [l for l in (item.get("links") or []) if not (isinstance(l, dict) and l.get("rel") == "self")]
        if standalone:
            links.append({"rel": "self", "href": node.href, "type": "application/geo+json"})
        record["links"] = links
        if not record.get("collection") and node.ancestors:
            record["collection"] = node.ancestors[-1].id
        return item_to_scene(record, self.connection.name, base_href=node.href)

    @staticmethod
    def _in_collections(scene: Scene, node: _Node, wanted: Sequence[str]) -> bool:
        """A scene is in collection X when its collection is X, or when it lies anywhere
        below the Collection X (by id or path-qualified id)."""
        if not wanted:
            return True
        if scene.collection in wanted:
            return True
        return any(a.id in wanted or a.path_id in wanted for a in node.ancestors)

    def _matches(self, scene: Scene, node: _Node, request: SearchRequest, rest: SearchRequest) -> bool:
        return self._in_collections(scene, node, request.collections) and filtering.scene_matches(scene, rest)

    def _pages(self, request: SearchRequest, page_size: int) -> Iterator[Page]:
        self.warnings = []
        rest = request.with_changes(collections=())
        walk = _Walk(self, follow_items=True, request=request,
                     workers=int(self.connection.option("workers", DEFAULT_WORKERS)))
        gen = walk.documents(self.root_href())
        matched: List[Scene] = []
        number = 0
        try:
            for node, doc in gen:
                kind = _doc_kind(doc)
                if kind == "item":
                    candidates = [doc]
                elif kind == "item-collection":
                    candidates = [f for f in (doc.get("features") or []) if isinstance(f, dict)]
                else:
                    continue
                for item in candidates:
                    try:
                        scene = self._scene(node, item, standalone=kind == "item")
                    except Exception as err:  # noqa: BLE001 - a broken item is skipped, not fatal
                        self._warn(node.href, errors.MalformedResponseError(
                            f"an item could not be understood ({type(err).__name__})"))
                        continue
                    if self._matches(scene, node, request, rest):
                        matched.append(scene)
                if not request.sortby and len(matched) > page_size:
                    number += 1
                    yield Page(matched[:page_size], more=True, number=number)
                    matched = matched[page_size:]
        finally:
            gen.close()
            walk.release()
        if request.sortby:
            ordered = filtering.sort_scenes(matched, request.sortby)
            total = len(ordered)
            for start in range(0, max(total, 1), page_size):
                number += 1
                yield Page(ordered[start:start + page_size], more=start + page_size < total,
                           matched=total, number=number)
            return
        while len(matched) > page_size:
            number += 1
            yield Page(matched[:page_size], more=True, number=number)
            matched = matched[page_size:]
        number += 1
        yield Page(matched, more=False, matched=(number - 1) * page_size + len(matched), number=number)
