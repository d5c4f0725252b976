"""What the algorithms share: connection strings to providers, result-layer fields, and
scenes rebuilt from a layer made by ``eoscenefinder:search``."""
from __future__ import annotations

import json
from typing import Dict

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
        from ..services.network import apply_network_settings

        apply_network_settings()
    except Exception as err:  # noqa: BLE001 - a broken proxy setting is reported, not fatal
        if feedback is not None:
            feedback.pushWarning(f"QGIS's network settings could not be applied: {err}")


def open_connection(text: str, feedback=None):
    """A provider for a connection string (saved name, preset id, URL/path, KIND+URL)."""
    from ..services.providers import open_connection as open_shared_connection

    _apply_network_settings(feedback)
    try:
        return open_shared_connection(text, warn=feedback.pushWarning if feedback is not None else None)
    except EoSceneFinderError as err:
        raise QgsProcessingException(str(err)) from err


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
