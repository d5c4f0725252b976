"""The plugin's remembered download speeds per host (one JSON file in the QGIS profile), shared
by the panel's downloads and the Processing algorithms, read by the source preference rule."""
from __future__ import annotations

import os
import threading
from typing import Optional

from qgis.core import QgsApplication

from ..providers.download.speeds import HostSpeeds

_lock = threading.Lock()
_shared: Optional[HostSpeeds] = None


def speeds_path() -> str:
    return os.path.join(QgsApplication.qgisSettingsDirPath(), "eo_scene_finder", "host_speeds.json")


def shared_host_speeds() -> HostSpeeds:
    """The one :class:`HostSpeeds` of this QGIS profile (loaded on first use)."""
    global _shared
    with _lock:
        if _shared is None or _shared.path != speeds_path():
            _shared = HostSpeeds(speeds_path())
        return _shared
