"""Downloads: parallel, resumable, checksum-verified; never a corrupt file under a final name.

Pure Python + ``requests`` (no QGIS): the panel's download task and the Processing download
algorithm both drive :class:`DownloadEngine`.

- Data goes to ``<name>.part``. A restart sends ``Range: bytes=<n>-`` and accepts only a 206
  whose ``Content-Range`` starts at ``n``; a 200 means the server ignores ranges, so the
  file starts over. The hash is computed while writing (after a resume, over the existing
  ``.part`` first: local I/O). Only a verified ``.part`` is renamed (``os.replace``) to the
  final name. A checksum mismatch is retried once from scratch, then reported.
- ``.eo_scene_finder_manifest.json`` in the output folder lists verified files (size,
  mtime, checksum), so a re-run skips them without transferring or hashing anything.
- Retries with exponential backoff and jitter on connection errors, timeouts, 429 (honours
  ``Retry-After``, capped) and 5xx; a 401/403 asks the job's ``headers_provider`` to
  refresh once, then resumes; a 401 right after a refresh fails ("credentials rejected").
- Free disk space is checked before writing; a full disk stops the job with
  :class:`DiskFullError`, keeping the ``.part`` for a later resume.
- Redirects are followed here (not by requests), and credentials are dropped when the host
  changes.
"""
from __future__ import annotations

import errno
import http.client
import json
import logging
import os
import random
import re
import shutil
import threading
import time
import uuid
import zipfile
from collections import deque
from dataclasses import dataclass, field
from typing import Any, Callable, Dict, Iterable, List, Optional, Sequence, Tuple
from urllib.parse import unquote, urljoin, urlsplit

import requests

from . import checksums
from . import http as eohttp
from .errors import (AuthenticationError, ChecksumMismatchError, DiskFullError, DownloadError,
                     EoSceneFinderError, InvalidRequestError, MalformedResponseError,
                     OfflineProductError, RateLimitedError, ServerError, ServiceError,
                     ServiceTimeoutError, UnreachableError)
from .model import Asset, Checksum, Scene
from .redact import SECRET_HEADERS, redact_text, redact_url

LOG = logging.getLogger(__name__)

# job states, in the order a job goes through them
QUEUED = "queued"
DOWNLOADING = "downloading"
VERIFYING = "verifying"
DONE = "done"
SKIPPED = "skipped"
FAILED = "failed"
OFFLINE = "offline"
CANCELLED = "cancelled"
FINAL_STATES = frozenset({DONE, SKIPPED, FAILED, OFFLINE, CANCELLED})

MANIFEST_NAME = ".eo_scene_finder_manifest.json"
PART_SUFFIX = ".part"
WHAT = "The download server"
_REDIRECTS = (301, 302, 303, 307, 308)
_MAX_REDIRECTS = 10
_MIN_READ = 64 * 1024


# ------------------------------------------------------------------------- credentials
class HeadersProvider:
    """Credentials for downloads: ``headers(url)`` is asked before each request and
    ``refresh()`` after a 401/403 (return True when new credentials were obtained)."""

    def headers(self, url: str) -> Dict[str, str]:
        return {}

    def refresh(self) -> bool:
        return False


class StaticHeaders(HeadersProvider):
    """Fixed headers, with an optional ``refresh`` callable returning the new headers."""

    def __init__(self, headers: Optional[Dict[str, str]] = None,
                 refresh: Optional[Callable[[], Optional[Dict[str, str]]]] = None):
        self._headers = dict(headers or {})
        self._refresh = refresh
        self._lock = threading.Lock()

    def headers(self, url: str) -> Dict[str, str]:
        with self._lock:
            return dict(self._headers)

    def refresh(self) -> bool:
        if self._refresh is None:
            return False
        new = self._refresh()
        if not new:
            return False
        with self._lock:
            self._headers = dict(new)
        return True


class ProviderHeaders(HeadersProvider):
    """A provider's download credentials: ``provider.request_headers(url)``, refreshed with
    ``provider.refresh_credentials()`` when the provider has one."""

    def __init__(self, provider: Any):
        self.provider = provider

    def headers(self, url: str) -> Dict[str, str]:
        return dict(self.provider.request_headers(url) or {})

    def refresh(self) -> bool:
        refresh = getattr(self.provider, "refresh_credentials", None)
        if refresh is None:
            return False
        result = refresh()
        return result is None or bool(result)


# --------------------------------------------------------------------------------- jobs
@dataclass(eq=False)
class DownloadJob:
    """One file to download to ``dest_path``.

    ``size`` and ``checksum`` come from the catalog (None when unknown); ``checksum_url``
    points to a sidecar checksum file. ``manifest_dir`` is the output folder holding the
    manifest (default: the file's folder). ``offline`` marks a product in a long-term
    archive (``order_hint`` says how to order it). ``unpack`` extracts a verified zip.
    """

    url: str
    dest_path: str
    size: Optional[int] = None
    checksum: Optional[Checksum] = None
    headers_provider: Optional[HeadersProvider] = None
    key: str = ""
    label: str = ""
    checksum_url: Optional[str] = None
    manifest_dir: Optional[str] = None
    unpack: bool = False
    offline: bool = False
    order_hint: Optional[str] = None
    extra_headers: Dict[str, str] = field(default_factory=dict)
    _cancel: threading.Event = field(default_factory=threading.Event, repr=False)

    def __post_init__(self):
        self.dest_path = os.path.abspath(self.dest_path)
        if not self.key:
            self.key = self.dest_path
        if not self.label:
            self.label = os.path.basename(self.dest_path)

    @property
    def host(self) -> str:
        """``host:port`` the per-host limit counts against."""
        parts = urlsplit(self.url)
        return (parts.netloc.rsplit("@", 1)[-1] or parts.scheme).lower()

    @property
    def part_path(self) -> str:
        return self.dest_path + PART_SUFFIX

    def cancel(self) -> None:
        """Stop this job (the ``.part`` stays for a later resume)."""
        self._cancel.set()

    @property
    def cancelled(self) -> bool:
        return self._cancel.is_set()


