"""Stream a remote COG/GeoTIFF as a QGIS raster layer without downloading it.

Signing and GDAL's first reads (the network part) happen in a background task; the layer is
created on the GUI thread afterwards and hits GDAL's in-process cache, so QGIS never waits on
the network. GDAL options are set for the asset's host only (path-specific options), so a
user's local rasters keep their sidecar files (.ovr, .aux.xml).
"""
from __future__ import annotations

import traceback
from dataclasses import dataclass
from typing import Any, Callable, List, Optional
from urllib.parse import urlsplit

from qgis.core import Qgis, QgsDataProvider, QgsProject, QgsRasterLayer, QgsTask
from qgis.PyQt.QtCore import QObject, pyqtSignal

from ..providers.errors import EoSceneFinderError, ServiceError
from ..providers.net.redact import redact_text, strip_signature
from ..services.tasks import TaskKeeper, task_keeper
from ..i18n import tr

REMOTE_GDAL_OPTIONS = {
    # no directory listing and no sidecar probes: opening costs a HEAD and one range read
    "GDAL_DISABLE_READDIR_ON_OPEN": "EMPTY_DIR",
    "GDAL_HTTP_MERGE_CONSECUTIVE_RANGES": "YES",
    "GDAL_HTTP_MULTIPLEX": "YES",
    "GDAL_HTTP_VERSION": "2",
    "VSI_CACHE": "TRUE",
    "VSI_CACHE_SIZE": "67108864",
    "GDAL_HTTP_MAX_RETRY": "3",
    "GDAL_HTTP_RETRY_DELAY": "1",
}


def gdal_prefix(path: str) -> Optional[str]:
    """The path prefix GDAL options are scoped to: ``/vsicurl/https://host/`` or ``/vsis3/bucket/``."""
    if path.startswith("/vsicurl/"):
        url = path[len("/vsicurl/"):]
        parts = urlsplit(url)
        if parts.scheme and parts.netloc:
            return f"/vsicurl/{parts.scheme}://{parts.netloc}/"
    for vsi in ("/vsis3/", "/vsigs/", "/vsiaz/"):
        if path.startswith(vsi):
            bucket = path[len(vsi):].split("/", 1)[0]
            return f"{vsi}{bucket}/"
    return None


def configure_gdal_for(path: str, extra: Optional[dict] = None) -> None:
    """Set the streaming options for the host/bucket of ``path`` (GDAL >= 3.6 path-specific
    options; older GDAL: thread-local options for the current thread only)."""
    from osgeo import gdal

    options = dict(REMOTE_GDAL_OPTIONS)
    options.update(extra or {})
    prefix = gdal_prefix(path)
    setter = getattr(gdal, "SetPathSpecificOption", None)
    for key, value in options.items():
        if prefix and setter is not None:
            setter(prefix, key, value)
        else:
            gdal.SetThreadLocalConfigOption(key, value)


STRETCH_CUT = (0.02, 0.98)  # the 2 % darkest and brightest pixels saturate, as QGIS's cumulative cut


def approximate_stretch(band) -> Optional[tuple]:
    """The 2nd and 98th percentiles of a band, from GDAL's approximate statistics (an
    overview or a subsample: a few range requests on a COG, never the full band)."""
    try:
        low, high = band.ComputeRasterMinMax(True)
        if not (high > low):
            return None
        buckets = 512
        counts = band.GetHistogram(low, high, buckets, 0, 1)  # include_out_of_range=0, approx_ok=1
    except Exception:  # noqa: BLE001 - no statistics: QGIS's own defaults apply
        return None
    total = sum(counts)
    if total <= 0:
        return None
    width = (high - low) / buckets
    bounds = []
    for cut in STRETCH_CUT:
        target, seen = cut * total, 0
        for i, count in enumerate(counts):
            seen += count
            if seen >= target:
                bounds.append(low + (i + (0 if cut < 0.5 else 1)) * width)
                break
    if len(bounds) != 2 or not bounds[1] > bounds[0]:
        return None
    return bounds[0], bounds[1]


def apply_grey_stretch(layer, low: float, high: float) -> None:
    """Show a single-band layer stretched between ``low`` and ``high`` (not flat grey)."""
    from qgis.core import QgsContrastEnhancement, QgsSingleBandGrayRenderer

    renderer = QgsSingleBandGrayRenderer(layer.dataProvider(), 1)
    enhancement = QgsContrastEnhancement(layer.dataProvider().dataType(1))
    enhancement.setContrastEnhancementAlgorithm(QgsContrastEnhancement.ContrastEnhancementAlgorithm.StretchToMinimumMaximum)
    enhancement.setMinimumValue(low)
    enhancement.setMaximumValue(high)
    renderer.setContrastEnhancement(enhancement)
    layer.setRenderer(renderer)


