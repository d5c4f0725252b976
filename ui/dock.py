"""The EO Scene Finder dock (shell; the full panel lands with the panel issue)."""
from __future__ import annotations

from qgis.PyQt.QtWidgets import QDockWidget, QLabel, QVBoxLayout, QWidget


class SceneFinderDock(QDockWidget):
    """Dock widget hosting the search panel."""

    def __init__(self, iface, plugin, parent=None):
        super().__init__("EO Scene Finder", parent or iface.mainWindow())
        self.iface = iface
        self.plugin = plugin
        body = QWidget(self)
        layout = QVBoxLayout(body)
        layout.addWidget(QLabel("EO Scene Finder"))
        self.setWidget(body)

    def shutdown(self):
        """Cancel work and remove layers/map tools the dock added (called on unload)."""
