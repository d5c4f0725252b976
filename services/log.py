"""The plugin's tag in QGIS's message log, and one helper to write there."""
from __future__ import annotations

from qgis.core import Qgis, QgsMessageLog

LOG_TAG = "EO Scene Finder"


def log_message(message: str, level=Qgis.Info) -> None:
    """Write ``message`` to the “EO Scene Finder” tab of QGIS's log panel."""
    QgsMessageLog.logMessage(message, LOG_TAG, level)
