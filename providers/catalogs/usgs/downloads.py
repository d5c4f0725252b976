"""USGS M2M downloads through the shared download engine.

M2M hands out file URLs only after a ``download-request`` (the USGS sample script
``download_sample.py``; recorded ``usgs-m2m/kapadia-usgs/download-*.json``):

1. ``download-options {datasetName, entityIds}``: the products of each scene, with ``id``,
   ``filesize``, ``available`` and ``secondaryDownloads[]`` (one entry per band file, whose
   ``displayId`` is the file name and ``entityId`` its own);
2. ``download-request {downloads:[{entityId, productId}], label}`` with a label unique to the
   request: ``availableDownloads`` can be fetched at once, ``preparingDownloads`` are staged;
3. ``download-retrieve {label}`` lists the label's downloads with their ``entityId``: the
   ``available`` ones have a URL, the ``requested`` ones are still being prepared. It is polled
   (30 s at first, as the sample script does, then backing off) until every file has a URL.

Each :class:`~...download.jobs.DownloadJob` made here has a ``resolver``: the engine calls it
when the job's turn comes (after checking whether the file is already there); the first call
sends steps 1-3 for every job of the batch not already downloaded, so the files M2M has ready
start at once while the others are prepared. File names follow ``Content-Disposition``.
"""
from __future__ import annotations

import datetime as _dt
import logging
import os
import threading
import time
import uuid
from dataclasses import dataclass
from typing import Any, Callable, Dict, Iterable, List, Optional

from ... import errors
from ...download.jobs import NOT_READY, DownloadJob, safe_name
from ...download.manifest import Manifest
from ...model import Scene
from .api import DownloadLimitError, M2MClient
from .records import BUNDLE, band_file_name, file_suffix

LOG = logging.getLogger(__name__)

RETRIEVE_INTERVAL = 30.0       # the USGS sample script polls download-retrieve every 30 s
RETRIEVE_INTERVAL_MAX = 300.0
WAIT_PER_TURN = 0.5            # a waiting job's turn: then the engine lets others go first


@dataclass
class _Wanted:
    dataset: str
    entity_id: str
    display_id: str
    key: str
    download_entity: Optional[str] = None   # the entityId M2M lists the download under
    product_id: Optional[str] = None
    url: Optional[str] = None
    error: Optional[errors.EoSceneFinderError] = None
    requested: bool = False
    label: str = ""
    job: Optional[DownloadJob] = None


