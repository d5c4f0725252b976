"""One HTTP transfer: ``.part`` + ``Range`` resume, redirects followed with credentials only
where the job allows them, checksum while writing, retries, atomic rename (to the final name
when verified, to ``<name>.unverified`` when the published checksum never matches)."""
from __future__ import annotations

from typing import TYPE_CHECKING

import errno
import http.client
import os
import re
import shutil
import time
import uuid
import tarfile
import zipfile
from typing import List, Optional, Tuple
from urllib.parse import urlsplit

import requests

from . import checksums
from ..net import http as eohttp
from ..errors import AuthenticationError, ChecksumMismatchError, DiskFullError, DownloadError, EoSceneFinderError, MalformedResponseError, OfflineProductError, RateLimitedError, ServerError, ServiceError, ServiceTimeoutError, UnreachableError
from ..model import Checksum
from ..net.redact import redact_url
import logging
from .jobs import CANCELLED, DONE, DOWNLOADING, DownloadJob, DownloadResult, FAILED, OFFLINE, UNVERIFIED, VERIFYING, WHAT, _MIN_READ
from .manifest import Manifest

if TYPE_CHECKING:
    from .engine import DownloadEngine, _Run

LOG = logging.getLogger(__name__)


class _StartOver(Exception):
    """Throw away the .part and download from byte 0."""


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
        self.digest_mismatch = False  # the last verification failed on the checksum, not the size

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
            if mismatches >= 2 and self.digest_mismatch:
                # twice the whole file, twice not the published checksum: some services publish
                # checksums that never match (CDSE). Keep the bytes, under a name that says so.
                return self._unverified()
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
            if job.response_check is not None:
                job.response_check(url, resp)  # raises when the answer is a page, not the file
            if status == 202:
                raise OfflineProductError(
                    "Being restored from the long-term archive (HTTP 202): download it again later."
                    + (f" {job.order_hint}" if job.order_hint else ""))
            if status in job.refusals:
                # the service's own meaning of this status (CREODIAS 403: data terms not accepted)
                raise AuthenticationError(job.refusals[status], url=redact_url(url), status=status,
                                          server_message=eohttp.server_message(resp) or None)
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
                if job.name_from_response and not self.offset:
                    self._take_server_name(resp)
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

    def _take_server_name(self, resp) -> None:
        """Name a fresh download as the server's ``Content-Disposition`` says (USGS M2M)."""
        name = content_disposition_name(resp.headers.get("Content-Disposition"))
        if not name:
            return
        from .jobs import safe_name
        name = safe_name(name)
        if name == os.path.basename(self.final):
            return
        _remove(self.part)
        self.job.dest_path = os.path.join(os.path.dirname(self.final), name)
        self.final, self.part = self.job.dest_path, self.job.part_path

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
        self.digest_mismatch = False
        self.run_.update(job, state=VERIFYING, message="Verifying")
        size = os.path.getsize(self.part)
        if self.total is not None and size != self.total:
            return ChecksumMismatchError(
                f"{job.label} is {_size_text(size)} instead of {_size_text(self.total)}.")
        if self.checksum is not None:
            digest = self.hasher.hexdigest().lower()
            self.digest_mismatch = digest != self.checksum.hexdigest.lower()
            if self.digest_mismatch:
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
        durable_replace(self.part, self.final)
        verified_by = self.checksum.algorithm if self.checksum else ("size" if self.total is not None else None)
        self.manifest.record(self.final, self.checksum, verified_by)
        size = os.path.getsize(self.final)
        unpacked = _unpack(self.final) if job.unpack else None
        self.run_.update(job, done=size, total=size)
        _remove(self.job.unverified_path)  # an earlier run's unverified copy: this one is good
        message = "Downloaded and verified." if self.checksum else (
            "Downloaded; not verified (no checksum published; the size matches)." if verified_by
            else "Downloaded; not verified (no checksum published).")
        return DownloadResult(job, DONE, path=self.final, bytes_transferred=self.run_.stats[id(job)].transferred,
                              size=size, message=message, verified_by=verified_by, unpacked_path=unpacked)

    def _unverified(self) -> DownloadResult:
        job = self.job
        os.replace(self.part, job.unverified_path)
        size = os.path.getsize(job.unverified_path)
        self.run_.update(job, done=size, total=size)
        name = os.path.basename(job.unverified_path)
        algorithm = self.checksum.algorithm.upper() if self.checksum else "checksum"
        return DownloadResult(
            job, UNVERIFIED, path=job.unverified_path, size=size,
            bytes_transferred=self.run_.stats[id(job)].transferred,
            message=(f"Downloaded twice, and both times the file did not match the {algorithm} checksum "
                     f"the server publishes. It is kept as {name}, not under its own name: the published "
                     "checksum may be wrong, or the file damaged. Check it (open the archive) before using "
                     "it, and rename it yourself if it is good."))

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


