"""Downloads: parallel, resumable, checksum-verified; never a corrupt file under a final name.

Pure Python + ``requests`` (no QGIS): the panel's download task and the Processing download
algorithm both drive :class:`DownloadEngine`.

- Data goes to ``<name>.part``. A restart sends ``Range: bytes=<n>-`` and accepts only a 206
  whose ``Content-Range`` starts at ``n``; a 200 means the server ignores ranges, so the
  file starts over. The hash is computed while writing (after a resume, over the existing
  ``.part`` first: local I/O). Only a verified ``.part`` is renamed (``os.replace``) to the
  final name. A checksum mismatch is retried once from scratch; when the second copy does
  not match either, it is kept under ``<name>.unverified`` (state ``unverified``): some
  services publish checksums that never match, and the bytes may still be good.
- ``.eo_scene_finder_manifest.json`` in the output folder lists verified files (size,
  mtime, checksum), so a re-run skips them without transferring or hashing anything.
- Retries with exponential backoff and jitter on connection errors, timeouts, 429 (honours
  ``Retry-After``, capped) and 5xx; a 401/403 asks the job's ``headers_provider`` to
  refresh once, then resumes; a 401 right after a refresh fails ("credentials rejected").
- Free disk space is checked before writing; a full disk stops the job with
  :class:`DiskFullError`, keeping the ``.part`` for a later resume.
- Redirects are followed here (not by requests); credentials go only to the job's own host
  and to the hosts or domains its ``credential_hosts`` lists (a service's own download hosts),
  never to any other host, never from HTTPS down to HTTP.
"""
from __future__ import annotations

import errno
import os
import random
import threading
import time
from collections import deque
from typing import Callable, Dict, Iterable, List, Optional, Sequence, Tuple
from urllib.parse import urljoin

import requests

from . import checksums
from ..net import http as eohttp
from ..errors import DiskFullError, DownloadError, EoSceneFinderError, OfflineProductError, ServiceError
from ..model import Checksum
from ..net.redact import SECRET_HEADERS, redact_text, redact_url
import logging
from .jobs import credentials_may_follow
from .jobs import NOT_READY
from .jobs import CANCELLED, DONE, DOWNLOADING, DownloadJob, DownloadResult, FAILED, FINAL_STATES, OFFLINE, ProgressCallback, ProgressEvent, QUEUED, SKIPPED, VERIFYING, WHAT, _MAX_REDIRECTS, _MIN_READ, _REDIRECTS
from .manifest import Manifest
from .speeds import HostSpeeds
from .transfer import _Transfer, _remove, _unpack

LOG = logging.getLogger(__name__)


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

    def can_take(self, host: str, cap: Optional[int] = None) -> bool:
        """A slot is free overall and for ``host`` (at most ``per_host``, or ``cap`` when the
        job's service allows fewer: CREODIAS's session limit)."""
        limit = self.per_host if not cap else min(self.per_host, max(1, int(cap)))
        return self._total < self.max_total and self._by_host.get(host, 0) < limit

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
        self.waiting: set = set()  # ids of jobs whose URL is not ready yet (already checked on disk)

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


_shared_limiter: Optional[HostLimiter] = None
_shared_limiter_lock = threading.Lock()


def shared_limiter() -> HostLimiter:
    """The limiter every download run started by a Processing algorithm shares: several
    ``eoscenefinder:download`` runs at once in one QGIS (a model, a batch, the toolbox twice)
    together keep the engine's total (8) and per-host (4) limits, as the panel's runs do."""
    global _shared_limiter
    with _shared_limiter_lock:
        if _shared_limiter is None:
            _shared_limiter = HostLimiter()
        return _shared_limiter


# ----------------------------------------------------------------------------- engine
_ACTIVE_PATHS: set = set()
_ACTIVE_LOCK = threading.Lock()


