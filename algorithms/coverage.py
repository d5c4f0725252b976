"""``eoscenefinder:coverage``: the fewest, clearest scenes of a search layer that cover an
area (see providers/coverage.py), one row per chosen scene from its preferred catalog."""
from __future__ import annotations

import json
from typing import Any, Dict, List, Optional

from qgis.core import (QgsCoordinateReferenceSystem, QgsCoordinateTransform, QgsFeatureSink, QgsGeometry,
                       QgsProcessing, QgsProcessingAlgorithm, QgsProcessingException, QgsProcessingOutputNumber,
                       QgsProcessingOutputString, QgsProcessingParameterExtent, QgsProcessingParameterFeatureSink,
                       QgsProcessingParameterFeatureSource, QgsProcessingParameterNumber)

from ..i18n import tr
from ..providers.coverage import CoverageCandidate, best_coverage, orbit_of
from ..providers.errors import EoSceneFinderError
from ..providers.model import Asset, Scene, parse_instant
from ..providers.multi import SourcePreference, connection_facts, describe_source, same_acquisition
from ..services import scene_layer
from .common import area_of_interest, check_scene_source

WGS84 = QgsCoordinateReferenceSystem("EPSG:4326")


class _Row:
    __slots__ = ("feature", "connection", "scene_id", "key", "cloud", "when", "geometry")

    def __init__(self, feature, connection, scene_id, key, cloud, when, geometry):
        self.feature, self.connection, self.scene_id = feature, connection, scene_id
        self.key, self.cloud, self.when, self.geometry = key, cloud, when, geometry


