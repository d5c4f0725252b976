"""``eoscenefinder:search``: search one or several connections; one polygon per scene and
catalog in EPSG:4326."""
from __future__ import annotations

import threading

from qgis.core import (QgsCoordinateReferenceSystem, QgsFeature, QgsFeatureSink,
                       QgsProcessing, QgsProcessingAlgorithm, QgsProcessingException,
                       QgsProcessingParameterExtent, QgsProcessingParameterFeatureSink,
                       QgsProcessingParameterFeatureSource, QgsProcessingParameterNumber,
                       QgsProcessingParameterString, QgsProcessingOutputNumber, QgsWkbTypes)

from ..providers.cancellation import cancel_scope
from ..providers.errors import CancelledError, EoSceneFinderError
from ..providers.model import SearchRequest
from ..providers.multi import equivalent_collections, equivalent_filters, split_connections
from ..providers.net import jsonstream
from ..services.scene_layer import geometry_from_geojson, output_format_problem, scene_attributes, scene_fields
from .common import area_of_interest, open_connection, run_reporting_here
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
            tr("Searches one or several catalogs and writes one polygon per scene and catalog (EPSG:4326) with "
            "its id, collection, date, cloud cover, platform, connection, scene_key, assets and full record, so "
            "Download, Mosaic, Export and Best coverage can work from the layer alone.\n\nCONNECTION: a saved "
            "connection's name, a preset id (earth-search, planetary-computer, dinamis, isdeform, cdse, demo…), "
            "a STAC API or static catalog URL/path, or KIND+URL?option=… . Several catalogs: separate them with "
            "';' (or ',' when each piece is a catalog on its own); they are searched at the same time, and the "
            "same scene found in several of them gives one row per catalog with the same scene_key. A catalog "
            "that fails is reported as a warning and the others' rows are kept. Well-known collections are "
            "renamed for each catalog (sentinel-2-l2a is SENTINEL-2, product type S2MSI2A, on the Copernicus "
            "Data Space). Dates are inclusive whole days (UTC) or ISO datetimes. SORTBY: fields separated by "
            "commas, '-' for descending (e.g. -datetime,eo:cloud_cover). LIMIT 0 = all results (per catalog). "
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
        return area_of_interest(self, parameters, context, self.EXTENT, self.AOI,
                                no_polygon=tr("The AOI layer has no polygon: nothing to search in."),
                                no_overlap=tr("The extent and the AOI layer do not overlap: nothing to search in."))

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
        try:
            texts = split_connections(conn_text, saved=_saved_names())
        except EoSceneFinderError as err:
            raise QgsProcessingException(str(err)) from err
        fields = scene_fields()
        (sink, dest_id) = self.parameterAsSink(parameters, self.OUTPUT, context, fields,
                                               QgsWkbTypes.MultiPolygon, WGS84)
        if sink is None:
            raise QgsProcessingException(tr("Could not create the output layer."))
        several = len(texts) > 1
        catalogs = []   # (text, provider, request) of the catalogs that opened
        failed = []     # (text, message)
        for text in texts:
            if not several:
                catalogs.append((text, open_connection(text, feedback), request))
                continue
            try:
                provider = open_connection(text, feedback)
            except QgsProcessingException as err:
                failed.append((text, str(err)))
                feedback.pushWarning(tr("{connection}: {error}").format(connection=text, error=err))
                continue
            catalogs.append((text, provider, request_for(request, provider.connection.kind)))
        counts = {text: 0 for text in texts}
        total = {"count": 0}
        sinks = [sink]  # the closure's reference, dropped before the sink is

        def on_event(event):
            kind, text = event[0], event[1]
            prefix = f"{text}: " if several else ""
            if kind == "page":
                page = event[2]
                for scene in page.scenes:
                    feat = QgsFeature(fields)
                    geom = geometry_from_geojson(scene.geometry, scene.bbox)
                    if not geom.isNull():
                        geom.convertToMultiType()
                        feat.setGeometry(geom)
                    feat.setAttributes(scene_attributes(scene, text))
                    sinks[0].addFeature(feat, QgsFeatureSink.FastInsert)
                    counts[text] += 1
                    total["count"] += 1
                count = counts[text]
                feedback.pushInfo(prefix + (tr("{count} scenes so far (more pages follow)").format(count=count)
                                            if page.more else tr("{count} scenes so far").format(count=count)))
                if request.limit:
                    feedback.setProgress(min(100.0, 100.0 * total["count"] / (request.limit * len(catalogs))))
            elif kind == "truncated":
                feedback.pushInfo(prefix + tr("Stopped at LIMIT={limit}; the catalog has more scenes.").format(
                    limit=request.limit))
            elif kind == "warning":
                feedback.pushWarning(prefix + str(event[2]))
            elif kind == "failed":
                failed.append((text, str(event[2])))
                if several:
                    feedback.pushWarning(tr("{connection} failed: {error} (the other catalogs' scenes are kept)")
                                         .format(connection=text, error=event[2]))

        cancel = threading.Event()
        run_reporting_here(lambda post: _search_all(catalogs, post, cancel), on_event, feedback, cancel,
                           name="eosf-search")
        if not several and failed:
            raise QgsProcessingException(failed[0][1])
        if several and len(failed) == len(texts):
            raise QgsProcessingException(tr("Every catalog failed: {errors}").format(
                errors="; ".join(f"{t}: {m}" for t, m in failed)))
        count = total["count"]
        if cancel.is_set() or feedback.isCanceled():
            feedback.pushInfo(tr("Cancelled after {count} scenes.").format(count=count))
        if several:
            feedback.pushInfo(tr("Scenes per catalog: {counts}").format(
                counts=", ".join(f"{t}: {counts[t]}" for t in texts if t not in dict(failed))))
        feedback.pushInfo(tr("Found {count} scenes.").format(count=count))
        # A GeoPackage sink commits when it is deleted: do it now, not whenever Python's
        # collector gets to it (qgis_process may exit first and lose the layer).
        sink.flushBuffer()
        sinks.clear()
        del sink
        return {self.OUTPUT: dest_id, "COUNT": count}


def _saved_names():
    try:
        from ..services.providers import _saved_connections

        return list(_saved_connections())
    except Exception:  # noqa: BLE001 - no settings (a bare qgis_process): presets and URLs only
        return None


def request_for(request: SearchRequest, kind: str) -> SearchRequest:
    """The request with its collections named as a catalog of ``kind`` names them
    (``sentinel-2-l2a`` is ``SENTINEL-2`` with productType S2MSI2A on CDSE)."""
    if not request.collections:
        return request
    collections = tuple(equivalent_collections(request.collections, kind))
    filters = dict(request.provider_filters)
    for key, value in equivalent_filters(request.collections, kind).items():
        filters.setdefault(key, value)
    return request.with_changes(collections=collections, provider_filters=tuple(sorted(filters.items())))


def _search_all(catalogs, post, cancel: threading.Event) -> None:
    """Each catalog searched in its own thread; pages, warnings and failures are posted (to the
    algorithm's thread, which alone writes the layer and talks to the feedback)."""

    def one(text, provider, request):
        try:
            # Cancel also ends a wait inside a page (a 429's retry-after, a back-off)
            with cancel_scope(cancel):
                results = provider.search(request)
                for page in _pages_beside_the_gui(results):
                    if cancel.is_set():
                        return
                    post(("page", text, page))
            if results.truncated:
                post(("truncated", text))
            for warning in provider.warnings:
                post(("warning", text, warning))
        except CancelledError:
            return
        except EoSceneFinderError as err:
            post(("failed", text, err))

    threads = [threading.Thread(target=one, args=catalog, name=f"eosf-search-{n}", daemon=True)
               for n, catalog in enumerate(catalogs)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


def _pages_beside_the_gui(results):
    """The pages, fetched and parsed handing the interpreter to QGIS's GUI thread often (an
    algorithm runs in a background task while the user keeps working)."""
    with jsonstream.sharing_with_gui():
        yield from results.pages()