@dataclass
class DownloadResult:
    """How a job ended: ``state`` is done / skipped / failed / offline / cancelled."""

    job: DownloadJob
    state: str
    path: Optional[str] = None
    bytes_transferred: int = 0
    size: Optional[int] = None
    error: Optional[EoSceneFinderError] = None
    message: str = ""
    verified_by: Optional[str] = None
    unpacked_path: Optional[str] = None

    @property
    def ok(self) -> bool:
        return self.state in (DONE, SKIPPED)

    @property
    def reason(self) -> str:
        """What a user reads in the Downloads tab or the Processing log."""
        if self.error is not None:
            return self.error.user_message
        return self.message


@dataclass(frozen=True)
class ProgressEvent:
    """Progress of one job plus the whole run (bytes, bytes/s, seconds left)."""

    key: str
    label: str
    state: str
    done: int
    total: Optional[int]
    speed: float
    eta: Optional[float]
    message: str
    overall_done: int
    overall_total: Optional[int]
    overall_speed: float
    overall_eta: Optional[float]
    files_finished: int
    files_total: int
    result: Optional[DownloadResult] = None

    @property
    def percent(self) -> Optional[float]:
        if not self.total:
            return 100.0 if self.state in (DONE, SKIPPED) else None
        return min(100.0, 100.0 * self.done / self.total)

    @property
    def overall_percent(self) -> Optional[float]:
        if not self.overall_total:
            return None
        return min(100.0, 100.0 * self.overall_done / self.overall_total)


ProgressCallback = Callable[[ProgressEvent], None]


# ----------------------------------------------------------------------------- limits
class HostLimiter:
    """A global and a per-host limit on concurrent downloads. One instance can be shared
    by several runs (two download batches started from the panel share the limits)."""

    def __init__(self, max_total: int = 8, per_host: int = 4):
        self.max_total = max(1, int(max_total))
        self.per_host = max(1, int(per_host))
        self.cond = threading.Condition()
        self._total = 0
        self._by_host: Dict[str, int] = {}

    def can_take(self, host: str) -> bool:
        return self._total < self.max_total and self._by_host.get(host, 0) < self.per_host

    def take(self, host: str) -> None:
        self._total += 1
        self._by_host[host] = self._by_host.get(host, 0) + 1

    def release(self, host: str) -> None:
        with self.cond:
            self._total -= 1
            left = self._by_host.get(host, 1) - 1
            if left:
                self._by_host[host] = left
            else:
                self._by_host.pop(host, None)
            self.cond.notify_all()