class DownloadEngine:
    """Downloads jobs in parallel (``max_workers`` threads, at most ``per_host`` per host),
    resumably and verified. Safe to reuse; one :meth:`run` per batch.

    ``chunk_size`` is the largest read (and the most a killed process re-transfers); 1 MiB
    measured fastest here (the buffer stays in the CPU cache between socket and file);
    ``retries`` the consecutive transient failures tolerated per job (a failure after
    progress starts the count again); ``retry_after_cap`` the longest Retry-After honoured;
    ``speeds``, when given, records each finished transfer's throughput per host (saved after
    each batch).
    """

    def __init__(self, max_workers: int = 8, per_host: int = 4, chunk_size: int = 1 << 20,
                 retries: int = 5, backoff: float = 0.5, backoff_max: float = 30.0,
                 retry_after_cap: float = 60.0, timeout: Optional[Tuple[float, float]] = None,
                 session_factory: Callable[[], requests.Session] = eohttp.new_session,
                 limiter: Optional[HostLimiter] = None, min_free_bytes: int = 0,
                 progress_interval: float = 0.2, speeds: Optional[HostSpeeds] = None):
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
        self.speeds = speeds
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
        self._finish_groups(jobs, results)
        if self.speeds is not None and self.speeds.path:
            try:
                self.speeds.save()
            except OSError as err:  # remembering speeds is a nicety: never fail the batch for it
                LOG.info("the measured download speeds could not be saved: %s", err)
        return [r for r in results]  # type: ignore[misc]

    @staticmethod
    def _finish_groups(jobs: Sequence[DownloadJob], results: List[Optional[DownloadResult]]) -> None:
        """Hand each product group the results of its jobs (see ``DownloadJob.group``)."""
        groups: Dict[int, Tuple[object, List[DownloadResult]]] = {}
        for job, result in zip(jobs, results):
            if job.group is not None and result is not None:
                groups.setdefault(id(job.group), (job.group, []))[1].append(result)
        for group, group_results in groups.values():
            try:
                group.finish(group_results)
            except EoSceneFinderError as err:
                for result in group_results:
                    if result.ok:
                        result.state, result.error = FAILED, err
            except Exception as err:  # noqa: BLE001 - one product must not lose the others
                LOG.exception("assembling a product failed")
                for result in group_results:
                    if result.ok:
                        result.state, result.error = FAILED, DownloadError(
                            f"The product could not be assembled: {redact_text(str(err))}")

    # ------------------------------------------------------------------ scheduling
    def _next(self, jobs, pending: List[int], run: _Run) -> Tuple[Optional[int], bool]:
        lim = self.limiter
        with lim.cond:
            while pending:
                for pos, idx in enumerate(pending):
                    if run.cancelled(jobs[idx]) or jobs[idx].offline:
                        return pending.pop(pos), False
                    if lim.can_take(jobs[idx].host, jobs[idx].max_sessions):
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
                slot = {"host": job.host if acquired else None}  # the host whose slot this worker holds
                try:
                    if session is None and acquired:
                        session = self.session_factory()
                        buffer = bytearray(self.chunk_size)
                    result = self._job(job, session, buffer, run, slot)
                    if result is None:   # its file is not ready yet: the other jobs go first
                        with self.limiter.cond:
                            pending.append(idx)
                            self.limiter.cond.notify_all()
                        continue
                except EoSceneFinderError as err:
                    result = DownloadResult(job, FAILED, error=err)
                except Exception as err:  # noqa: BLE001 - a bug must not lose the other jobs
                    LOG.exception("download of %s failed unexpectedly", redact_url(job.url))
                    result = DownloadResult(job, FAILED, error=DownloadError(
                        f"The download failed unexpectedly: {redact_text(str(err))}"))
                finally:
                    if slot["host"] is not None:
                        self.limiter.release(slot["host"])
                if result.state == FAILED:
                    LOG.info("download failed: %s: %s", redact_url(job.url), result.reason)
                results[idx] = result
                run.update(job, state=result.state, message=result.reason, result=result)
        finally:
            if session is not None:
                session.close()

    # ------------------------------------------------------------------ one job
    def _resolve(self, job: DownloadJob, run: _Run, slot: Dict[str, Optional[str]]) -> Optional[bool]:
        """Ask for the job's URL (``job.resolver``) without holding a download slot, then take
        a slot on the URL's host. False when cancelled meanwhile, None when not ready yet."""
        if slot.get("host") is not None:
            self.limiter.release(slot["host"])
            slot["host"] = None
        url = job.resolver(job, lambda: run.cancelled(job),
                           lambda text: run.update(job, state=QUEUED, message=text))
        if url == NOT_READY:
            return None
        if url is None:
            return False
        job.url = url
        job.resolver = None
        run.update(job, message="")
        lim = self.limiter
        with lim.cond:
            while not lim.can_take(job.host, job.max_sessions):
                if run.cancelled(job):
                    return False
                lim.cond.wait(0.1)
            lim.take(job.host)
        slot["host"] = job.host
        return True

    def _job(self, job: DownloadJob, session, buffer, run: _Run,
             slot: Optional[Dict[str, Optional[str]]] = None) -> Optional[DownloadResult]:
        """How ``job`` ended; None when its URL is not ready yet (``job.resolver``)."""
        if run.cancelled(job):
            return DownloadResult(job, CANCELLED, message="Cancelled.")
        if job.skip_reason:
            return DownloadResult(job, SKIPPED, path=job.dest_path, message=job.skip_reason)
        if job.offline:
            hint = f" {job.order_hint}" if job.order_hint else ""
            err = OfflineProductError(
                f"In the long-term archive (offline): it cannot be downloaded until it is restored.{hint}")
            return DownloadResult(job, OFFLINE, error=err)
        with _ACTIVE_LOCK:
            if job.dest_path in _ACTIVE_PATHS:
                return DownloadResult(job, FAILED, error=DownloadError(
                    f"{job.label} is already being downloaded by another task."))
            _ACTIVE_PATHS.add(job.dest_path)
        active_path = job.dest_path  # the server may rename the file (name_from_response)
        try:
            manifest = Manifest.for_folder(job.manifest_dir or os.path.dirname(job.dest_path))
            if id(job) not in run.waiting:   # checked once, not each time a waiting job comes back
                present = self._already_present(job, manifest, run)
                if present is not None:
                    return present
            if run.cancelled(job):
                return DownloadResult(job, CANCELLED, message="Cancelled.")
            if job.resolver is not None:
                ready = self._resolve(job, run, slot if slot is not None else {})
                if ready is None:
                    run.waiting.add(id(job))
                    return None
                if not ready:
                    return DownloadResult(job, CANCELLED, message="Cancelled.")
            checksum, note = job.checksum, ""
            if checksum is None and job.checksum_url:
                checksum, note = self._sidecar_checksum(job, session)
            try:
                began = time.monotonic()
                result = _Transfer(self, job, session, buffer, run, checksum, manifest).run()
                if self.speeds is not None and result.state == DONE and result.bytes_transferred:
                    self.speeds.record(job.host, result.bytes_transferred, time.monotonic() - began)
            except OSError as err:  # the output folder: permissions, missing drive, full disk
                if err.errno in (errno.ENOSPC, getattr(errno, "EDQUOT", -1)):
                    raise DiskFullError(f"The disk is full: {job.label} stopped; the partial file is kept.") from err
                raise DownloadError(f"Cannot write {err.filename or job.dest_path}: {err.strerror}.") from err
            if note and result.state == DONE:
                result.message = (result.message + " " + note).strip()
            return result
        finally:
            with _ACTIVE_LOCK:
                _ACTIVE_PATHS.discard(active_path)

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
        only to the job's own host and the hosts it lists (``credential_hosts``). Returns
        (response, final url)."""
        first = url
        creds = job.headers_provider.headers(url) if job.headers_provider else {}
        # credentials in the query (CREODIAS ?token=): added to the request only; ``url``
        # (what errors and logs name) never carries them
        query_creds = job.headers_provider.params(url) if job.headers_provider else {}
        for _hop in range(_MAX_REDIRECTS + 1):
            headers = {"Accept-Encoding": "identity", **job.extra_headers, **base_headers}
            params = None
            if credentials_may_follow(first, url, job.credential_hosts):
                headers.update(creds)
                params = query_creds or None
            else:
                for name in list(headers):
                    if name.lower() in SECRET_HEADERS or name in creds:
                        headers.pop(name)
            if offset:
                headers["Range"] = f"bytes={offset}-"
            try:
                resp = session.get(url, headers=headers, params=params, stream=True, allow_redirects=False,
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