def _opening_failed(err: BaseException) -> EoSceneFinderError:
    return EoSceneFinderError(tr("Opening the remote raster failed."),
                              details=redact_text(f"{type(err).__name__}: {err}\n{traceback.format_exc()}"))


def open_remote(path: str, stretch: bool = True) -> Optional[tuple]:
    """Open ``path`` with GDAL once (its header and, for one band, a stretch measured on an
    overview), so that the layer then opens from GDAL's cache. Returns that stretch (or None);
    raises a :class:`ServiceError` when GDAL cannot open it."""
    configure_gdal_for(path)
    from osgeo import gdal

    gdal.UseExceptions() if hasattr(gdal, "UseExceptions") else None
    # statistics stay in memory: no .aux.xml written beside a remote (or the demo's) file
    pam = gdal.GetThreadLocalConfigOption("GDAL_PAM_ENABLED", None)
    gdal.SetThreadLocalConfigOption("GDAL_PAM_ENABLED", "NO")
    try:
        try:
            ds = gdal.Open(path)
        except RuntimeError as err:
            raise ServiceError(tr("GDAL could not open the asset."), details=redact_text(str(err))) from err
        if ds is None:
            raise ServiceError(tr("GDAL could not open the asset (not a raster, or access refused)."))
        found = approximate_stretch(ds.GetRasterBand(1)) if ds.RasterCount == 1 and stretch else None
        ds = None
        return found
    finally:
        gdal.SetThreadLocalConfigOption("GDAL_PAM_ENABLED", pam)


class OpenRemoteRasterTask(QgsTask):
    """Resolve (sign) an asset href, warm GDAL's cache, then add the raster layer."""

    layerAdded = pyqtSignal(object)  # QgsRasterLayer
    failed = pyqtSignal(object)  # EoSceneFinderError
    switched = pyqtSignal(str)  # "<source> failed (…): trying <next source>"

    def __init__(self, description: str, resolve: Callable[[], str], layer_name: str,
                 project: Optional[QgsProject] = None, add_to_project: bool = True,
                 source: Optional[tuple] = None):
        super().__init__(description, QgsTask.Flag.CanCancel)
        self.resolve = resolve
        self.layer_name = layer_name
        self.project = project or QgsProject.instance()
        self.add_to_project = add_to_project
        self.path: Optional[str] = None
        self.error: Optional[EoSceneFinderError] = None
        self.layer: Optional[QgsRasterLayer] = None
        self.source = source  # (connection string, published href), kept on the layer
        self.stretch: Optional[tuple] = None  # (low, high) grey levels of a single band

    def run(self) -> bool:
        try:
            self.path = self.resolve()
            self.probe(self.path)
            return not self.isCanceled()
        except EoSceneFinderError as err:
            self.error = err
            return False
        except Exception as err:  # noqa: BLE001
            self.error = _opening_failed(err)
            return False

    def say(self, text: str) -> None:
        """Tell the log and the panel (from the task's thread) that a source is skipped."""
        from ..services.log import log_message

        log_message(text, Qgis.Warning)
        self.switched.emit(text)

    def probe(self, path: str) -> None:
        """Open ``path`` once in the task (see :func:`open_remote`); a :class:`ServiceError`
        when it cannot be opened."""
        self.stretch = open_remote(path, stretch=not self.isCanceled())

    def finished(self, result: bool) -> None:
        if not result or not self.path:
            if self.error is None and self.isCanceled():
                return
            self.failed.emit(self.error or EoSceneFinderError(tr("Opening the remote raster failed.")))
            return
        layer = QgsRasterLayer(self.path, self.layer_name, "gdal")
        if not layer.isValid():
            self.failed.emit(EoSceneFinderError(tr("QGIS could not open “{layer_name}” as a raster layer.").format(
                layer_name=self.layer_name)))
            return
        if self.stretch is not None:
            apply_grey_stretch(layer, *self.stretch)
        if self.source is not None:
            mark_streamed_layer(layer, *self.source)
        if self.add_to_project:
            self.project.addMapLayer(layer)
        self.layer = layer
        self.layerAdded.emit(layer)


class _Cancelled(Exception):
    """The user cancelled: no further source is tried."""