def _fsync_path(path: str, directory: bool = False) -> None:
    """Flush a file's (or a folder's entries') data to the disk; best effort where the
    system does not allow it (folders on Windows)."""
    try:
        fd = os.open(path, os.O_RDONLY if directory else os.O_RDWR)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def durable_replace(source: str, target: str) -> None:
    """``os.replace`` that survives a power cut or a killed QGIS: the bytes are on the disk
    before the name changes, and the new name is on the disk after it."""
    _fsync_path(source)
    os.replace(source, target)
    _fsync_path(os.path.dirname(os.path.abspath(target)) or ".", directory=True)


def size_text(n: Optional[float]) -> str:
    """``12.3 MiB``."""
    return _size_text(n)


_TAR_SUFFIXES = (".tar.gz", ".tgz", ".tar")


def _archive_stem(archive: str) -> str:
    name = os.path.basename(archive)
    for suffix in (".zip",) + _TAR_SUFFIXES:
        if name.lower().endswith(suffix):
            return name[: -len(suffix)]
    return name


def _unpack(archive: str) -> Optional[str]:
    """Extract a verified zip or tar (USGS bundles, Google's Landsat .tar.gz) next to it, once;
    return the folder, None if it is neither. Members that would land outside the folder (``..``,
    absolute paths, links, devices) refuse the whole archive."""
    if zipfile.is_zipfile(archive):
        with zipfile.ZipFile(archive) as zf:
            names = [n.replace("\\", "/") for n in zf.namelist() if n and not n.startswith("__MACOSX")]
            return _extract(archive, names, lambda tmp: _extract_zip(zf, archive, tmp))
    if tarfile.is_tarfile(archive):
        with tarfile.open(archive) as tf:
            members = tf.getmembers()
            for member in members:
                if not (member.isfile() or member.isdir()):
                    raise DownloadError(f"{os.path.basename(archive)} holds a link or device ({member.name}); "
                                        "not unpacked.")
            names = [m.name for m in members if m.name]
            return _extract(archive, names, lambda tmp: _extract_tar(tf, members, archive, tmp))
    return None


def _extract(archive: str, names: List[str], extract_into) -> str:
    parent = os.path.dirname(archive)
    stem = _archive_stem(archive)
    tops = {n.split("/", 1)[0] for n in names if n.split("/", 1)[0] not in ("", ".")}
    single_top = len(tops) == 1 and any("/" in n.strip("/") for n in names)
    target = os.path.join(parent, next(iter(tops)) if single_top else stem)
    if os.path.exists(target):
        return target
    tmp = os.path.join(parent, f".{stem}.unpacking-{uuid.uuid4().hex[:6]}")
    os.makedirs(tmp)
    try:
        extract_into(tmp)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    source = os.path.join(tmp, next(iter(tops))) if single_top else tmp
    os.replace(source, target)
    shutil.rmtree(tmp, ignore_errors=True)
    return target


def _inside(tmp: str, name: str, archive: str) -> None:
    root = os.path.realpath(tmp)
    dest = os.path.realpath(os.path.join(tmp, name))
    if not dest.startswith(root + os.sep) and dest != root:
        raise DownloadError(f"{os.path.basename(archive)} contains a path outside its folder; not unpacked.")


def _extract_zip(zf: "zipfile.ZipFile", archive: str, tmp: str) -> None:
    for info in zf.infolist():
        _inside(tmp, info.filename, archive)
    zf.extractall(tmp)


def _extract_tar(tf: "tarfile.TarFile", members, archive: str, tmp: str) -> None:
    for member in members:
        _inside(tmp, member.name, archive)
    for member in members:
        # one member at a time, checked above: no links, no devices, nothing outside ``tmp``
        if hasattr(tarfile, "data_filter"):   # Python ≥ 3.11.4: the standard library checks too
            tf.extract(member, tmp, set_attrs=False, filter="data")
        else:
            tf.extract(member, tmp, set_attrs=False)


def content_disposition_name(header: Optional[str]) -> Optional[str]:
    """The file name of a ``Content-Disposition`` header (``filename*=UTF-8''...`` first)."""
    if not header:
        return None
    m = re.search(r"filename\*\s*=\s*(?:UTF-8|utf-8)''([^;]+)", header)
    if m:
        from urllib.parse import unquote
        return os.path.basename(unquote(m.group(1).strip().strip('"'))) or None
    m = re.search(r'filename\s*=\s*"([^"]+)"|filename\s*=\s*([^;]+)', header)
    if not m:
        return None
    return os.path.basename((m.group(1) or m.group(2) or "").strip()) or None
