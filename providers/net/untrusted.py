"""What a catalog on the network may not make the plugin do: open files on this computer,
write outside the folder the user chose, or send it an endless or gigantic answer.

A remote catalog's links and asset hrefs are data from a stranger: ``file:///home/...``,
``/etc/...``, ``/vsizip//home/...`` or a relative link climbing out of the catalog must never
be read; names from a listing or a manifest (``../../.bashrc``) must never leave the output
folder.
"""
from __future__ import annotations

import os
import re
from typing import Iterable

from .. import errors
from .redact import redact_url

# GDAL virtual file systems that read over the network
REMOTE_VSI = ("/vsicurl/", "/vsicurl?", "/vsicurl_streaming/", "/vsis3/", "/vsis3_streaming/", "/vsigs/",
              "/vsigs_streaming/", "/vsiaz/", "/vsiaz_streaming/", "/vsiadls/", "/vsioss/", "/vsiswift/",
              "/vsiwebhdfs/")
# GDAL virtual file systems that wrap another path (local or remote)
WRAPPING_VSI = ("/vsizip/", "/vsitar/", "/vsigzip/", "/vsi7z/", "/vsirar/", "/vsisubfile/", "/vsicrypt/",
                "/vsicached?", "/vsisparse/")
REMOTE_SCHEMES = ("http://", "https://", "s3://", "gs://", "az://", "abfs://")

MAX_PAGE_BYTES = 256 * 1024 * 1024  # a page of 1,000 STAC items with 24 assets each is ~16 MiB


def is_local_reference(href: str) -> bool:
    """True when ``href`` names something on this computer (a path, ``file://``, a GDAL
    virtual path over a local file), False when it is fetched over the network."""
    text = (href or "").strip()
    if text.lower().startswith(REMOTE_SCHEMES):
        return False
    if text.startswith("/vsi"):
        if text.startswith(REMOTE_VSI):
            return False
        for prefix in WRAPPING_VSI:
            if text.startswith(prefix):
                inner = text[len(prefix):]
                if prefix == "/vsisubfile/":  # /vsisubfile/offset_size,path
                    inner = inner.split(",", 1)[-1]
                return is_local_reference(inner if inner.startswith("/") else "/" + inner)
        return True  # /vsimem/, /vsistdin/ and the others: not the network
    return True


def refuse_local(href: str, what: str = "The catalog") -> None:
    """Raise when a remote catalog points at a local file (the name only is quoted)."""
    if is_local_reference(href):
        name = os.path.basename(href.rstrip("/")) or href
        raise errors.InvalidRequestError(
            f"{what} points to a file on this computer ({name}); a catalog on the network may not "
            "open local files, so it was not opened.")


def path_inside(root: str, *parts: str) -> str:
    """``root`` joined with ``parts`` (names from a server), refused when the result would
    leave ``root``: ``..``, absolute paths, drive letters."""
    pieces = []
    for part in parts:
        for piece in re.split(r"[\\/]+", str(part)):
            if piece in ("", "."):
                continue
            if piece == ".." or re.match(r"^[A-Za-z]:$", piece):
                raise errors.InvalidRequestError(
                    f"A file name from the server leaves the download folder ({'/'.join(map(str, parts))}); "
                    "it was not written.")
            pieces.append(piece)
    if not pieces:
        raise errors.InvalidRequestError("A file name from the server is empty; it was not written.")
    base = os.path.realpath(root)
    target = os.path.realpath(os.path.join(base, *pieces))
    if os.path.commonpath([base, target]) != base:
        raise errors.InvalidRequestError(
            f"A file name from the server leaves the download folder ({'/'.join(pieces)}); it was not written.")
    return os.path.join(root, *pieces)


class LoopGuard:
    """Remembers the pages asked for; a ``next`` link that comes back is a loop."""

    def __init__(self, what: str = "The catalog"):
        self.what = what
        self._seen = set()

    def check(self, key: str) -> None:
        if key in self._seen:
            raise errors.MalformedResponseError(
                f"{self.what} sent a “next” link back to a page it had already given: the results end "
                "here (a loop in the server's paging).", url=redact_url(key.split(" ", 1)[0]))
        self._seen.add(key)

    def seen(self) -> Iterable[str]:
        return tuple(self._seen)


def parse_xml(data: bytes):
    """An XML document from a server (S3 listings and errors, SAFE manifests) as an
    ElementTree element, refusing any DTD: no entity is ever expanded or fetched (what
    defusedxml does; S3 and the SAFE format never use one). Raises ``ET.ParseError``."""
    import xml.etree.ElementTree as ET

    head = bytes(data or b"")[:4096].lower()
    if b"<!doctype" in head or b"<!entity" in bytes(data or b"").lower():
        raise ET.ParseError("XML with a DTD or entities is not accepted from a server")
    return ET.fromstring(data)
