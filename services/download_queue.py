"""The Downloads tab's queue on disk, so downloads survive a QGIS that was killed or closed
mid-transfer: each batch (connection, scenes' unsigned records, asset keys, folder) is
written when it is queued and removed when it ends; what is still there at the next start
was interrupted and can be resumed (the files resume from their ``.part``).

One JSON file in the QGIS profile (``eo_scene_finder/download_queue.json``), written whole
to a temporary file, flushed to the disk, then renamed over the old one.
"""
from __future__ import annotations

import json
import os
import threading
import time
import uuid
from typing import Any, Dict, List, Optional

from qgis.core import QgsApplication

_lock = threading.Lock()


def queue_path() -> str:
    return os.path.join(QgsApplication.qgisSettingsDirPath(), "eo_scene_finder", "download_queue.json")


class DownloadQueue:
    """Batches of downloads not finished yet, kept in ``path``."""

    def __init__(self, path: Optional[str] = None):
        self.path = path or queue_path()

    def batches(self) -> List[Dict[str, Any]]:
        with _lock:
            return list(self._read().values())

    def add(self, connection: str, records: List[dict], keys: Optional[List[str]], folder: str,
            unpack: bool, label: str = "", batch_id: Optional[str] = None) -> str:
        batch_id = batch_id or uuid.uuid4().hex
        batch = {"id": batch_id, "connection": connection, "records": records, "keys": keys,
                 "folder": folder, "unpack": bool(unpack), "label": label, "queued": time.time()}
        with _lock:
            batches = self._read()
            batches[batch_id] = batch
            self._write(batches)
        return batch_id

    def remove(self, batch_id: str) -> None:
        with _lock:
            batches = self._read()
            if batches.pop(batch_id, None) is not None:
                self._write(batches)

    def clear(self) -> None:
        with _lock:
            self._write({})

    def _read(self) -> Dict[str, Dict[str, Any]]:
        try:
            with open(self.path, encoding="utf-8") as fh:
                data = json.load(fh)
        except (OSError, ValueError):
            return {}
        batches = data.get("batches") if isinstance(data, dict) else None
        if not isinstance(batches, list):
            return {}
        return {str(b["id"]): b for b in batches if isinstance(b, dict) and b.get("id")
                and isinstance(b.get("records"), list) and b.get("connection") and b.get("folder")}

    def _write(self, batches: Dict[str, Dict[str, Any]]) -> None:
        os.makedirs(os.path.dirname(self.path), exist_ok=True)
        tmp = f"{self.path}.{os.getpid()}.tmp"
        with open(tmp, "w", encoding="utf-8") as fh:
            json.dump({"format": 1, "batches": list(batches.values())}, fh)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, self.path)
