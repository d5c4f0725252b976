"""What the algorithms share: connection strings to providers, result-layer fields, and
scenes rebuilt from a layer made by ``eoscenefinder:search``."""
from __future__ import annotations

import json
import queue
import threading
from typing import Any, Callable, Dict

from qgis.core import (QgsFeatureRequest, QgsFields, QgsProcessingException,
                       QgsProcessingFeatureSource)

from ..providers.errors import EoSceneFinderError
from ..qgis_compat import field
from ..providers.model import Scene
from ..providers.redact import strip_signature, strip_signatures

RESULT_FIELDS = (
    ("id", "string"), ("collection", "string"), ("datetime", "string"), ("cloud_cover", "double"),
    ("platform", "string"), ("connection", "string"), ("scene_key", "string"), ("thumbnail", "string"),
    ("online", "bool"), ("assets", "string"), ("record", "string"),
)


def result_fields() -> QgsFields:
    fields = QgsFields()
    for name, kind in RESULT_FIELDS:
        fields.append(field(name, kind))
    return fields


def scene_attributes(scene: Scene, connection_text: str) -> list:
    """A scene as the attribute list of a result layer (record = full item/product JSON)."""
    # signed hrefs expire and must never be written to files: store the published ones;
    # download and mosaic sign again when they use them
    assets = strip_signatures({k: a.to_dict() for k, a in scene.assets.items()})
    return [
        scene.id, scene.collection or "", scene.date_text, scene.cloud_cover, scene.platform or "",
        connection_text, str(scene.scene_key) if scene.scene_key else "",
        strip_signature(scene.thumbnail or ""), scene.online, json.dumps(assets),
        json.dumps(strip_signatures(scene.record), default=str),
    ]


_network_ready = False


def _apply_network_settings(feedback=None) -> None:
    """QGIS's proxy/CA settings, once per process (qgis_process has no GUI start-up)."""
    global _network_ready
    if _network_ready:
        return
    _network_ready = True
    try:
        from .. import settings

        settings.apply_network_settings()
    except Exception as err:  # noqa: BLE001 - a broken proxy setting is reported, not fatal
        if feedback is not None:
            feedback.pushWarning(f"QGIS's network settings could not be applied: {err}")


def open_connection(text: str, feedback=None):
    """A provider for a connection string (saved name, preset id, URL/path, KIND+URL)."""
    from ..providers.connections import open_provider, resolve_connection

    _apply_network_settings(feedback)

    saved = None
    try:
        from ..settings import ConnectionStore
        saved = {c.name: c for c in ConnectionStore().list()}
    except Exception:  # noqa: BLE001 - headless runs may have no saved connections
        saved = None
    try:
        connection = resolve_connection(text, saved)
    except EoSceneFinderError as err:
        raise QgsProcessingException(str(err)) from err
    creds = None
    try:
        from ..settings import credentials_for
        creds = credentials_for(connection)
    except ImportError:
        pass
    except EoSceneFinderError as err:
        if feedback is not None:
            feedback.pushWarning(f"Credentials for {connection.name}: {err}")
    return open_provider(connection, credentials=creds) if creds is not None else open_provider(connection)


def scenes_from_source(source: QgsProcessingFeatureSource, feedback=None):
    """``([(connection string, scene)...], {connection string: provider})`` for every feature
    of a layer made by the search algorithm (the selection only, when Processing says so)."""
    names = source.fields().names()
    for needed in ("record", "connection"):
        if needed not in names:
            raise QgsProcessingException(
                f"The input layer has no “{needed}” field: use a layer made by “EO Scene Finder › Search”.")
    providers: Dict[str, object] = {}
    out = []
    request = QgsFeatureRequest()
    for feat in source.getFeatures(request):
        conn = feat["connection"] or ""
        try:
            record = json.loads(feat["record"] or "{}")
        except ValueError as err:
            raise QgsProcessingException(f"Feature {feat.id()} has a broken “record” field: {err}") from err
        if conn not in providers:
            providers[conn] = open_connection(conn, feedback)
        scene = providers[conn].scene_from_record(record)
        out.append((conn, scene))
    return out, providers


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
