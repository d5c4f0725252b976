"""What a download is: :class:`DownloadJob` (built from scenes by :func:`asset_jobs`), its
result, progress events and states."""
from __future__ import annotations

import logging
import os
import re
import threading
from dataclasses import dataclass, field
from typing import Any, Callable, Dict, Iterable, List, Optional, Sequence, Tuple
from urllib.parse import unquote, urlsplit


from . import checksums
from ..errors import EoSceneFinderError, InvalidRequestError
from ..model import Asset, Checksum, Scene
from ..net.redact import redact_url
from ..auth.headers import HeadersProvider, ProviderHeaders


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
# downloaded whole, but never matching the published checksum (twice): kept under
# <name>.unverified, never under the final name
UNVERIFIED = "unverified"
FINAL_STATES = frozenset({DONE, SKIPPED, FAILED, OFFLINE, CANCELLED, UNVERIFIED})

# what a job's ``resolver`` returns when its file is not ready yet: the engine lets other jobs
# go first and asks again later
NOT_READY = "not ready"

MANIFEST_NAME = ".eo_scene_finder_manifest.json"
PART_SUFFIX = ".part"
UNVERIFIED_SUFFIX = ".unverified"
WHAT = "The download server"
_REDIRECTS = (301, 302, 303, 307, 308)
_MAX_REDIRECTS = 10
_MIN_READ = 64 * 1024


