"""An optional on-disk cache of raw catalogue answers, keyed by request.

Repeating a big search (a year of Sentinel-2 split into dozens of date slices) then costs
nothing: every slice's answer is read back from disk as long as it is younger than the age
limit. Off by default (a setting); "clear cache" is :meth:`ResponseCache.clear`.

Entries are one JSON file per request (``<sha256 of the key>.json``) written atomically, so
several threads and processes can share a folder. Only answers that succeeded are stored;
nothing secret is ever part of a key (catalogue searches carry no credentials).
"""
from __future__ import annotations

import hashlib
import json
import os
import tempfile
import time
from pathlib import Path
from typing import Any, Optional, Union

DEFAULT_MAX_AGE = 24 * 3600  # seconds


class ResponseCache:
    """Raw answers (JSON-serialisable) on disk, each valid for ``max_age`` seconds."""

    def __init__(self, directory: Union[str, Path], max_age: float = DEFAULT_MAX_AGE):
        self.directory = Path(directory)
        self.max_age = float(max_age)
        self.hits = 0
        self.misses = 0

    @classmethod
    def from_options(cls, options: dict) -> Optional["ResponseCache"]:
        """The cache a connection's options ask for (``cache_dir``, ``cache_max_age``), or
        None when caching is off (the default)."""
        directory = (options or {}).get("cache_dir")
        if not directory:
            return None
        max_age = (options or {}).get("cache_max_age") or DEFAULT_MAX_AGE
        return cls(directory, float(max_age))

    @staticmethod
    def key_for(method: str, url: str, body: Any = None) -> str:
        text = method.upper() + " " + url
        if body is not None:
            text += "\n" + json.dumps(body, sort_keys=True)
        return hashlib.sha256(text.encode("utf-8")).hexdigest()

    def _path(self, key: str) -> Path:
        return self.directory / key[:2] / f"{key}.json"

    def get(self, method: str, url: str, body: Any = None) -> Optional[Any]:
        """The stored answer for this request if it is fresh enough, else None."""
        path = self._path(self.key_for(method, url, body))
        try:
            with open(path, "r", encoding="utf-8") as fh:
                entry = json.load(fh)
        except (OSError, ValueError):
            self.misses += 1
            return None
        if time.time() - float(entry.get("stored_at", 0)) > self.max_age or entry.get("url") != url:
            self.misses += 1
            return None
        self.hits += 1
        return entry.get("answer")

    def put(self, method: str, url: str, answer: Any, body: Any = None) -> None:
        """Store an answer (best effort: a full disk or a read-only folder is not an error)."""
        path = self._path(self.key_for(method, url, body))
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=".json")
            try:
                with os.fdopen(fd, "w", encoding="utf-8") as fh:
                    json.dump({"url": url, "method": method.upper(), "stored_at": time.time(),
                               "answer": answer}, fh, separators=(",", ":"))
                os.replace(tmp, path)
            except BaseException:
                try:
                    os.unlink(tmp)
                except OSError:
                    pass
                raise
        except OSError:
            pass

    def clear(self) -> int:
        """Delete every entry; returns how many were removed."""
        removed = 0
        if not self.directory.is_dir():
            return 0
        for path in self.directory.glob("*/*.json"):
            try:
                path.unlink()
                removed += 1
            except OSError:
                pass
        for sub in self.directory.iterdir():
            if sub.is_dir():
                try:
                    sub.rmdir()
                except OSError:
                    pass
        return removed

    def prune(self) -> int:
        """Delete entries older than the age limit; returns how many were removed."""
        removed = 0
        now = time.time()
        if not self.directory.is_dir():
            return 0
        for path in self.directory.glob("*/*.json"):
            try:
                if now - path.stat().st_mtime > self.max_age:
                    path.unlink()
                    removed += 1
            except OSError:
                pass
        return removed

    def size_bytes(self) -> int:
        if not self.directory.is_dir():
            return 0
        return sum(p.stat().st_size for p in self.directory.glob("*/*.json") if p.is_file())

    def __len__(self) -> int:
        if not self.directory.is_dir():
            return 0
        return sum(1 for _ in self.directory.glob("*/*.json"))
