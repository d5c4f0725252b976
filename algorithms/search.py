"""``eoscenefinder:search``: search any connection; one polygon per scene in EPSG:4326."""
from __future__ import annotations

import json

from qgis.core import (QgsCoordinateReferenceSystem, QgsCoordinateTransform, QgsFeature, QgsFeatureSink,
                       QgsGeometry, QgsProcessing, QgsProcessingAlgorithm, QgsProcessingException,
                       QgsProcessingParameterExtent, QgsProcessingParameterFeatureSink,
                       QgsProcessingParameterFeatureSource, QgsProcessingParameterNumber,
                       QgsProcessingParameterString, QgsProcessingOutputNumber, QgsWkbTypes)

from ..providers.errors import EoSceneFinderError
from ..providers.model import SearchRequest
from ..providers.net import jsonstream
from ..services.scene_layer import geometry_from_geojson, output_format_problem, scene_attributes, scene_fields
from .common import open_connection
from ..i18n import tr

WGS84 = QgsCoordinateReferenceSystem("EPSG:4326")


class SearchAlgorithm(QgsProcessingAlgorithm):
    CONNECTION, COLLECTIONS, EXTENT, AOI = "CONNECTION", "COLLECTIONS", "EXTENT", "AOI"
    START, END, MAX_CLOUD, FILTER, SORTBY, LIMIT, OUTPUT = (
        "START", "END", "MAX_CLOUD", "FILTER", "SORTBY", "LIMIT", "OUTPUT")
    IDS = "IDS"

    def name(self):
        return "search"

    def displayName(self):  # noqa: N802
        return tr("Search scenes")

    def shortHelpString(self):  # noqa: N802
        return (
            tr("Searches a catalog and writes one polygon per scene (EPSG:4326) with its id, collection, "
            "date, cloud cover, platform, assets and full record, so Download, Mosaic and Export can work "
            "from the layer alone.\n\nCONNECTION: a saved connection's name, a preset id (earth-search, "
            "planetary-computer, dinamis, isdeform, cdse, demo…), a STAC API or static catalog URL/path, or "
            "KIND+URL?option=… . Dates are inclusive whole days (UTC) or ISO datetimes. SORTBY: fields "
            "separated by commas, '-' for descending (e.g. -datetime,eo:cloud_cover). LIMIT 0 = all results. "
            "IDS: scene or product ids, comma-separated (the only way into a bucket without an area)."))

    def createInstance(self):  # noqa: N802
        return SearchAlgorithm()

    def initAlgorithm(self, config=None):  # noqa: N802
        self.addParameter(QgsProcessingParameterString(self.CONNECTION, tr("Connection"), defaultValue="demo"))
        self.addParameter(QgsProcessingParameterString(self.COLLECTIONS, tr("Collections (comma-separated)"),
                                                       optional=True))
        self.addParameter(QgsProcessingParameterExtent(self.EXTENT, tr("Extent"), optional=True))
        self.addParameter(QgsProcessingParameterFeatureSource(
            self.AOI, tr("Area of interest (union of its polygons)"), [QgsProcessing.TypeVectorPolygon], optional=True))
        self.addParameter(QgsProcessingParameterString(self.START, tr("Start (date or ISO datetime)"), optional=True))
        self.addParameter(QgsProcessingParameterString(self.END, tr("End (inclusive)"), optional=True))
        self.addParameter(QgsProcessingParameterNumber(
            self.MAX_CLOUD, tr("Maximum cloud cover (%)"), QgsProcessingParameterNumber.Double, optional=True,
            minValue=0, maxValue=100))
        self.addParameter(QgsProcessingParameterString(self.FILTER, tr("CQL2 filter"), optional=True))
        self.addParameter(QgsProcessingParameterString(self.SORTBY, tr("Sort by"), optional=True))
        self.addParameter(QgsProcessingParameterString(self.IDS, tr("Scene ids (comma-separated)"), optional=True))
        self.addParameter(QgsProcessingParameterNumber(self.LIMIT, tr("Maximum number of scenes (0 = all)"),
                                                       QgsProcessingParameterNumber.Integer, defaultValue=0,
                                                       minValue=0))
        self.addParameter(QgsProcessingParameterFeatureSink(self.OUTPUT, tr("Scenes"), QgsProcessing.TypeVectorPolygon))
        self.addOutput(QgsProcessingOutputNumber("COUNT", tr("Number of scenes")))

    def _aoi(self, parameters, context, feedback):
        geoms = []
        if parameters.get(self.EXTENT):
            extent_geom = self.parameterAsExtentGeometry(parameters, self.EXTENT, context, WGS84)
            if extent_geom is not None and not extent_geom.isEmpty():
                geoms.append(extent_geom)
        source = self.parameterAsSource(parameters, self.AOI, context)
        if source is not None:
            xform = QgsCoordinateTransform(source.sourceCrs(), WGS84, context.transformContext())
            parts = []
            for feat in source.getFeatures():
                g = QgsGeometry(feat.geometry())
                if g.isEmpty():
                    continue
                g.transform(xform)
                parts.append(g)
            if not parts:
                raise QgsProcessingException(tr("The AOI layer has no polygon: nothing to search in."))
            geoms.append(QgsGeometry.unaryUnion(parts))
        if not geoms:
            return None
        aoi = geoms[0]
        for g in geoms[1:]:
            aoi = aoi.intersection(g)
        if aoi.isEmpty():
            raise QgsProcessingException(tr("The extent and the AOI layer do not overlap: nothing to search in."))
        return json.loads(aoi.asJson(7))

    def processAlgorithm(self, parameters, context, feedback):  # noqa: N802
        conn_text = (self.parameterAsString(parameters, self.CONNECTION, context) or "").strip()
        if not conn_text:
            raise QgsProcessingException(tr("CONNECTION is empty: give a preset id, a saved connection or a URL."))
        max_cloud = parameters.get(self.MAX_CLOUD)
        max_cloud = None if max_cloud in (None, "") else self.parameterAsDouble(parameters, self.MAX_CLOUD, context)
        try:
            request = SearchRequest.create(
                aoi=self._aoi(parameters, context, feedback),
                start=self.parameterAsString(parameters, self.START, context) or None,
                end=self.parameterAsString(parameters, self.END, context) or None,
                collections=self.parameterAsString(parameters, self.COLLECTIONS, context) or None,
                max_cloud=max_cloud,
                cql2=self.parameterAsString(parameters, self.FILTER, context) or None,
                sortby=self.parameterAsString(parameters, self.SORTBY, context) or None,
                limit=self.parameterAsInt(parameters, self.LIMIT, context) or None,
                ids=[i.strip() for i in (self.parameterAsString(parameters, self.IDS, context) or "").split(",")
                     if i.strip()] or None,
            )
        except EoSceneFinderError as err:
            raise QgsProcessingException(str(err)) from err
        # refuse a format that cannot hold the records before searching (and before creating the file)
        problem = output_format_problem(self.parameterAsOutputLayer(parameters, self.OUTPUT, context))
        if problem:
            raise QgsProcessingException(problem)
        fields = scene_fields()
        (sink, dest_id) = self.parameterAsSink(parameters, self.OUTPUT, context, fields,
                                               QgsWkbTypes.MultiPolygon, WGS84)
        if sink is None:
            raise QgsProcessingException(tr("Could not create the output layer."))
        provider = open_connection(conn_text, feedback)
        count = 0
        try:
            results = provider.search(request)
            for page in _pages_beside_the_gui(results):
                if feedback.isCanceled():
                    feedback.pushInfo(tr("Cancelled after {count} scenes.").format(count=count))
                    break
                for scene in page.scenes:
                    feat = QgsFeature(fields)
                    geom = geometry_from_geojson(scene.geometry, scene.bbox)
                    if not geom.isNull():
                        geom.convertToMultiType()
                        feat.setGeometry(geom)
                    feat.setAttributes(scene_attributes(scene, conn_text))
                    sink.addFeature(feat, QgsFeatureSink.FastInsert)
                    count += 1
                feedback.pushInfo(tr("{count} scenes so far (more pages follow)").format(count=count) if page.more
                                  else tr("{count} scenes so far").format(count=count))
                if request.limit:
                    feedback.setProgress(min(100.0, 100.0 * count / request.limit))
            if results.truncated:
                feedback.pushInfo(tr("Stopped at LIMIT={limit}; the catalog has more scenes.").format(
                    limit=request.limit))
            for warning in provider.warnings:
                feedback.pushWarning(warning)
        except EoSceneFinderError as err:
            raise QgsProcessingException(str(err)) from err
        feedback.pushInfo(tr("Found {count} scenes.").format(count=count))
        # A GeoPackage sink commits when it is deleted: do it now, not whenever Python's
        # collector gets to it (qgis_process may exit first and lose the layer).
        sink.flushBuffer()
        del sink
        return {self.OUTPUT: dest_id, "COUNT": count}


def _pages_beside_the_gui(results):
    """The pages, fetched and parsed handing the interpreter to QGIS's GUI thread often (an
    algorithm runs in a background task while the user keeps working)."""
    with jsonstream.sharing_with_gui():
        yield from results.pages()
