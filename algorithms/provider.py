"""The ``eoscenefinder`` Processing provider."""
from __future__ import annotations

import os

from qgis.core import QgsProcessingProvider
from qgis.PyQt.QtGui import QIcon
from ..i18n import tr

PLUGIN_DIR = os.path.dirname(os.path.dirname(__file__))


class EoSceneFinderProcessingProvider(QgsProcessingProvider):
    """Search, best coverage, download, mosaic and export algorithms sharing the panel's core."""

    def id(self):
        return "eoscenefinder"

    def name(self):
        return "EO Scene Finder"  # the plugin's name, as in the menu

    def longName(self):  # noqa: N802
        return tr("EO Scene Finder — satellite scene search and download")

    def icon(self):
        return QIcon(os.path.join(PLUGIN_DIR, "icons", "icon.svg"))

    def loadAlgorithms(self):  # noqa: N802
        from .coverage import CoverageAlgorithm
        from .download import DownloadAlgorithm
        from .export import ExportAlgorithm
        from .mosaic import MosaicAlgorithm
        from .search import SearchAlgorithm

        for alg in (SearchAlgorithm(), DownloadAlgorithm(), MosaicAlgorithm(), ExportAlgorithm(), CoverageAlgorithm()):
            self.addAlgorithm(alg)

    def unload(self):
        """Close the shared providers: ``qgis_process`` never unloads the plugin, so this is
        where services that want it (USGS M2M ``logout``) hear that the work is over."""
        try:
            from ..services.providers import close_providers

            close_providers()
        except Exception:  # noqa: BLE001 - QGIS is shutting down; nothing to report to
            pass