class CoverageAlgorithm(QgsProcessingAlgorithm):
    INPUT, AOI, EXTENT, TARGET, MAX_SCENES, OUTPUT = (
        "INPUT", "AOI", "EXTENT", "TARGET_PERCENT", "MAX_SCENES", "OUTPUT")

    def name(self):
        return "coverage"

    def displayName(self):  # noqa: N802
        return tr("Best coverage of an area")

    def shortHelpString(self):  # noqa: N802
        return tr(
            "Chooses, among the scenes of a layer made by “Search scenes”, the fewest and least cloudy that "
            "together cover TARGET_PERCENT of the area of interest (greedy set cover of the footprints clipped "
            "to the area, each scene weighted by its clear fraction; when one date and orbit alone covers "
            "enough, that pass is chosen, for a seamless mosaic). MAX_SCENES 0 = no limit. The same scene "
            "found in several catalogs (same scene_key) counts once: the output keeps one row for it, from "
            "the preferred catalog (cloud-optimised format over archives, no credentials needed over "
            "credentials, free over requester-pays, online over offline, then the download speed measured "
            "from its host). The output has the input's fields, "
            "so it feeds “Virtual mosaic” and “Download scenes”. COVERAGE_PERCENT says how much of the area "
            "the chosen scenes cover; when the target cannot be reached the scenes that come closest are "
            "written and a warning says why.")

    def createInstance(self):  # noqa: N802
        return CoverageAlgorithm()

    def initAlgorithm(self, config=None):  # noqa: N802
        self.addParameter(QgsProcessingParameterFeatureSource(self.INPUT, tr("Scenes (from Search scenes)"),
                                                              [QgsProcessing.TypeVectorPolygon]))
        self.addParameter(QgsProcessingParameterFeatureSource(
            self.AOI, tr("Area of interest (union of its polygons)"), [QgsProcessing.TypeVectorPolygon],
            optional=True))
        self.addParameter(QgsProcessingParameterExtent(self.EXTENT, tr("Area of interest as an extent"),
                                                       optional=True))
        self.addParameter(QgsProcessingParameterNumber(
            self.TARGET, tr("Target coverage (% of the area)"), QgsProcessingParameterNumber.Double,
            defaultValue=98, minValue=0.1, maxValue=100))
        self.addParameter(QgsProcessingParameterNumber(
            self.MAX_SCENES, tr("Maximum number of scenes (0 = no limit)"), QgsProcessingParameterNumber.Integer,
            defaultValue=0, minValue=0))
        self.addParameter(QgsProcessingParameterFeatureSink(self.OUTPUT, tr("Chosen scenes"),
                                                            QgsProcessing.TypeVectorPolygon))
        self.addOutput(QgsProcessingOutputNumber("COVERAGE_PERCENT", tr("Coverage reached (%)")))
        self.addOutput(QgsProcessingOutputNumber("COUNT", tr("Number of scenes chosen")))
        self.addOutput(QgsProcessingOutputString("MESSAGE", tr("What was chosen, in words")))

    # ------------------------------------------------------------------ inputs
    def _aoi(self, parameters, context) -> dict:
        aoi = area_of_interest(self, parameters, context, self.EXTENT, self.AOI,
                               no_polygon=tr("The AOI layer has no polygon: nothing to cover."),
                               no_overlap=tr("The extent and the AOI layer do not overlap: nothing to cover."))
        if aoi is None:
            raise QgsProcessingException(tr("Give the area to cover: an AOI layer or an extent."))
        return aoi

    def _rows(self, source, context, feedback) -> List[_Row]:
        xform = QgsCoordinateTransform(source.sourceCrs(), WGS84, context.transformContext())
        rows = []
        for feat in source.getFeatures():
            if feedback.isCanceled():
                break
            geom = QgsGeometry(feat.geometry())
            if geom.isEmpty():
                continue
            if source.sourceCrs() != WGS84:
                geom.transform(xform)
            scene_id = str(scene_layer.feature_value(feat, "id") or feat.id())
            connection = str(scene_layer.feature_value(feat, "connection") or "")
            key = scene_layer.feature_value(feat, "scene_key") or ""
            cloud = scene_layer.feature_value(feat, "cloud_cover")
            try:
                cloud = float(cloud) if cloud not in (None, "") else None
            except (TypeError, ValueError):
                cloud = None
            try:
                when = parse_instant(scene_layer.feature_value(feat, "datetime") or None)
            except EoSceneFinderError:
                when = None
            rows.append(_Row(feat, connection, scene_id, str(key), cloud, when, json.loads(geom.asJson(7))))
        return rows

    # ------------------------------------------------------------------ run
    def processAlgorithm(self, parameters, context, feedback):  # noqa: N802
        source = self.parameterAsSource(parameters, self.INPUT, context)
        if source is None:
            raise QgsProcessingException(tr("INPUT is not a readable layer."))
        check_scene_source(source)
        aoi = self._aoi(parameters, context)
        target = self.parameterAsDouble(parameters, self.TARGET, context) / 100.0
        max_scenes = self.parameterAsInt(parameters, self.MAX_SCENES, context) or None
        rows = self._rows(source, context, feedback)
        # one candidate per scene: rows with the same scene_key are the same acquisition
        # (sensed within SAME_ACQUISITION: a tile seen by two orbits the same day is two scenes)
        groups: Dict[str, List[_Row]] = {}
        by_key: Dict[str, List[str]] = {}
        for row in rows:
            if not row.key:
                groups.setdefault(f"{row.connection}\n{row.scene_id}", []).append(row)
                continue
            gid = next((g for g in by_key.get(row.key, ()) if same_acquisition(groups[g][0].when, row.when)), None)
            if gid is None:
                gid = row.key if row.key not in groups else f"{row.key}\n{len(by_key[row.key])}"
                by_key.setdefault(row.key, []).append(gid)
                groups[gid] = []
            groups[gid].append(row)
        candidates = []
        for gid, members in groups.items():
            clouds = [r.cloud for r in members if r.cloud is not None]
            first = members[0]
            candidates.append(CoverageCandidate(gid, first.geometry, min(clouds) if clouds else None, first.when,
                                                _orbit(members)))
        feedback.pushInfo(tr("{rows} rows, {scenes} distinct scenes.").format(rows=len(rows), scenes=len(groups)))
        try:
            result = best_coverage(aoi, candidates, target=target, max_scenes=max_scenes,
                                   cancel=feedback.isCanceled)
        except EoSceneFinderError as err:
            raise QgsProcessingException(str(err)) from err
        if feedback.isCanceled():
            raise QgsProcessingException(tr("Cancelled."))
        if not result.chosen:
            raise QgsProcessingException(result.message)
        (sink, dest_id) = self.parameterAsSink(parameters, self.OUTPUT, context, source.fields(),
                                               source.wkbType(), source.sourceCrs())
        if sink is None:
            raise QgsProcessingException(tr("Could not create the output layer."))
        preference = SourcePreference()
        facts: Dict[str, Any] = {}
        for gid in result.chosen:
            members = groups[gid]
            row = _preferred(members, preference, facts) if len(members) > 1 else members[0]
            others = [r.connection for r in members if r is not row]
            sink.addFeature(row.feature, QgsFeatureSink.FastInsert)
            line = tr("{scene} (+{added} % of the area, cloud {cloud})").format(
                scene=row.scene_id, added=f"{result.added.get(gid, 0) * 100:.1f}",
                cloud="?" if row.cloud is None else f"{row.cloud:.1f} %")
            if others:
                line += tr(" from {connection}, also in {others}").format(connection=row.connection,
                                                                          others=", ".join(others))
            feedback.pushInfo(line)
        if result.reached:
            feedback.pushInfo(result.message)
        else:
            feedback.pushWarning(result.message)
        sink.flushBuffer()
        del sink
        return {self.OUTPUT: dest_id, "COVERAGE_PERCENT": round(result.coverage * 100, 3),
                "COUNT": len(result.chosen), "MESSAGE": result.message}


