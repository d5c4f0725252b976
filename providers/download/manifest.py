"""``.eo_scene_finder_manifest.json``: verified files per output folder, so a re-run skips them."""
from __future__ import annotations

import json
import os
import threading
import time
import uuid
from typing import Dict, Optional


from . import checksums
from ..model import Checksum
from .jobs import MANIFEST_NAME


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
                fh.flush()
                os.fsync(fh.fileno())  # whole on the disk before it replaces the old manifest
            os.replace(tmp, self.path)