@dataclass
class SourceAttempt:
    """One way to open the asset: a scene source, how to get its GDAL path (called in the
    task), the layer's name and what the layer remembers (connection text, published href)."""

    choice: Any                 # the providers.multi.SceneSource
    resolve: Callable[[], str]
    layer_name: str
    source: Optional[tuple] = None


class OpenFirstWorkingSourceTask(OpenRemoteRasterTask):
    """Open one asset of a scene found in several catalogs: the sources are tried in order,
    in the task, until one opens; each switch is logged and emitted as ``switched(text)``
    (“Planetary Computer failed (…): trying Earth Search”)."""

    def __init__(self, description: str, attempts: List[SourceAttempt], project: Optional[QgsProject] = None,
                 add_to_project: bool = True):
        first = attempts[0]
        super().__init__(description, first.resolve, first.layer_name, project, add_to_project, first.source)
        self.attempts = list(attempts)
        self.used: Optional[SourceAttempt] = None

    def run(self) -> bool:
        from ..providers.multi import try_sources

        by_choice = {id(a.choice): a for a in self.attempts}

        def attempt(choice):
            if self.isCanceled():
                raise _Cancelled()
            chosen = by_choice[id(choice)]
            path = chosen.resolve()
            self.probe(path)
            return chosen, path

        try:
            self.used, self.path = try_sources([a.choice for a in self.attempts], attempt, self.say)
        except _Cancelled:
            return False
        except EoSceneFinderError as err:
            self.error = err
            return False
        except Exception as err:  # noqa: BLE001
            self.error = _opening_failed(err)
            return False
        self.layer_name, self.source = self.used.layer_name, self.used.source
        return not self.isCanceled()


# ------------------------------------------------------------------ saved projects
CONNECTION_PROPERTY = "eo_scene_finder/connection"
HREF_PROPERTY = "eo_scene_finder/href"


def mark_streamed_layer(layer, connection_text: str, href: str) -> None:
    """Remember where a streamed layer comes from (the published href, never a signed one),
    so that a saved project can sign it again when it is reopened."""
    layer.setCustomProperty(CONNECTION_PROPERTY, connection_text)
    layer.setCustomProperty(HREF_PROPERTY, strip_signature(href))


class StreamedLayerRefresher(QObject):
    """Signs the streamed layers of a project again after it is read.

    Projects keep layer sources without signatures (they expire and are secrets), so a
    layer from a catalog that signs its URLs (DINAMIS, Planetary Computer) cannot open when
    the project is reopened. For every raster layer marked by :func:`mark_streamed_layer`,
    a background task signs its href again and the layer gets its new source."""

    refreshed = pyqtSignal(object)  # the layer

    def __init__(self, project: Optional[QgsProject] = None, provider_for=None, parent=None,
                 keeper: Optional[TaskKeeper] = None):
        super().__init__(parent)
        self.project = project or QgsProject.instance()
        self.provider_for = provider_for or _provider_for
        self.keeper = keeper or task_keeper()
        self.project.readProject.connect(self.refresh_all)

    def refresh_all(self, *_args) -> int:
        count = 0
        for layer in list(self.project.mapLayers().values()):
            if isinstance(layer, QgsRasterLayer) and layer.customProperty(HREF_PROPERTY):
                self.refresh(layer)
                count += 1
        return count

    def refresh(self, layer) -> None:
        from .function_task import FunctionTask

        conn_text = layer.customProperty(CONNECTION_PROPERTY) or ""
        href = layer.customProperty(HREF_PROPERTY)
        provider_for = self.provider_for

        def sign():
            path = provider_for(conn_text).gdal_path(href)
            configure_gdal_for(path)
            return path

        layer_id = layer.id()
        task = FunctionTask(tr("EO Scene Finder: sign {name}").format(name=layer.name()), sign, hidden=True)
        task.done.connect(lambda t: self._signed(layer_id, t))
        self.keeper.start(task, owner=self)

    def _signed(self, layer_id: str, task) -> None:
        layer = self.project.mapLayer(layer_id)
        if layer is None or task.error is not None or not task.result:
            return
        layer.setDataSource(task.result, layer.name(), "gdal", QgsDataProvider.ProviderOptions())
        layer.triggerRepaint()
        self.refreshed.emit(layer)

    def close(self) -> None:
        try:
            self.project.readProject.disconnect(self.refresh_all)
        except (TypeError, RuntimeError):
            pass
        self.keeper.cancel(owner=self, silence=True)

    @property
    def tasks(self):
        """The signing tasks still running."""
        return self.keeper.running(owner=self)


def _provider_for(conn_text: str):
    from ..services.providers import open_connection

    return open_connection(conn_text)