# -------------------------------------------------------------------------- manifest
class Manifest:
    """Files verified in one output folder: ``{relative path: {size, mtime_ns, checksum,
    verified_by}}`` in ``.eo_scene_finder_manifest.json``. Shared by the threads of a
    process (one instance per folder), written atomically, merged with what another
    process wrote in between. It is a cache: a lost or broken manifest only costs hashing."""

    _instances: Dict[str, "Manifest"] = {}
    _instances_lock = threading.Lock()

    @classmethod
    def for_folder(cls, folder: str) -> "Manifest":
        folder = os.path.abspath(folder)
        with cls._instances_lock:
            inst = cls._instances.get(folder)
            if inst is None:
                inst = cls._instances[folder] = cls(folder)
            return inst

    def __init__(self, folder: str):
        self.folder = os.path.abspath(folder)
        self.path = os.path.join(self.folder, MANIFEST_NAME)
        self._lock = threading.Lock()

    def _read(self) -> Dict[str, dict]:
        try:
            with open(self.path, "r", encoding="utf-8") as fh:
                data = json.load(fh)
        except (OSError, ValueError):
            return {}
        files = data.get("files") if isinstance(data, dict) else None
        return files if isinstance(files, dict) else {}

    def _key(self, path: str) -> str:
        return os.path.relpath(os.path.abspath(path), self.folder).replace(os.sep, "/")

    def lookup(self, path: str) -> Optional[dict]:
        with self._lock:
            entry = self._read().get(self._key(path))
        return entry if isinstance(entry, dict) else None

    def record(self, path: str, checksum: Optional[Checksum], verified_by: Optional[str]) -> None:
        st = os.stat(path)
        entry = {"size": st.st_size, "mtime_ns": st.st_mtime_ns,
                 "checksum": checksums.checksum_text(checksum), "verified_by": verified_by,
                 "verified_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())}
        self._update(self._key(path), entry)

    def forget(self, path: str) -> None:
        self._update(self._key(path), None)

    def _update(self, key: str, entry: Optional[dict]) -> None:
        with self._lock:
            files = self._read()
            if entry is None:
                if key not in files:
                    return
                files.pop(key)
            else:
                files[key] = entry
            os.makedirs(self.folder, exist_ok=True)
            tmp = f"{self.path}.{os.getpid()}.{uuid.uuid4().hex[:8]}.tmp"
            with open(tmp, "w", encoding="utf-8") as fh:
                json.dump({"format": 1, "files": files}, fh, indent=1, sort_keys=True)
            os.replace(tmp, self.path)


# --------------------------------------------------------------------- run bookkeeping
class _Rate:
    """Bytes per second over the last few seconds."""

    def __init__(self, window: float = 5.0):
        self.window = window
        self.samples: deque = deque()

    def add(self, now: float, cumulative: int) -> float:
        self.samples.append((now, cumulative))
        while len(self.samples) > 2 and now - self.samples[1][0] > self.window:
            self.samples.popleft()
        t0, b0 = self.samples[0]
        return (cumulative - b0) / (now - t0) if now - t0 > 0.05 else 0.0


class _JobStats:
    __slots__ = ("done", "total", "transferred", "state", "message", "rate", "speed", "last_emit", "dev")

    def __init__(self):
        self.done = 0
        self.total: Optional[int] = None
        self.transferred = 0
        self.state = QUEUED
        self.message = ""
        self.rate = _Rate()
        self.speed = 0.0
        self.last_emit = 0.0
        self.dev: Optional[int] = None


class _Run:
    """Shared state of one :meth:`DownloadEngine.run`: progress, cancellation, disk reservations."""

    def __init__(self, jobs: Sequence[DownloadJob], progress_cb: Optional[ProgressCallback],
                 cancel_event: threading.Event, interval: float):
        self.jobs = jobs
        self.progress_cb = progress_cb
        self.cancel_event = cancel_event
        self.interval = interval
        self.lock = threading.Lock()
        self.stats: Dict[int, _JobStats] = {id(j): _JobStats() for j in jobs}
        for job in jobs:
            self.stats[id(job)].total = job.size
        self.transferred = 0
        self.rate = _Rate()
        self.speed = 0.0
        self.finished = 0
        self.started = time.monotonic()

    def cancelled(self, job: DownloadJob) -> bool:
        return self.cancel_event.is_set() or job.cancelled

    def wait(self, job: DownloadJob, seconds: float) -> bool:
        """Wait ``seconds`` unless cancelled; True if cancelled."""
        deadline = time.monotonic() + seconds
        while True:
            if self.cancelled(job):
                return True
            left = deadline - time.monotonic()
            if left <= 0:
                return False
            self.cancel_event.wait(min(left, 0.1))

    # progress ------------------------------------------------------------------
    def update(self, job: DownloadJob, *, done: Optional[int] = None, total: Optional[int] = None,
               transferred: int = 0, state: Optional[str] = None, message: Optional[str] = None,
               result: Optional[DownloadResult] = None, force: bool = False) -> None:
        now = time.monotonic()
        with self.lock:
            st = self.stats[id(job)]
            if done is not None:
                st.done = done
            if total is not None:
                st.total = total
            if transferred:
                st.transferred += transferred
                self.transferred += transferred
            changed = False
            if state is not None and state != st.state:
                st.state, changed = state, True
                if state in FINAL_STATES:
                    self.finished += 1
            if message is not None and message != st.message:
                st.message, changed = message, True
            if not (changed or force or result is not None) and now - st.last_emit < self.interval:
                return
            st.last_emit = now
            st.speed = st.rate.add(now, st.transferred) if st.state == DOWNLOADING else 0.0
            self.speed = self.rate.add(now, self.transferred)
            event = self._event(job, st, result)
        if self.progress_cb is not None:
            try:
                self.progress_cb(event)
            except Exception:  # noqa: BLE001 - a broken listener must not break downloads
                LOG.exception("download progress callback failed")

    def _event(self, job: DownloadJob, st: _JobStats, result: Optional[DownloadResult]) -> ProgressEvent:
        overall_done = sum(s.done for s in self.stats.values())
        totals = [s.total if s.total is not None else (s.done if s.state in FINAL_STATES else None)
                  for s in self.stats.values()]
        overall_total = None if any(t is None for t in totals) else sum(totals)
        eta = (st.total - st.done) / st.speed if st.total and st.speed > 0 else None
        if overall_total is not None and self.speed > 0:
            # the whole remainder at the current total speed, but never sooner than the
            # slowest running file can finish
            overall_eta = max(0.0, (overall_total - overall_done) / self.speed)
            for s in self.stats.values():
                if s.state == DOWNLOADING and s.total and s.speed > 0:
                    overall_eta = max(overall_eta, (s.total - s.done) / s.speed)
        else:
            overall_eta = None
        return ProgressEvent(job.key, job.label, st.state, st.done, st.total, st.speed, eta, st.message,
                             overall_done, overall_total, self.speed, overall_eta, self.finished,
                             len(self.jobs), result)

    # disk ----------------------------------------------------------------------
    def reserve(self, job: DownloadJob, dev: Optional[int]) -> None:
        with self.lock:
            self.stats[id(job)].dev = dev

    def reserved_by_others(self, job: DownloadJob, dev: Optional[int]) -> int:
        """Bytes other running jobs of this run still have to write on device ``dev``."""
        with self.lock:
            return sum(max(0, (s.total or 0) - s.done) for j_id, s in self.stats.items()
                       if j_id != id(job) and s.dev == dev and s.state == DOWNLOADING)


class _StartOver(Exception):
    """Throw away the .part and download from byte 0."""


# ----------------------------------------------------------------------------- engine
_ACTIVE_PATHS: set = set()
_ACTIVE_LOCK = threading.Lock()


class DownloadEngine:
    """Downloads jobs in parallel (``max_workers`` threads, at most ``per_host`` per host),
    resumably and verified. Safe to reuse; one :meth:`run` per batch.

    ``chunk_size`` is the largest read (and the most a killed process re-transfers); 1 MiB
    measured fastest here (the buffer stays in the CPU cache between socket and file);
    ``retries`` the consecutive transient failures tolerated per job (a failure after
    progress starts the count again); ``retry_after_cap`` the longest Retry-After honoured.
    """

    def __init__(self, max_workers: int = 8, per_host: int = 4, chunk_size: int = 1 << 20,
                 retries: int = 5, backoff: float = 0.5, backoff_max: float = 30.0,
                 retry_after_cap: float = 60.0, timeout: Optional[Tuple[float, float]] = None,
                 session_factory: Callable[[], requests.Session] = eohttp.new_session,
                 limiter: Optional[HostLimiter] = None, min_free_bytes: int = 0,
                 progress_interval: float = 0.2):
        self.max_workers = max(1, int(max_workers))
        self.chunk_size = max(_MIN_READ, int(chunk_size))
        self.retries = max(0, int(retries))
        self.backoff = backoff
        self.backoff_max = backoff_max
        self.retry_after_cap = retry_after_cap
        self.timeout = timeout
        self.session_factory = session_factory
        self.limiter = limiter or HostLimiter(self.max_workers, per_host)
        self.min_free_bytes = min_free_bytes
        self.progress_interval = progress_interval
        self._refresh_lock = threading.Lock()
        self._refresh_generation: Dict[int, int] = {}

    # ------------------------------------------------------------------ public
    def run(self, jobs: Iterable[DownloadJob], progress_cb: Optional[ProgressCallback] = None,
            cancel_event: Optional[threading.Event] = None) -> List[DownloadResult]:
        """Download every job; return one :class:`DownloadResult` per job, in order.
        ``progress_cb`` is called from worker threads. Never raises for a job's failure."""
        jobs = list(jobs)
        cancel_event = cancel_event or threading.Event()
        run = _Run(jobs, progress_cb, cancel_event, self.progress_interval)
        results: List[Optional[DownloadResult]] = [None] * len(jobs)
        pending: List[int] = []
        seen: Dict[str, int] = {}
        for i, job in enumerate(jobs):
            if job.dest_path in seen:
                results[i] = DownloadResult(job, SKIPPED, path=job.dest_path,
                                            message="Listed twice; downloaded once.")
                run.update(job, state=SKIPPED, message=results[i].message, result=results[i])
            else:
                seen[job.dest_path] = i
                pending.append(i)
        workers = [threading.Thread(target=self._worker, args=(jobs, pending, results, run),
                                    name=f"eosf-download-{n}", daemon=True)
                   for n in range(min(self.max_workers, len(pending)))]
        for w in workers:
            w.start()
        for w in workers:
            w.join()
        return [r for r in results]  # type: ignore[misc]

    # ------------------------------------------------------------------ scheduling
    def _next(self, jobs, pending: List[int], run: _Run) -> Tuple[Optional[int], bool]:
        lim = self.limiter
        with lim.cond:
            while pending:
                for pos, idx in enumerate(pending):
                    if run.cancelled(jobs[idx]) or jobs[idx].offline:
                        return pending.pop(pos), False
                    if lim.can_take(jobs[idx].host):
                        lim.take(jobs[idx].host)
                        return pending.pop(pos), True
                lim.cond.wait(0.1)  # woken by release(); the timeout notices cancellation
            return None, False

    def _worker(self, jobs, pending, results, run: _Run) -> None:
        session = None
        buffer = None
        try:
            while True:
                idx, acquired = self._next(jobs, pending, run)
                if idx is None:
                    return
                job = jobs[idx]
                try:
                    if session is None and acquired:
                        session = self.session_factory()
                        buffer = bytearray(self.chunk_size)
                    result = self._job(job, session, buffer, run)
                except EoSceneFinderError as err:
                    result = DownloadResult(job, FAILED, error=err)
                except Exception as err:  # noqa: BLE001 - a bug must not lose the other jobs
                    LOG.exception("download of %s failed unexpectedly", redact_url(job.url))
                    result = DownloadResult(job, FAILED, error=DownloadError(
                        f"The download failed unexpectedly: {redact_text(str(err))}"))
                finally:
                    if acquired:
                        self.limiter.release(job.host)
                if result.state == FAILED:
                    LOG.info("download failed: %s: %s", redact_url(job.url), result.reason)
                results[idx] = result
                run.update(job, state=result.state, message=result.reason, result=result)
        finally:
            if session is not None:
                session.close()

    # ------------------------------------------------------------------ one job
    def _job(self, job: DownloadJob, session, buffer, run: _Run) -> DownloadResult:
        if run.cancelled(job):
            return DownloadResult(job, CANCELLED, message="Cancelled.")
        if job.offline:
            hint = f" {job.order_hint}" if job.order_hint else ""
            err = OfflineProductError(
                f"In the long-term archive (offline): it must be ordered before it can be downloaded.{hint}")
            return DownloadResult(job, OFFLINE, error=err)
        with _ACTIVE_LOCK:
            if job.dest_path in _ACTIVE_PATHS:
                return DownloadResult(job, FAILED, error=DownloadError(
                    f"{job.label} is already being downloaded by another task."))
            _ACTIVE_PATHS.add(job.dest_path)
        try:
            manifest = Manifest.for_folder(job.manifest_dir or os.path.dirname(job.dest_path))
            present = self._already_present(job, manifest, run)
            if present is not None:
                return present
            if run.cancelled(job):
                return DownloadResult(job, CANCELLED, message="Cancelled.")
            checksum, note = job.checksum, ""
            if checksum is None and job.checksum_url:
                checksum, note = self._sidecar_checksum(job, session)
            try:
                result = _Transfer(self, job, session, buffer, run, checksum, manifest).run()
            except OSError as err:  # the output folder: permissions, missing drive, full disk
                if err.errno in (errno.ENOSPC, getattr(errno, "EDQUOT", -1)):
                    raise DiskFullError(f"The disk is full: {job.label} stopped; the partial file is kept.") from err
                raise DownloadError(f"Cannot write {err.filename or job.dest_path}: {err.strerror}.") from err
            if note and result.state == DONE:
                result.message = (result.message + " " + note).strip()
            return result
        finally:
            with _ACTIVE_LOCK:
                _ACTIVE_PATHS.discard(job.dest_path)

    def _already_present(self, job: DownloadJob, manifest: Manifest, run: _Run) -> Optional[DownloadResult]:
        """A SKIPPED result when the final file is there and verified, else None."""
        try:
            st = os.stat(job.dest_path)
        except OSError:
            return None
        if job.size is not None and st.st_size != job.size:
            return None
        entry = manifest.lookup(job.dest_path)
        if entry and entry.get("size") == st.st_size and entry.get("mtime_ns") == st.st_mtime_ns:
            known = checksums.parse_checksum_text(entry.get("checksum"))
            if job.checksum is None or checksums.matches(job.checksum, known):
                return self._skipped(job, st.st_size, entry.get("verified_by"), run,
                                     "Already downloaded and verified.")
            if known is not None and known.algorithm == job.checksum.algorithm:
                return None  # the catalog now publishes another checksum: fetch again
        if job.checksum is not None:
            run.update(job, state=VERIFYING, done=0, total=st.st_size, message="Checking the existing file")
            hasher = checksums.hash_file(job.dest_path, job.checksum, should_stop=lambda: run.cancelled(job))
            if run.cancelled(job):
                return DownloadResult(job, CANCELLED, message="Cancelled.")
            if hasher.hexdigest().lower() == job.checksum.hexdigest.lower():
                manifest.record(job.dest_path, job.checksum, job.checksum.algorithm)
                return self._skipped(job, st.st_size, job.checksum.algorithm, run,
                                     "Already present; checksum verified.")
            run.update(job, state=QUEUED, done=0, message="")
            return None
        if job.size is not None:
            manifest.record(job.dest_path, None, "size")
            return self._skipped(job, st.st_size, "size", run, "Already present with the published size.")
        return None

    def _skipped(self, job, size, verified_by, run: _Run, message: str) -> DownloadResult:
        if os.path.exists(job.part_path):
            _remove(job.part_path)
        run.update(job, done=size, total=size)
        unpacked = _unpack(job.dest_path) if job.unpack else None
        return DownloadResult(job, SKIPPED, path=job.dest_path, size=size, message=message,
                              verified_by=verified_by, unpacked_path=unpacked)

    def _sidecar_checksum(self, job: DownloadJob, session) -> Tuple[Optional[Checksum], str]:
        try:
            resp, _url = self._open(session, job, job.checksum_url, {}, None)
            try:
                eohttp.raise_for_status(resp, "The checksum file's server")
                text = resp.text[:1 << 20]
            finally:
                resp.close()
        except ServiceError as err:
            return None, f"(No checksum: {err.user_message})"
        found = checksums.from_sidecar(text, os.path.basename(job.dest_path))
        return found, "" if found else "(No checksum: the checksum file does not list this file.)"

    # ------------------------------------------------------------------ HTTP
    def _open(self, session, job: DownloadJob, url: str, base_headers: Dict[str, str],
              offset: Optional[int]):
        """GET ``url`` (streaming), following redirects here so that credentials are sent
        only to the job's own host. Returns (response, final url)."""
        origin = _origin(url)
        creds = job.headers_provider.headers(url) if job.headers_provider else {}
        for _hop in range(_MAX_REDIRECTS + 1):
            headers = {"Accept-Encoding": "identity", **job.extra_headers, **base_headers}
            if _origin(url) == origin:
                headers.update(creds)
            else:
                for name in list(headers):
                    if name.lower() in SECRET_HEADERS or name in creds:
                        headers.pop(name)
            if offset:
                headers["Range"] = f"bytes={offset}-"
            try:
                resp = session.get(url, headers=headers, stream=True, allow_redirects=False,
                                   timeout=self.timeout or eohttp.default_timeout())
            except requests.exceptions.RequestException as err:
                raise eohttp.map_transport_error(err, url, WHAT) from err
            if resp.status_code in _REDIRECTS and resp.headers.get("Location"):
                url = urljoin(url, resp.headers["Location"])
                resp.close()
                continue
            return resp, url
        raise DownloadError(f"{WHAT} redirected more than {_MAX_REDIRECTS} times ({redact_url(job.url)}).")

    def _refresh(self, job: DownloadJob, generation_seen: int) -> bool:
        """Refresh the job's credentials once even if several workers ask at the same time."""
        provider = job.headers_provider
        if provider is None:
            return False
        with self._refresh_lock:
            current = self._refresh_generation.get(id(provider), 0)
            if current != generation_seen:
                return True  # another worker refreshed meanwhile
            try:
                ok = provider.refresh()
            except EoSceneFinderError:
                return False
            if ok:
                self._refresh_generation[id(provider)] = current + 1
            return bool(ok)

    def _generation(self, job: DownloadJob) -> int:
        with self._refresh_lock:
            return self._refresh_generation.get(id(job.headers_provider), 0)

    def backoff_delay(self, failures: int, retry_after: Optional[float] = None) -> float:
        """Seconds to wait before retry number ``failures`` (1-based): Retry-After if the
        server sent one (capped), else exponential backoff with jitter."""
        if retry_after is not None:
            return min(self.retry_after_cap, retry_after) + random.uniform(0, 0.1)
        base = min(self.backoff_max, self.backoff * (2 ** (failures - 1)))
        return random.uniform(base / 2, base)


class _Transfer:
    """Downloads one job into its .part, verifies it and renames it."""

    def __init__(self, engine: DownloadEngine, job: DownloadJob, session, buffer, run: _Run,
                 checksum: Optional[Checksum], manifest: Manifest):
        self.engine = engine
        self.job = job
        self.session = session
        self.buffer = buffer
        self.run_ = run
        self.checksum = checksum
        self.manifest = manifest
        self.part = job.part_path
        self.final = job.dest_path
        self.offset: Optional[int] = None  # bytes of the .part already hashed (None: look at disk)
        self.hasher = None
        self.total: Optional[int] = job.size
        self.transferred = 0
        self.dev: Optional[int] = None

    # ------------------------------------------------------------------ flow
    def run(self) -> DownloadResult:
        job, run, engine = self.job, self.run_, self.engine
        os.makedirs(os.path.dirname(self.final), exist_ok=True)
        self.dev = _device(os.path.dirname(self.final))
        run.reserve(job, self.dev)
        failures = 0
        mismatches = 0
        refreshed_without_progress = False
        while True:
            if run.cancelled(job):
                return self._cancelled()
            if self.offset is None and not self._load_part():
                return self._cancelled()
            if self.total is not None and self.offset > self.total:
                self._start_over()
            try:
                if self.total is not None and self.offset == self.total and self.offset > 0:
                    complete = True  # a complete .part from an earlier run: just verify it
                else:
                    self._check_space()
                    complete = self._attempt()
            except _StartOver:
                self._start_over()
                continue
            except _Retry as retry:
                if retry.progressed:
                    failures = 0
                    refreshed_without_progress = False
                failures += 1
                if failures > engine.retries:
                    return self._failed(retry.error)
                delay = engine.backoff_delay(failures, retry.retry_after)
                LOG.info("retrying %s in %.1f s: %s", redact_url(job.url), delay, retry.error)
                run.update(job, state=DOWNLOADING, message=f"Retrying in {delay:.0f} s: {retry.error.user_message}")
                if run.wait(job, delay):
                    return self._cancelled()
                continue
            except _Unauthorised as unauth:
                if refreshed_without_progress or not engine._refresh(job, unauth.generation):
                    return self._failed(AuthenticationError(
                        f"{WHAT} rejected the credentials (HTTP {unauth.status}): credentials rejected. "
                        "Check the connection's credentials.", url=redact_url(job.url), status=unauth.status))
                refreshed_without_progress = True
                run.update(job, message="Credentials refreshed; resuming")
                continue
            except _Cancelled:
                return self._cancelled()
            except OfflineProductError as err:
                return DownloadResult(job, OFFLINE, error=err)
            except EoSceneFinderError as err:
                return self._failed(err)
            if not complete:
                continue
            verdict = self._verify()
            if verdict is None:
                return self._finish()
            mismatches += 1
            _remove(self.part)
            self.offset, self.hasher = 0, self._new_hasher()
            if mismatches >= 2:
                return self._failed(verdict)
            LOG.info("%s: %s; downloading again from scratch", redact_url(job.url), verdict.user_message)
            run.update(job, state=DOWNLOADING, done=0, message="Checksum mismatch; downloading again")

    def _new_hasher(self):
        return checksums.new_hasher(self.checksum) if self.checksum else None

    def _load_part(self) -> bool:
        """Hash the existing .part (local I/O) so the resumed download is verified whole."""
        try:
            size = os.path.getsize(self.part)
        except OSError:
            size = 0
        self.hasher = self._new_hasher()
        if size and self.hasher is not None:
            self.run_.update(self.job, state=DOWNLOADING, done=size,
                             message="Checking the partly downloaded file")
            checksums.hash_file(self.part, self.checksum, limit=size, hasher=self.hasher,
                                should_stop=lambda: self.run_.cancelled(self.job))
            if self.run_.cancelled(self.job):
                return False
        self.offset = size
        self.run_.update(self.job, state=DOWNLOADING, done=size, total=self.total, message="")
        return True

    def _start_over(self) -> None:
        _truncate(self.part)
        self.offset, self.hasher = 0, self._new_hasher()
        self.run_.update(self.job, done=0)

    def _check_space(self, total: Optional[int] = None) -> None:
        total = total if total is not None else self.total
        if total is None:
            return
        need = max(0, total - (self.offset or 0))
        folder = os.path.dirname(self.final)
        try:
            free = shutil.disk_usage(folder).free
        except OSError:
            return
        others = self.run_.reserved_by_others(self.job, self.dev)
        if need + others + self.engine.min_free_bytes > free:
            raise DiskFullError(
                f"Not enough free disk space for {self.job.label}: it needs {_size_text(need)} more"
                + (f" (plus {_size_text(others)} for the other downloads)" if others else "")
                + f", {_size_text(free)} are free in {folder}.")

    def _attempt(self) -> bool:
        """One request. True when the .part holds the whole file; raises _Retry etc."""
        job, engine = self.job, self.engine
        generation = engine._generation(job)
        try:
            resp, url = engine._open(self.session, job, job.url, {}, self.offset)
        except (UnreachableError, ServiceTimeoutError) as err:
            if isinstance(err.__cause__, requests.exceptions.SSLError):
                raise  # a certificate problem does not go away by retrying
            raise _Retry(err) from err  # refused, reset, timed out: worth another try
        try:
            status = resp.status_code
            if status == 202:
                raise OfflineProductError(
                    "Being restored from the long-term archive (HTTP 202): download it again later."
                    + (f" {job.order_hint}" if job.order_hint else ""))
            if status in (401, 403) and job.headers_provider is not None:
                raise _Unauthorised(status, generation)
            if status == 429 or status == 408 or status >= 500:
                try:
                    eohttp.raise_for_status(resp, WHAT)
                except (RateLimitedError, ServerError, ServiceError) as err:
                    raise _Retry(err, retry_after=eohttp.parse_retry_after(resp.headers.get("Retry-After"))) from err
                raise _Retry(ServerError(f"{WHAT} answered HTTP {status}.", status=status))
            if status == 416 and self.offset:
                return self._range_not_satisfiable(resp)
            eohttp.raise_for_status(resp, WHAT)
            start = 0
            if status == 206:
                start, total = _parse_content_range(resp.headers.get("Content-Range"))
                if start != self.offset:
                    LOG.info("%s answered a range from byte %s instead of %s; starting over",
                             redact_url(url), start, self.offset)
                    raise _StartOver()
            elif status == 200:
                total = _content_length(resp)
                if self.offset:
                    LOG.info("%s ignores Range requests; downloading %s from the start",
                             redact_url(url), job.label)
                    _truncate(self.part)
                    self.offset, self.hasher = 0, self._new_hasher()
            else:
                raise MalformedResponseError(f"{WHAT} answered HTTP {status} instead of the file.",
                                             url=redact_url(url), status=status)
            if total is not None:
                if self.total is not None and self.total != total:
                    LOG.info("%s: the server says %s bytes, the catalog %s", redact_url(url), total, self.total)
                self.total = total
                self._check_space(total)
            self.run_.update(job, state=DOWNLOADING, done=self.offset, total=self.total, message="")
            got = self._copy_body(resp)
        finally:
            resp.close()
        if self.total is not None and self.offset < self.total:
            raise _Retry(ServiceError(
                f"{WHAT} closed the connection after {_size_text(self.offset)} of {_size_text(self.total)}.",
                url=redact_url(job.url)), progressed=got > 0)
        return True

    def _range_not_satisfiable(self, resp) -> bool:
        """A 416 to ``Range: bytes=<size of .part>-``: complete if the server's size is
        exactly the .part's, else start over."""
        m = re.match(r"bytes \*/(\d+)", resp.headers.get("Content-Range", ""))
        if m and int(m.group(1)) == self.offset:
            self.total = self.offset
            return True
        raise _StartOver()

    def _copy_body(self, resp) -> int:
        """Stream the body into the .part, hashing as it goes. Returns the bytes written."""
        job, run = self.job, self.run_
        view = memoryview(self.buffer)
        readinto = _fast_readinto(resp)
        raw_read = resp.raw.read
        fd = os.open(self.part, os.O_WRONLY | os.O_CREAT | getattr(os, "O_BINARY", 0), 0o644)
        got = 0
        want = min(len(view), 256 * 1024)
        try:
            os.ftruncate(fd, self.offset)
            os.lseek(fd, self.offset, os.SEEK_SET)
            hasher = self.hasher
            limit = len(view)
            while True:
                if run.cancelled(job):
                    raise _Cancelled()
                began = time.monotonic()
                try:
                    if readinto is not None:
                        n = readinto(view[:want])
                        data = view[:n]
                    else:
                        chunk = raw_read(want, decode_content=False)
                        n = len(chunk)
                        data = memoryview(chunk)
                except Exception as err:  # noqa: BLE001 - any read failure is a broken stream
                    raise _Retry(eohttp.map_transport_error(_as_requests_error(err), job.url, WHAT),
                                 progressed=got > 0) from err
                if not n:
                    if readinto is not None and resp.raw._fp.isclosed() and "Content-Length" in resp.headers:
                        resp.raw.release_conn()  # whole body read: keep the connection alive
                    break
                _write_all(fd, data, job, self.part)
                if hasher is not None:
                    hasher.update(data)
                got += n
                self.offset += n
                run.update(job, done=self.offset, transferred=n)
                took = time.monotonic() - began
                # big reads when fast (less Python per byte), small when slow (responsive
                # cancel, and a killed process loses at most one read)
                if took < 0.05 and want < limit:
                    want = min(limit, want * 2)
                elif took > 0.5 and want > _MIN_READ:
                    want = max(_MIN_READ, want // 2)
        finally:
            os.close(fd)
        return got

    def _verify(self) -> Optional[EoSceneFinderError]:
        """None if the .part is the published file, else the error to report."""
        job = self.job
        self.run_.update(job, state=VERIFYING, message="Verifying")
        size = os.path.getsize(self.part)
        if self.total is not None and size != self.total:
            return ChecksumMismatchError(
                f"{job.label} is {_size_text(size)} instead of {_size_text(self.total)}.")
        if self.checksum is not None:
            digest = self.hasher.hexdigest().lower()
            if digest != self.checksum.hexdigest.lower():
                return ChecksumMismatchError(
                    f"{job.label} does not match its published {self.checksum.algorithm} checksum, "
                    "even after downloading it again: the file on the server may be corrupt.",
                    details=f"expected {self.checksum.hexdigest}, got {digest}")
        elif job.size is not None and size != job.size:
            return ChecksumMismatchError(
                f"{job.label} is {_size_text(size)} but the catalog says {_size_text(job.size)}.")
        return None

    def _finish(self) -> DownloadResult:
        job = self.job
        os.replace(self.part, self.final)
        verified_by = self.checksum.algorithm if self.checksum else ("size" if self.total is not None else None)
        self.manifest.record(self.final, self.checksum, verified_by)
        size = os.path.getsize(self.final)
        unpacked = _unpack(self.final) if job.unpack else None
        self.run_.update(job, done=size, total=size)
        message = "Downloaded and verified." if self.checksum else (
            "Downloaded (size checked; no checksum published)." if verified_by else "Downloaded.")
        return DownloadResult(job, DONE, path=self.final, bytes_transferred=self.run_.stats[id(job)].transferred,
                              size=size, message=message, verified_by=verified_by, unpacked_path=unpacked)

    def _failed(self, err: EoSceneFinderError) -> DownloadResult:
        return DownloadResult(self.job, FAILED, bytes_transferred=self.run_.stats[id(self.job)].transferred,
                              error=err)

    def _cancelled(self) -> DownloadResult:
        return DownloadResult(self.job, CANCELLED, bytes_transferred=self.run_.stats[id(self.job)].transferred,
                              message="Cancelled; the partial file is kept to resume later.")


class _Retry(Exception):
    def __init__(self, error: EoSceneFinderError, retry_after: Optional[float] = None, progressed: bool = False):
        super().__init__(str(error))
        self.error = error
        self.retry_after = retry_after
        self.progressed = progressed


class _Unauthorised(Exception):
    def __init__(self, status: int, generation: int):
        super().__init__(f"HTTP {status}")
        self.status = status
        self.generation = generation


class _Cancelled(Exception):
    pass


# ----------------------------------------------------------------------------- helpers
def _origin(url: str) -> Tuple[str, str]:
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    port = parts.port or {"http": 80, "https": 443}.get(parts.scheme, 0)
    return parts.scheme.lower(), f"{host}:{port}"


def _parse_content_range(value: Optional[str]) -> Tuple[int, Optional[int]]:
    m = re.match(r"\s*bytes\s+(\d+)-(\d+)/(\d+|\*)\s*$", value or "")
    if not m:
        raise _StartOver()
    total = None if m.group(3) == "*" else int(m.group(3))
    return int(m.group(1)), total


def _content_length(resp) -> Optional[int]:
    if resp.headers.get("Content-Encoding", "identity").lower() not in ("identity", ""):
        return None
    try:
        return int(resp.headers["Content-Length"])
    except (KeyError, ValueError):
        return None


def _fast_readinto(resp):
    """``readinto`` of the underlying http.client response, when the body is plain bytes
    (no transfer or content encoding): one copy from the socket into our buffer."""
    raw = resp.raw
    fp = getattr(raw, "_fp", None)
    if not isinstance(fp, http.client.HTTPResponse) or getattr(fp, "chunked", True):
        return None
    if resp.headers.get("Content-Encoding", "identity").lower() not in ("identity", ""):
        return None
    return fp.readinto


def _as_requests_error(err: Exception) -> Exception:
    if isinstance(err, requests.exceptions.RequestException):
        return err
    if isinstance(err, (TimeoutError,)) or "timed out" in str(err).lower():
        return requests.exceptions.Timeout(str(err))
    return requests.exceptions.ConnectionError(str(err) or type(err).__name__)


def _write_all(fd: int, data: memoryview, job: DownloadJob, part: str) -> None:
    try:
        while data:
            written = os.write(fd, data)
            data = data[written:]
    except OSError as err:
        if err.errno in (errno.ENOSPC, getattr(errno, "EDQUOT", -1)):
            raise DiskFullError(
                f"The disk is full: {job.label} stopped; the partial file {os.path.basename(part)} "
                "is kept and the download resumes from it once there is space.") from err
        raise DownloadError(f"Cannot write {part}: {err.strerror}.") from err


def _truncate(path: str) -> None:
    try:
        with open(path, "r+b") as fh:
            fh.truncate(0)
    except FileNotFoundError:
        pass


def _remove(path: str) -> None:
    try:
        os.remove(path)
    except FileNotFoundError:
        pass


def _device(folder: str) -> Optional[int]:
    try:
        return os.stat(folder).st_dev
    except OSError:
        return None


def _size_text(n: Optional[float]) -> str:
    if n is None:
        return "?"
    for unit in ("B", "KiB", "MiB", "GiB", "TiB"):
        if abs(n) < 1024 or unit == "TiB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    return f"{n:.1f} TiB"


def size_text(n: Optional[float]) -> str:
    """``12.3 MiB``."""
    return _size_text(n)


def _unpack(archive: str) -> Optional[str]:
    """Extract a verified zip next to it (once); return the folder, None if not a zip."""
    if not zipfile.is_zipfile(archive):
        return None
    parent = os.path.dirname(archive)
    stem = os.path.basename(archive)[:-4] if archive.lower().endswith(".zip") else os.path.basename(archive)
    with zipfile.ZipFile(archive) as zf:
        names = [n for n in zf.namelist() if n and not n.startswith("__MACOSX")]
        tops = {n.replace("\\", "/").split("/", 1)[0] for n in names}
        single_top = len(tops) == 1 and any("/" in n.replace("\\", "/") for n in names)
        target = os.path.join(parent, next(iter(tops)) if single_top else stem)
        if os.path.exists(target):
            return target
        tmp = os.path.join(parent, f".{stem}.unpacking-{uuid.uuid4().hex[:6]}")
        os.makedirs(tmp)
        root = os.path.realpath(tmp)
        for info in zf.infolist():
            dest = os.path.realpath(os.path.join(tmp, info.filename))
            if not dest.startswith(root + os.sep) and dest != root:
                shutil.rmtree(tmp, ignore_errors=True)
                raise DownloadError(f"{os.path.basename(archive)} contains a path outside its folder; not unpacked.")
        zf.extractall(tmp)
    source = os.path.join(tmp, next(iter(tops))) if single_top else tmp
    os.replace(source, target)
    shutil.rmtree(tmp, ignore_errors=True)
    return target


# ------------------------------------------------------------------ jobs from scenes
_EXTENSIONS = {"image/tiff": ".tif", "image/jp2": ".jp2", "image/png": ".png", "image/jpeg": ".jpg",
               "application/zip": ".zip", "application/json": ".json", "application/geo+json": ".json",
               "application/xml": ".xml", "text/xml": ".xml", "application/x-hdf": ".hdf",
               "application/x-hdf5": ".h5", "application/x-netcdf": ".nc", "text/plain": ".txt"}
_UNSAFE = re.compile(r"[^A-Za-z0-9._+=@,-]+")


def safe_name(text: str, fallback: str = "file") -> str:
    """A file or folder name safe on Windows, macOS and Linux."""
    name = _UNSAFE.sub("_", str(text or "")).strip("._ ") or fallback
    return name[:180]


def http_url(href: str) -> str:
    """An href requests can fetch: ``s3://bucket/key`` and ``gs://bucket/key`` as the public
    HTTPS endpoints of those buckets; other hrefs unchanged."""
    if href.startswith("s3://"):
        bucket, _, key = href[len("s3://"):].partition("/")
        return f"https://{bucket}.s3.amazonaws.com/{key}"
    if href.startswith("gs://"):
        return "https://storage.googleapis.com/" + href[len("gs://"):]
    return href


def is_product_archive(asset: Asset) -> bool:
    """A whole product delivered as one archive (CDSE ``$value``, a ``product`` asset)."""
    roles = {r.lower() for r in asset.roles}
    path = urlsplit(asset.href).path
    return ("archive" in roles or "product" in roles or asset.key.lower() in ("product", "download")
            or path.endswith("/$value") or path.endswith("$value"))


def _file_name(asset: Asset, *hrefs: str) -> str:
    """The asset's file name: the last path part of its href (or of the resolved href)
    if it has an extension, else the asset key with an extension from its media type."""
    names = [unquote(urlsplit(h).path).rstrip("/").rsplit("/", 1)[-1] for h in hrefs]
    for name in names:
        if name and name != "$value" and "." in name:
            return safe_name(name)
    ext = _EXTENSIONS.get((asset.media_type or "").split(";")[0].strip().lower(), "")
    if not ext and names and names[0] and names[0] != "$value":
        return safe_name(names[0])
    return safe_name(asset.key) + ext


def asset_jobs(scene: Scene, asset_keys: Optional[Iterable[str]], output_folder: str,
               provider: Any = None, *, unpack: bool = False,
               headers_provider: Optional[HeadersProvider] = None) -> List[DownloadJob]:
    """Download jobs for ``asset_keys`` of ``scene`` (None: its data assets).

    Layout: ``<output>/<collection>/<scene id>/<asset file>``; a product archive keeps its
    product name: ``<output>/<collection>/<scene id>.zip`` (``unpack`` extracts it after
    verification). ``provider`` resolves/signs hrefs (``resolve_href``), gives credentials
    (``request_headers``, ``refresh_credentials``) and may describe its ordering step for
    offline products (``order_hint(scene)``)."""
    output_folder = os.path.abspath(output_folder)
    keys = list(asset_keys) if asset_keys is not None else [k for k, a in scene.assets.items() if a.is_data]
    collection_dir = os.path.join(output_folder, safe_name(scene.collection or "", "no-collection"))
    scene_dir = os.path.join(collection_dir, safe_name(scene.id, "scene"))
    if headers_provider is None and provider is not None:
        headers_provider = ProviderHeaders(provider)
    order_hint = None
    if scene.online is False and provider is not None and hasattr(provider, "order_hint"):
        order_hint = provider.order_hint(scene)
    sidecars = {a.href: a for a in scene.assets.values()}
    jobs: List[DownloadJob] = []
    used: Dict[str, str] = {}
    for key in keys:
        asset = scene.assets.get(key)
        if asset is None:
            raise InvalidRequestError(f"The scene {scene.id} has no asset “{key}”.")
        href = http_url(provider.resolve_href(asset.href) if provider is not None else asset.href)
        if not href.startswith(("http://", "https://")):
            raise InvalidRequestError(
                f"The asset “{key}” of {scene.id} is not downloadable over HTTP ({redact_url(href)}).")
        archive = is_product_archive(asset)
        extra = asset.extra or {}
        if archive:  # the provider may name the archive (CDSE: "<product stem>.zip")
            name = safe_name(extra.get("file_name") or scene.id, "product")
            name = name if name.lower().endswith(".zip") else name + ".zip"
            dest = os.path.join(collection_dir, name)
        else:
            name = _file_name(asset, asset.href, href)
            if name in used and used[name] != key:
                name = safe_name(f"{key}_{name}")
            used[name] = key
            dest = os.path.join(scene_dir, name)
        checksum = asset.checksum
        size = asset.size
        if checksum is None and extra.get("file:checksum"):
            checksum = checksums.parse_multihash(extra.get("file:checksum"))
        if size is None and isinstance(extra.get("file:size"), (int, float)):
            size = int(extra["file:size"])
        checksum_url = None
        for suffix in (".sha256", ".md5", ".sha512", ".sha1"):
            if checksum is None and asset.href + suffix in sidecars:
                checksum_url = http_url(sidecars[asset.href + suffix].href)
                break
        jobs.append(DownloadJob(
            url=href, dest_path=dest, size=size, checksum=checksum, headers_provider=headers_provider,
            key=f"{scene.connection or ''}|{scene.collection or ''}|{scene.id}|{key}",
            label=f"{scene.id} · {key}" if not archive else os.path.basename(dest),
            checksum_url=checksum_url, manifest_dir=output_folder, unpack=unpack and archive,
            offline=scene.online is False, order_hint=order_hint))
    return jobs


def summarize(results: Sequence[DownloadResult]) -> Dict[str, int]:
    """How many results ended in each state."""
    counts: Dict[str, int] = {}
    for r in results:
        counts[r.state] = counts.get(r.state, 0) + 1
    return counts