def _orbit(rows: List[_Row]) -> Optional[str]:
    for row in rows:
        found = orbit_of({}, row.scene_id)
        if found:
            return found
    for row in rows:
        try:
            _conn, record = scene_layer.read_scene(row.feature)
        except scene_layer.SceneLayerError:
            continue
        props = dict(record.get("properties") or {}) if isinstance(record.get("properties"), dict) else {}
        for attr in record.get("Attributes") or ():   # OData products
            if isinstance(attr, dict) and attr.get("Name"):
                props.setdefault(str(attr["Name"]), attr.get("Value"))
        found = orbit_of(props)
        if found:
            return found
    return None


def _light_scene(row: _Row) -> Scene:
    """The row as a scene with its assets (what the preference rule looks at)."""
    assets = {}
    try:
        raw = scene_layer.read_assets(row.feature)
    except scene_layer.SceneLayerError:
        raw = {}
    for key, value in raw.items():
        if isinstance(value, dict) and value.get("href"):
            assets[key] = Asset(key, str(value["href"]), value.get("type"), tuple(value.get("roles") or ()))
    online = scene_layer.feature_value(row.feature, "online")
    return Scene(id=row.scene_id, collection=None, datetime=row.when, geometry=None, bbox=None,
                 cloud_cover=row.cloud, assets=assets, connection=row.connection,
                 online=None if online is None else bool(online))


def _facts(text: str, cache: Dict[str, Any]):
    if text not in cache:
        try:
            from ..providers.connections import resolve_connection
            from ..services.providers import _saved_connections

            cache[text] = connection_facts(resolve_connection(text, _saved_connections(), probe=False))
        except Exception:  # noqa: BLE001 - an unknown connection only loses its place in the order
            cache[text] = (False, False)
    return cache[text]


def _preferred(rows: List[_Row], preference: SourcePreference, cache: Dict[str, Any]) -> _Row:
    sources = []
    for row in rows:
        needs, pays = _facts(row.connection, cache)
        sources.append((describe_source(row.connection, _light_scene(row), needs_credentials=needs,
                                        requester_pays=pays), row))
    from ..services.speeds import shared_host_speeds

    best = preference.best([s for s, _r in sources], shared_host_speeds())
    return next(r for s, r in sources if s is best)

