"""What the algorithms share: connection strings to providers, and scenes rebuilt from a
scene layer (``eoscenefinder:search`` output or the panel's footprints; the schema and its
reading live in services/scene_layer.py)."""
from __future__ import annotations

import json
import queue
import threading
from typing import Any, Callable, Dict, Optional

from qgis.core import QgsFeatureRequest, QgsProcessingException, QgsProcessingFeatureSource

from ..providers.errors import EoSceneFinderError
from ..services import scene_layer
from ..i18n import tr

_network_ready = False


def _apply_network_settings(feedback=None) -> None:
    """QGIS's proxy/CA settings, once per process (qgis_process has no GUI start-up)."""
    global _network_ready
    if _network_ready:
        return
    _network_ready = True
    try:
        from ..services.network import apply_network_settings

        apply_network_settings()
    except Exception as err:  # noqa: BLE001 - a broken proxy setting is reported, not fatal
        if feedback is not None:
            feedback.pushWarning(tr("QGIS's network settings could not be applied: {err}").format(err=err))


def open_connection(text: str, feedback=None):
    """A provider for a connection string (saved name, preset id, URL/path, KIND+URL)."""
    from ..services.providers import open_connection as open_shared_connection

    _apply_network_settings(feedback)
    try:
        return open_shared_connection(text, warn=feedback.pushWarning if feedback is not None else None)
    except EoSceneFinderError as err:
        raise QgsProcessingException(str(err)) from err


def check_scene_source(source: QgsProcessingFeatureSource) -> None:
    """Refuse, with what to do, a layer without the fields a scene is rebuilt from."""
    missing = scene_layer.missing_fields(source.fields().names())
    if missing:
        raise QgsProcessingException(
            tr("The input layer has no “{missing}” field: use a layer made by “EO Scene Finder › Search scenes” or "
               "the panel's “Scene footprints” layer (with “Selected features only”).").format(missing=missing[0]))


def read_scene(feature):
    """``(connection text, record dict)`` of a feature, or a QgsProcessingException saying what to do."""
    try:
        return scene_layer.read_scene(feature)
    except scene_layer.SceneLayerError as err:
        raise QgsProcessingException(str(err)) from err


def records_from_source(source: QgsProcessingFeatureSource):
    """``[(feature, connection text, record)...]`` for the features Processing gives (the selection
    only, when asked); every feature is checked before any work starts."""
    check_scene_source(source)
    return [(feat, *read_scene(feat)) for feat in source.getFeatures(QgsFeatureRequest())]


def scenes_from_source(source: QgsProcessingFeatureSource, feedback=None):
    """``([(connection string, scene)...], {connection string: provider})`` for every feature
    of a scene layer (made by the search algorithm or the panel; the selection only, when
    Processing says so), whatever format it was saved in."""
    providers: Dict[str, object] = {}
    out = []
    for _feat, conn, record in records_from_source(source):
        if conn not in providers:
            providers[conn] = open_connection(conn, feedback)
        scene = providers[conn].scene_from_record(record)
        out.append((conn, scene))
    return out, providers


def area_of_interest(alg, parameters, context, extent_name: str, layer_name: str, *, no_polygon: str,
                     no_overlap: str) -> Optional[dict]:
    """The AOI of an algorithm as GeoJSON in EPSG:4326: the union of the polygons of its layer
    parameter, intersected with its extent parameter; None when neither is given."""
    from qgis.core import QgsCoordinateReferenceSystem, QgsCoordinateTransform, QgsGeometry

    wgs84 = QgsCoordinateReferenceSystem("EPSG:4326")
    geoms = []
    if parameters.get(extent_name):
        extent_geom = alg.parameterAsExtentGeometry(parameters, extent_name, context, wgs84)
        if extent_geom is not None and not extent_geom.isEmpty():
            geoms.append(extent_geom)
    source = alg.parameterAsSource(parameters, layer_name, context)
    if source is not None:
        xform = QgsCoordinateTransform(source.sourceCrs(), wgs84, context.transformContext())
        parts = []
        for feat in source.getFeatures():
            g = QgsGeometry(feat.geometry())
            if g.isEmpty():
                continue
            g.transform(xform)
            parts.append(g)
        if not parts:
            raise QgsProcessingException(no_polygon)
        geoms.append(QgsGeometry.unaryUnion(parts))
    if not geoms:
        return None
    aoi = geoms[0]
    for g in geoms[1:]:
        aoi = aoi.intersection(g)
    if aoi.isEmpty():
        raise QgsProcessingException(no_overlap)
    return json.loads(aoi.asJson(7))


def raise_processing(err: EoSceneFinderError) -> None:
    raise QgsProcessingException(str(err)) from err


_NOTHING = object()
_FINISHED = object()


def run_reporting_here(work: Callable[[Callable[[Any], None]], Any], on_event: Callable[[Any], None],
                       feedback, cancel: threading.Event, name: str = "eosf-processing-work") -> Any:
    """``work(post)`` in a helper thread, every ``post(event)`` handed to ``on_event`` on *this*
    thread (the algorithm's), the helper joined before returning; ``work``'s result or exception.

    Processing feedback must only be used from the algorithm's thread: ``pushInfo``,
    ``reportError`` and ``setProgress`` append to the feedback's log (plain QStrings, no lock)
    and, in ``qgis_process``, write to the console; PyQGIS releases the GIL around them, so
    calling them from several download threads at once corrupts the heap (issue 11: ``double
    free or corruption`` and SIGABRT at the end of ``eoscenefinder:download``). ``post`` may be
    called from any thread; it only queues plain data. ``feedback.isCanceled()`` is also polled
    here and sets ``cancel``."""
    events: "queue.SimpleQueue[Any]" = queue.SimpleQueue()
    outcome: Dict[str, Any] = {}

    def target() -> None:
        try:
            outcome["value"] = work(events.put)
        except BaseException as err:  # noqa: BLE001 - re-raised on the algorithm's thread
            outcome["error"] = err
        finally:
            events.put(_FINISHED)

    helper = threading.Thread(target=target, name=name, daemon=True)
    helper.start()
    finished_normally = False
    try:
        while True:
            try:
                event = events.get(timeout=0.2)  # the timeout only serves the cancel poll
            except queue.Empty:
                event = _NOTHING
            if feedback is not None and feedback.isCanceled():
                cancel.set()
            if event is _FINISHED:
                break
            if event is not _NOTHING:
                on_event(event)
        finished_normally = True
    finally:
        if not finished_normally:  # on_event raised: stop the work, then wait for it
            cancel.set()
        helper.join()
    if "error" in outcome:
        raise outcome["error"]
    return outcome.get("value")