class UsgsDownloadBatch:
    """The jobs of one download run on one connection, requested from M2M together."""

    def __init__(self, client: M2MClient, *, interval: float = RETRIEVE_INTERVAL,
                 interval_max: float = RETRIEVE_INTERVAL_MAX, clock: Callable[[], float] = time.monotonic,
                 limit: Optional[Dict[str, Any]] = None):
        self.client = client
        self.interval = max(0.01, float(interval))
        self.interval_max = max(self.interval, float(interval_max))
        self.clock = clock
        self.cond = threading.Condition()
        self.wanted: Dict[int, _Wanted] = {}
        self.jobs: List[DownloadJob] = []
        self.labels: List[str] = []
        self.started = False
        # RATE_LIMIT_USER_DL: queue nothing more until it is over (shared by the provider's batches)
        self.limit: Dict[str, Any] = limit if limit is not None else {}
        self._polling = False
        self._next_poll = 0.0
        self._delay = self.interval

    # ------------------------------------------------------------------ jobs
    def add(self, job: DownloadJob, scene: Scene, key: str) -> None:
        props = scene.properties or {}
        entity = str(props.get("entityId") or (scene.record or {}).get("entityId") or "")
        if not entity:
            raise errors.InvalidRequestError(f"{scene.id} has no USGS entity id: search it again.")
        self.wanted[id(job)] = _Wanted(str(scene.collection or props.get("datasetName") or ""), entity,
                                       str(props.get("displayId") or scene.id), key, job=job)
        self.jobs.append(job)
        job.resolver = self.resolve

    def preparing(self) -> int:
        return sum(1 for w in self.wanted.values() if w.requested and w.url is None and w.error is None)

    # ------------------------------------------------------------------ the engine's hook
    def resolve(self, job: DownloadJob, should_stop: Callable[[], bool], report: Callable[[str], None]) -> Optional[str]:
        """The URL of ``job`` once M2M has it ready; ``NOT_READY`` after a short wait while USGS
        prepares it (the engine lets the other jobs go first, then asks again); None when
        cancelled."""
        wanted = self.wanted[id(job)]
        with self.cond:
            if not wanted.requested and wanted.error is None:
                stopped = self.limit.get("error")
                if stopped is not None and _dt.datetime.now(_dt.timezone.utc) < stopped.retry_at:
                    raise stopped
                self._request(job)
                self.cond.notify_all()
            give_up = self.clock() + WAIT_PER_TURN
            while True:
                if wanted.error is not None:
                    raise wanted.error
                if wanted.url:
                    return wanted.url
                if should_stop():
                    return None
                count = self.preparing()
                report(f"USGS is preparing {count} file{'s' if count != 1 else ''}")
                now = self.clock()
                if not self._polling and now >= self._next_poll:
                    self._polling = True
                    self.cond.release()
                    labels = list(self.labels)
                    try:
                        found = self._retrieve(labels)
                    finally:
                        self.cond.acquire()
                        self._polling = False
                    self._delay = min(self.interval_max, self._delay * 1.5)
                    self._next_poll = self.clock() + self._delay
                    self._apply(found, labels)
                    self.cond.notify_all()
                    continue
                if now >= give_up:
                    return NOT_READY
                self.cond.wait(min(0.2, max(0.01, min(self._next_poll, give_up) - now)))

    # ------------------------------------------------------------------ M2M calls
    def _request(self, trigger: DownloadJob) -> None:
        """download-options + download-request (+ one download-retrieve to learn which
        download is which) for every job not yet requested and not already downloaded."""
        pending = [j for j in self.jobs if not self.wanted[id(j)].requested and self.wanted[id(j)].error is None
                   and (j is trigger or not _present(j))]
        try:
            self._options(pending)
            ready = [j for j in pending if self.wanted[id(j)].error is None]
            if not ready:
                return
            label = f"eosf-{uuid.uuid4().hex}"
            downloads = [{"entityId": self.wanted[id(j)].download_entity, "productId": self.wanted[id(j)].product_id}
                         for j in ready]
            data = self.client.call("download-request", {"downloads": downloads, "label": label,
                                                          "returnAvailable": True}) or {}
        except DownloadLimitError as err:
            LOG.info("USGS download limit reached: %s", err.user_message)
            self.limit["error"] = err
            for j in pending:
                if self.wanted[id(j)].error is None:
                    self.wanted[id(j)].error = err
            return
        except (errors.AuthenticationError, errors.BadRequestError, errors.InvalidRequestError) as err:
            # the same answer would come for every other job: they fail with it, unasked
            for j in pending:
                if self.wanted[id(j)].error is None:
                    self.wanted[id(j)].error = err
            raise
        self.labels.append(label)
        self.started = True
        for j in ready:
            self.wanted[id(j)].requested = True
            self.wanted[id(j)].label = label
        LOG.info("USGS download request %s: %d available, %d being prepared, %d failed", label,
                 len(data.get("availableDownloads") or ()), len(data.get("preparingDownloads") or ()),
                 len(data.get("failed") or ()))
        self._apply(self._retrieve([label]), [label])
        self._next_poll = self.clock() + self._delay

    def _options(self, jobs: Iterable[DownloadJob]) -> None:
        by_dataset: Dict[str, List[_Wanted]] = {}
        for j in jobs:
            w = self.wanted[id(j)]
            by_dataset.setdefault(w.dataset, []).append(w)
        for dataset, items in by_dataset.items():
            entities = sorted({w.entity_id for w in items})
            products = self.client.call("download-options", {"datasetName": dataset, "entityIds": entities}) or []
            by_entity: Dict[str, List[dict]] = {}
            for p in products:
                if isinstance(p, dict):
                    by_entity.setdefault(str(p.get("entityId")), []).append(p)
            for w in items:
                self._choose(w, by_entity.get(w.entity_id, []))

    def _choose(self, w: _Wanted, products: List[dict]) -> None:
        job = w.job
        if not products:
            w.error = errors.NotFoundError(f"USGS offers no download for {w.display_id}.")
            return
        if w.key == BUNDLE:
            bundles = [p for p in products if p.get("secondaryDownloads")] or products
            choice = max(bundles, key=lambda p: (bool(p.get("available")), int(p.get("filesize") or 0)))
            entity = str(choice.get("entityId") or w.entity_id)
        else:
            files = {}
            for p in products:
                for s in p.get("secondaryDownloads") or ():
                    suffix = file_suffix(w.display_id, str(s.get("displayId") or ""))
                    if suffix:
                        files.setdefault(suffix, s)
            choice = files.get(w.key)
            if choice is None:
                w.error = errors.NotFoundError(
                    f"USGS offers no file “{w.key}” for {w.display_id}; it offers: "
                    f"{', '.join(sorted(files)) or 'the bundle only'}.")
                return
            entity = str(choice.get("entityId") or "")
        if not choice.get("available", True):
            w.error = errors.OfflineProductError(f"USGS says {w.display_id} · {w.key} is not available for download now.")
            return
        w.product_id = str(choice.get("id") or "")
        w.download_entity = entity
        size = choice.get("filesize")
        if isinstance(size, (int, float)) and size > 0:
            job.size = int(size)   # no checksum in M2M: the size verifies the file

    def _retrieve(self, labels: Optional[List[str]] = None) -> List[dict]:
        out: List[dict] = []
        for label in labels or list(self.labels):
            data = self.client.call("download-retrieve", {"label": label}) or {}
            for state in ("available", "requested"):
                for item in data.get(state) or ():
                    if isinstance(item, dict):
                        out.append(dict(item, _state=state))
        return out

    def _apply(self, found: List[dict], labels: Iterable[str]) -> None:
        by_entity = {str(i.get("entityId")): i for i in found}
        labels = set(labels)
        for w in self.wanted.values():
            if not w.requested or w.url or w.error is not None or w.label not in labels:
                continue
            item = by_entity.get(str(w.download_entity))
            if item is None:
                w.error = errors.DownloadError(
                    f"USGS did not accept the download of {w.display_id} · {w.key} (not in its download list).")
            elif item["_state"] == "available" and item.get("url"):
                w.url = str(item["url"])