# --------------------------------------------------------------------------------- jobs
@dataclass(eq=False)
class DownloadJob:
    """One file to download to ``dest_path``.

    ``size`` and ``checksum`` come from the catalog (None when unknown); ``checksum_url``
    points to a sidecar checksum file. ``manifest_dir`` is the output folder holding the
    manifest (default: the file's folder). ``offline`` marks a product in a long-term
    archive (``order_hint`` says how to get it). ``unpack`` extracts a verified zip.
    ``credential_hosts`` lists the hosts or domains (``example.com``, ``*.example.com``)
    where the credentials may follow a redirect besides the job's own host (scheme, host and
    port); by default they never leave it. They never follow a redirect from HTTPS to HTTP.
    ``max_sessions`` caps the parallel downloads from the job's host (a service's session
    limit per account: CREODIAS); ``refusals`` maps an HTTP status of that service to what it
    means for the user (no credentials refresh, no retry: the job fails with that text).
    ``group`` ties the files of one product together: after the run, ``group.finish(results)``
    gets the results of its jobs (assembling the product once every file is there: a SAFE
    rebuilt from a bucket). ``skip_reason`` marks a job with nothing to fetch (the product is
    already in the output folder): it ends skipped with that reason, without a request.
    ``response_check(url, response)`` sees each final answer before its body is read and
    raises an :class:`EoSceneFinderError` when it is not the file (a service's login or
    licence page answered with HTTP 200), so that such a page is never saved as data.
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
    credential_hosts: Tuple[str, ...] = ()
    max_sessions: Optional[int] = None
    refusals: Dict[int, str] = field(default_factory=dict)
    extra_headers: Dict[str, str] = field(default_factory=dict)
    group: Any = None
    skip_reason: str = ""
    response_check: Optional[Callable[[str, Any], None]] = None
    # resolver(job, should_stop, report) -> the URL to fetch, NOT_READY (asked again after the
    # other jobs had their turn) or None when cancelled: for services that hand out a file's URL
    # only when it is ready (USGS M2M); called when the job's turn comes, after the
    # skip-present check, without holding a download slot
    resolver: Optional[Callable[["DownloadJob", Callable[[], bool], Callable[[str], None]], Optional[str]]] = None
    # the server's Content-Disposition file name replaces the file name (fresh downloads only)
    name_from_response: bool = False
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

    @property
    def unverified_path(self) -> str:
        """Where bytes that never matched the published checksum are kept."""
        return self.dest_path + UNVERIFIED_SUFFIX

    def cancel(self) -> None:
        """Stop this job (the ``.part`` stays for a later resume)."""
        self._cancel.set()

    @property
    def cancelled(self) -> bool:
        return self._cancel.is_set()


@dataclass
class DownloadResult:
    """How a job ended: ``state`` is done / skipped / failed / offline / cancelled /
    unverified (the whole file is kept under ``<name>.unverified``: it never matched the
    published checksum; ``path`` is that file)."""

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



def _origin_of(url: str):
    parts = urlsplit(url)
    port = parts.port or {"http": 80, "https": 443}.get(parts.scheme.lower(), 0)
    return parts.scheme.lower(), (parts.hostname or "").lower(), port


def host_matches(host: str, pattern: str) -> bool:
    """``host`` is ``pattern`` or, for ``*.domain`` / ``.domain``, the domain or one of its
    subdomains (``download.dataspace.copernicus.eu`` matches ``*.dataspace.copernicus.eu``)."""
    host = host.lower().rstrip(".")
    pattern = pattern.strip().lower().rstrip(".")
    if not host or not pattern:
        return False
    if pattern.startswith("*."):
        pattern = pattern[1:]
    if pattern.startswith("."):
        return host == pattern[1:] or host.endswith(pattern)
    return host == pattern


def credentials_may_follow(origin_url: str, url: str, hosts: Iterable[str] = ()) -> bool:
    """Whether credentials meant for ``origin_url`` may be sent to ``url`` after a redirect:
    the same scheme, host and port, or a host matching one of ``hosts``; never from HTTPS
    down to HTTP."""
    scheme0, host0, port0 = _origin_of(origin_url)
    scheme, host, port = _origin_of(url)
    if (scheme, host, port) == (scheme0, host0, port0):
        return True
    if scheme0 == "https" and scheme != "https":
        return False
    return any(host_matches(host, p) for p in hosts)


def split_hosts(text: Any) -> Tuple[str, ...]:
    """A comma- or space-separated host list (a connection option) as a tuple."""
    if not text:
        return ()
    if isinstance(text, (list, tuple)):
        return tuple(str(t).strip() for t in text if str(t).strip())
    return tuple(t for t in re.split(r"[\s,]+", str(text)) if t)


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
    if provider is not None and callable(getattr(provider, "download_jobs_for", None)):
        # a service with its own download steps (USGS M2M: request, then wait for the files)
        return provider.download_jobs_for(scene, asset_keys, output_folder, unpack=unpack)
    output_folder = os.path.abspath(output_folder)
    product_jobs = getattr(provider, "product_jobs", None) if provider is not None else None
    if asset_keys is None and callable(product_jobs):
        # the whole product, assembled by its provider (a SAFE rebuilt from a bucket)
        return product_jobs(scene, output_folder, unpack=unpack)
    keys = list(asset_keys) if asset_keys is not None else [k for k, a in scene.assets.items() if a.is_data]
    collection_dir = os.path.join(output_folder, safe_name(scene.collection or "", "no-collection"))
    scene_dir = os.path.join(collection_dir, safe_name(scene.id, "scene"))
    if headers_provider is None and provider is not None:
        headers_provider = ProviderHeaders(provider)
    order_hint = None
    if scene.online is False and provider is not None:
        order_hint = provider.order_hint(scene)
    credential_hosts: Tuple[str, ...] = ()
    if provider is not None and callable(getattr(provider, "credential_hosts", None)):
        credential_hosts = tuple(provider.credential_hosts() or ())
    max_sessions: Optional[int] = None
    if provider is not None and callable(getattr(provider, "max_download_sessions", None)):
        max_sessions = provider.max_download_sessions()
    refusals: Dict[int, str] = {}
    if provider is not None and callable(getattr(provider, "download_refusals", None)):
        refusals = dict(provider.download_refusals() or {})
    response_check = None
    check = getattr(provider, "check_download_response", None) if provider is not None else None
    if callable(check):
        def response_check(url: str, response: Any, _scene: Scene = scene) -> None:
            check(_scene, url, response)
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
            offline=scene.online is False, order_hint=order_hint, credential_hosts=credential_hosts,
            max_sessions=max_sessions, refusals=refusals, response_check=response_check))
    return jobs


def summarize(results: Sequence[DownloadResult]) -> Dict[str, int]:
    """How many results ended in each state."""
    counts: Dict[str, int] = {}
    for r in results:
        counts[r.state] = counts.get(r.state, 0) + 1
    return counts
