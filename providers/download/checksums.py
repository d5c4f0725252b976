"""Published checksums in the forms catalogs give them, and hashing files with them.

- STAC ``file:checksum``: a hex multihash (``1220...`` = sha2-256, ``d50110...`` = md5);
  parsed by :func:`.stac_common.parse_multihash`, re-exported here.
- CDSE/CREODIAS OData ``Checksum``: a list of ``{"Algorithm": "MD5", "Value": hex}``.
- Sidecar files (``md5sum``/``sha256sum`` output, or a bare digest).
"""
from __future__ import annotations

import hashlib
import re
from typing import Any, Iterable, Optional

from ..model import Checksum
from ..catalogs.stac.items import parse_multihash

__all__ = ["parse_multihash", "from_odata", "from_sidecar", "new_hasher", "hash_file",
           "checksum_text", "parse_checksum_text", "matches"]

# OData / sidecar algorithm names -> hashlib names, in order of preference
_ALGORITHMS = {"md5": "md5", "sha1": "sha1", "sha-1": "sha1", "sha256": "sha256", "sha-256": "sha256",
               "sha2-256": "sha256", "sha512": "sha512", "sha-512": "sha512", "sha2-512": "sha512",
               "sha384": "sha384", "sha3-256": "sha3_256", "sha3_256": "sha3_256",
               "sha3-512": "sha3_512", "sha3_512": "sha3_512", "blake2b_256": "blake2b_256"}
_DIGEST_LENGTHS = {32: "md5", 40: "sha1", 64: "sha256", 96: "sha384", 128: "sha512"}
_PREFERENCE = ("sha256", "sha512", "sha384", "sha1", "md5", "sha3_256", "sha3_512", "blake2b_256")


def _hashlib_name(name: str) -> Optional[str]:
    return _ALGORITHMS.get((name or "").strip().lower())


def from_odata(checksums: Any) -> Optional[Checksum]:
    """The strongest checksum hashlib can compute from an OData ``Checksum`` list
    (CDSE publishes MD5 and BLAKE3; BLAKE3 is not in hashlib, so MD5 is used)."""
    if isinstance(checksums, dict):
        checksums = [checksums]
    found = {}
    for entry in checksums or []:
        if not isinstance(entry, dict):
            continue
        name = _hashlib_name(str(entry.get("Algorithm") or entry.get("algorithm") or ""))
        value = str(entry.get("Value") or entry.get("value") or "").strip().lower()
        if name and re.fullmatch(r"[0-9a-f]+", value):
            found[name] = value
    for name in _PREFERENCE:
        if name in found:
            return Checksum(name, found[name])
    return None


def from_sidecar(text: str, file_name: Optional[str] = None,
                 algorithm: Optional[str] = None) -> Optional[Checksum]:
    """The checksum for ``file_name`` in a sidecar file (``<hex>  <name>`` lines as written
    by md5sum/sha256sum, BSD ``SHA256 (name) = hex``, or one bare digest). The algorithm is
    ``algorithm`` if given, else guessed from the digest length."""
    candidates = []
    for line in (text or "").splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        bsd = re.fullmatch(r"([A-Za-z0-9-]+)\s*\((.+)\)\s*=\s*([0-9a-fA-F]+)", line)
        if bsd:
            candidates.append((bsd.group(3).lower(), bsd.group(2).strip(), _hashlib_name(bsd.group(1))))
            continue
        gnu = re.fullmatch(r"([0-9a-fA-F]{32,128})(?:\s+\*?(.+))?", line)
        if gnu:
            candidates.append((gnu.group(1).lower(), (gnu.group(2) or "").strip(), None))
    if not candidates:
        return None
    chosen = None
    if file_name:
        base = file_name.replace("\\", "/").rsplit("/", 1)[-1]
        for cand in candidates:
            if cand[1] and cand[1].replace("\\", "/").rsplit("/", 1)[-1] == base:
                chosen = cand
                break
    if chosen is None:
        if len(candidates) != 1:
            return None
        chosen = candidates[0]
    digest, _name, named_alg = chosen
    alg = _hashlib_name(algorithm) if algorithm else (named_alg or _DIGEST_LENGTHS.get(len(digest)))
    if not alg:
        return None
    return Checksum(alg, digest)


def new_hasher(checksum: Checksum):
    """A hashlib object for ``checksum.algorithm`` (``blake2b_256`` included)."""
    if checksum.algorithm == "blake2b_256":
        return hashlib.blake2b(digest_size=32)
    return hashlib.new(checksum.algorithm)


def hash_file(path: str, checksum: Checksum, *, limit: Optional[int] = None, hasher=None,
              chunk_size: int = 8 << 20, should_stop=None):
    """Feed the first ``limit`` bytes (all by default) of ``path`` into ``hasher`` (a new
    one for ``checksum`` if None) and return it. ``should_stop()`` is polled per chunk."""
    hasher = hasher if hasher is not None else new_hasher(checksum)
    remaining = limit
    buf = bytearray(chunk_size)
    view = memoryview(buf)
    with open(path, "rb", buffering=0) as fh:
        while remaining is None or remaining > 0:
            if should_stop is not None and should_stop():
                break
            want = chunk_size if remaining is None else min(chunk_size, remaining)
            n = fh.readinto(view[:want])
            if not n:
                break
            hasher.update(view[:n])
            if remaining is not None:
                remaining -= n
    return hasher


def checksum_text(checksum: Optional[Checksum]) -> Optional[str]:
    """``"sha256:ab12..."`` (how the manifest stores a checksum)."""
    return f"{checksum.algorithm}:{checksum.hexdigest.lower()}" if checksum else None


def parse_checksum_text(text: Optional[str]) -> Optional[Checksum]:
    if not text or ":" not in text:
        return None
    alg, digest = text.split(":", 1)
    return Checksum(alg, digest.lower())


def matches(a: Optional[Checksum], b: Optional[Checksum]) -> bool:
    return bool(a and b and a.algorithm == b.algorithm and a.hexdigest.lower() == b.hexdigest.lower())


def strongest(checksums: Iterable[Optional[Checksum]]) -> Optional[Checksum]:
    """The preferred one of several checksums for the same file."""
    by_alg = {c.algorithm: c for c in checksums if c}
    for name in _PREFERENCE:
        if name in by_alg:
            return by_alg[name]
    return next(iter(by_alg.values()), None)