def _present(job: DownloadJob) -> bool:
    """Already downloaded and recorded: the engine will skip it, so it is not requested."""
    try:
        st = os.stat(job.dest_path)
    except OSError:
        return False
    entry = Manifest.for_folder(job.manifest_dir or os.path.dirname(job.dest_path)).lookup(job.dest_path)
    return bool(entry and entry.get("size") == st.st_size and entry.get("mtime_ns") == st.st_mtime_ns)


def make_jobs(batch: UsgsDownloadBatch, scene: Scene, keys: Iterable[str], output_folder: str,
              headers_source: Any = None, *, unpack: bool = False) -> List[DownloadJob]:
    """Jobs for ``keys`` of ``scene``: ``<output>/<dataset>/<product id>.tar`` for the bundle
    (``unpack``: extracted once verified), ``<output>/<dataset>/<product id>/<product id>_<suffix>``
    for band files."""
    output_folder = os.path.abspath(output_folder)
    collection_dir = os.path.join(output_folder, safe_name(scene.collection or "", "no-collection"))
    display_id = str((scene.properties or {}).get("displayId") or scene.id)
    jobs = []
    for key in keys:
        if key not in scene.assets:
            raise errors.InvalidRequestError(f"The scene {scene.id} has no asset “{key}”.")
        if key == BUNDLE:
            dest = os.path.join(collection_dir, safe_name(display_id) + ".tar")
            label = os.path.basename(dest)
        else:
            dest = os.path.join(collection_dir, safe_name(display_id), safe_name(band_file_name(display_id, key)))
            label = f"{scene.id} · {key}"
        job = DownloadJob(url=batch.client.api_url + "download-request", dest_path=dest,
                          key=f"{scene.connection or ''}|{scene.collection or ''}|{scene.id}|{key}", label=label,
                          manifest_dir=output_folder, name_from_response=True, unpack=unpack and key == BUNDLE)
        batch.add(job, scene, key)
        jobs.append(job)
    return jobs
