"""The QGIS side of the plugin: toolbar button, menu entry, dock, Processing provider.

Heavy modules (pystac-client, shapely, the dock's widgets) are imported only when the dock is
first opened, so loading the plugin costs QGIS's start-up almost nothing.
"""
from __future__ import annotations

import os
import traceback
from typing import List, Optional

from qgis.core import Qgis, QgsApplication, QgsMessageLog
from qgis.PyQt.QtCore import Qt, QTimer
from qgis.PyQt.QtGui import QIcon
from qgis.PyQt.QtWidgets import QAction
from .i18n import install_translator, remove_translator, tr

PLUGIN_DIR = os.path.dirname(__file__)
LOG_TAG = "EO Scene Finder"
DOCK_OBJECT_NAME = "EoSceneFinderDock"



def missing_dependencies() -> List[str]:
    """Messages for the packages the plugin cannot work without (empty when all is there)."""
    missing = []
    try:
        import shapely.geometry  # noqa: F401
    except Exception:  # noqa: BLE001 - any import failure means unusable
        missing.append(tr("the Python package “shapely” (Debian/Ubuntu: sudo apt install python3-shapely; "
                          "Windows/macOS: included in the official QGIS installers)"))
    try:
        import requests  # noqa: F401
    except Exception:  # noqa: BLE001
        missing.append(tr("the Python package “requests” (Debian/Ubuntu: sudo apt install python3-requests)"))
    return missing


class EoSceneFinderPlugin:
    """Entry point QGIS instantiates through ``classFactory``."""

    def __init__(self, iface):
        self.iface = iface
        # before initProcessing, so the algorithms speak the user's language in qgis_process too
        self.translator = install_translator()
        self.action: Optional[QAction] = None
        self.dock = None
        self.processing_provider = None
        self.layer_refresher = None

    # QGIS plugin API -------------------------------------------------------------
    def initProcessing(self):  # noqa: N802
        try:
            from .algorithms.provider import EoSceneFinderProcessingProvider
        except ImportError:  # a broken install or a bug: say so, keep the panel working
            QgsMessageLog.logMessage(tr("The Processing algorithms could not be loaded:\n{details}").format(
                details=traceback.format_exc()),
                                     LOG_TAG, Qgis.Critical)
            return
        if self.processing_provider is None:
            self.processing_provider = EoSceneFinderProcessingProvider()
            QgsApplication.processingRegistry().addProvider(self.processing_provider)

    def initGui(self):  # noqa: N802
        icon = QIcon(os.path.join(PLUGIN_DIR, "icons", "icon.svg"))
        self.action = QAction(icon, tr("EO Scene Finder"), self.iface.mainWindow())
        self.action.setObjectName("EoSceneFinderAction")
        self.action.setCheckable(True)
        self.action.setToolTip(tr("Find, preview and download satellite scenes"))
        self.action.toggled.connect(self._toggle_dock)
        self.iface.addToolBarIcon(self.action)
        self.iface.addPluginToWebMenu(tr("&EO Scene Finder"), self.action)
        self.initProcessing()
        # once QGIS's window is up (keeps ~70 ms of imports out of QGIS's start-up)
        QTimer.singleShot(0, self._start_settings)

    def _start_settings(self):
        try:
            from .services.credentials import startup

            startup()  # QGIS proxy/CA settings followed, URL secrets kept out of projects
        except Exception as err:  # noqa: BLE001 - never block QGIS's start
            QgsMessageLog.logMessage(tr("Network settings not applied: {err}").format(err=err), LOG_TAG, Qgis.Warning)
        if self.layer_refresher is None:
            from .tasks.raster_task import StreamedLayerRefresher

            # streamed layers of a reopened project get fresh signatures
            self.layer_refresher = StreamedLayerRefresher()

    def unload(self):
        from .services.tasks import task_keeper

        if self.dock is not None:
            self.dock.shutdown()
            self.iface.removeDockWidget(self.dock)
            self.dock.setParent(None)
            self.dock.deleteLater()
            self.dock = None
        if self.action is not None:
            self.iface.removePluginWebMenu(tr("&EO Scene Finder"), self.action)
            self.iface.removeToolBarIcon(self.action)
            self.action.deleteLater()
            self.action = None
        if self.processing_provider is not None:
            QgsApplication.processingRegistry().removeProvider(self.processing_provider)
            self.processing_provider = None
        remove_translator(self.translator)
        self.translator = None
        if self.layer_refresher is not None:
            self.layer_refresher.close()
            self.layer_refresher = None
        task_keeper().cancel()  # whatever is still running: downloads, signing, searches
        try:
            from .services.credentials import shutdown

            shutdown()  # shared providers closed, logins ended, options no longer followed
        except Exception as err:  # noqa: BLE001 - unloading must finish
            QgsMessageLog.logMessage(tr("Unloading the services failed: {err}").format(
                err=err), LOG_TAG, Qgis.Warning)

    # dock ------------------------------------------------------------------------
    def show_dock(self):
        """Open (creating on first use) and raise the dock."""
        if self.action is not None and not self.action.isChecked():
            self.action.setChecked(True)  # goes through _toggle_dock
        else:
            self._toggle_dock(True)
        return self.dock

    def _toggle_dock(self, visible: bool):
        if visible and self.dock is None:
            missing = missing_dependencies()
            if missing:
                self.iface.messageBar().pushMessage(
                    LOG_TAG, tr("cannot start: missing {missing}").format(
                        missing="; ".join(missing)), Qgis.Critical, 0)
                QgsMessageLog.logMessage(tr("Missing: {missing}").format(
                    missing="; ".join(missing)), LOG_TAG, Qgis.Critical)
                if self.action is not None:
                    self.action.blockSignals(True)
                    self.action.setChecked(False)
                    self.action.blockSignals(False)
                return
            from .ui.dock import SceneFinderDock

            self.dock = SceneFinderDock(self.iface, self)
            self.dock.setObjectName(DOCK_OBJECT_NAME)
            self.iface.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, self.dock)
            self.dock.visibilityChanged.connect(self._dock_visibility_changed)
        if self.dock is not None:
            self.dock.setVisible(visible)
            if visible:
                self.dock.raise_()

    def _dock_visibility_changed(self, visible: bool):
        if self.action is not None and self.action.isChecked() != visible:
            self.action.blockSignals(True)
            self.action.setChecked(visible)
            self.action.blockSignals(False)
