"""Downloads: parallel, resumable, checksum-verified; never a corrupt file under a final name.

- :mod:`.jobs`: what to fetch (:class:`DownloadJob`, from scenes with :func:`asset_jobs`),
  results, progress events and states;
- :mod:`.engine`: :class:`DownloadEngine`, which runs jobs with global and per-host limits;
- :mod:`.transfer`: one HTTP transfer (ranges, redirects without credentials, retries);
- :mod:`.manifest`: verified files recorded per output folder; :mod:`.checksums`;
- :mod:`.assembly`: products assembled from several files (a folder renamed once whole);
- :mod:`.s3`: products copied from S3 buckets with several accounts.

The public names below are imported lazily, so ``from ..download import checksums`` stays cheap.
"""
from .._lazy import lazy_exports

_EXPORTS = {
    "DownloadEngine": ".engine", "HostLimiter": ".engine",
    "DownloadJob": ".jobs", "DownloadResult": ".jobs", "ProgressEvent": ".jobs", "asset_jobs": ".jobs",
    "summarize": ".jobs", "size_text": ".transfer", "safe_name": ".jobs", "http_url": ".jobs",
    "is_product_archive": ".jobs",
    "QUEUED": ".jobs", "DOWNLOADING": ".jobs", "VERIFYING": ".jobs", "DONE": ".jobs", "SKIPPED": ".jobs",
    "FAILED": ".jobs", "OFFLINE": ".jobs", "CANCELLED": ".jobs", "FINAL_STATES": ".jobs",
    "Manifest": ".manifest", "MANIFEST_NAME": ".jobs",
}

__all__ = sorted(_EXPORTS)


__getattr__ = lazy_exports(__name__, _EXPORTS, globals())
