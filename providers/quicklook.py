"""Fetch a quicklook/thumbnail image (signed where the catalog needs it)."""
from __future__ import annotations

import os
from urllib.parse import unquote, urlsplit

from .net import http
from .errors import NotFoundError, ServiceError

MAX_QUICKLOOK_BYTES = 20 * 1024 * 1024


def fetch_quicklook(provider, href: str) -> bytes:
    """The image bytes behind ``href`` (a URL or a local path), at most 20 MiB."""
    resolved = provider.resolve_href(href)
    reads_local = getattr(provider, "reads_local_files", None)
    if not (callable(reads_local) and reads_local()):
        from .net.untrusted import refuse_local

        refuse_local(resolved, "The quicklook link")
    if resolved.startswith("file://"):
        resolved = unquote(urlsplit(resolved).path)
    if not resolved.startswith(("http://", "https://")):
        if not os.path.isfile(resolved):
            raise NotFoundError(f"The quicklook file {os.path.basename(resolved)} does not exist.")
        with open(resolved, "rb") as fh:
            return fh.read(MAX_QUICKLOOK_BYTES)
    session = getattr(provider, "session", None)
    if callable(session):  # providers that keep one session per thread (CDSE, CMR) give it by a call
        session = session()
    session = session or http.new_session()
    headers = provider.request_headers(resolved) if hasattr(provider, "request_headers") else {}
    response = http.request(session, "GET", resolved, what="The quicklook server", headers=headers, stream=True)
    data = response.raw.read(MAX_QUICKLOOK_BYTES + 1, decode_content=True)
    response.close()
    if len(data) > MAX_QUICKLOOK_BYTES:
        raise ServiceError("The quicklook is larger than 20 MiB; open the scene's assets instead.")
    return data
