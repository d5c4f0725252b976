"""``eoscenefinder:export``: a search layer as a STAC ItemCollection, an ``id,name`` CSV
listing (as cdsodatacli writes it) or a GeoPackage."""
from __future__ import annotations

import csv
import json
import os

from qgis.core import (QgsCoordinateReferenceSystem, QgsFeature, QgsFeatureSink, QgsProcessing,
                       QgsProcessingAlgorithm, QgsProcessingException, QgsProcessingParameterEnum,
                       QgsProcessingParameterFeatureSource, QgsProcessingParameterFileDestination,
                       QgsVectorFileWriter, QgsWkbTypes)

from ..providers.net.redact import redact_url
from ..services.scene_layer import (SceneLayerError, feature_value, read_assets, scene_fields,
                                      schema_attributes)
from .common import records_from_source
from ..i18n import tr, tr_noop

FORMATS = (tr_noop("STAC ItemCollection (GeoJSON)"), tr_noop("CSV listing (id,name)"), "GeoPackage")
EXTENSIONS = (".json", ".csv", ".gpkg")


def listing_row(record: dict, scene_id: str):
    """``(id, name)``: a product catalog's Id and Name (OData), or the STAC item id twice."""
    if "Id" in record and "Name" in record:
        return record["Id"], record["Name"]
    return scene_id, scene_id


def stac_feature(record: dict, fallback: dict) -> dict:
    """A STAC item for the record (non-STAC product records are wrapped as minimal items)."""
    if record.get("type") == "Feature" and "assets" in record:
        return record
    return fallback


def read_assets_checked(feature) -> dict:
    try:
        return read_assets(feature)
    except SceneLayerError as err:
        raise QgsProcessingException(str(err)) from err


class ExportAlgorithm(QgsProcessingAlgorithm):
    INPUT, FORMAT, OUTPUT = "INPUT", "FORMAT", "OUTPUT"

    def name(self):
        return "export"

    def displayName(self):  # noqa: N802
        return tr("Export scene list")

    def shortHelpString(self):  # noqa: N802
        return (tr("Writes the scenes of a layer made by “Search scenes” as a STAC ItemCollection (GeoJSON), as a CSV "
                "listing with the two columns id,name (as cdsodatacli writes it: product Id and Name for Copernicus "
                "Data Space, the item id otherwise), or as a GeoPackage."))

    def createInstance(self):  # noqa: N802
        return ExportAlgorithm()

    def initAlgorithm(self, config=None):  # noqa: N802
        self.addParameter(QgsProcessingParameterFeatureSource(self.INPUT, tr("Scenes (from Search scenes)"),
                                                              [QgsProcessing.TypeVector]))
        self.addParameter(QgsProcessingParameterEnum(self.FORMAT, tr("Format"), options=[tr(f) for f in FORMATS],
                                                     defaultValue=0))
        self.addParameter(QgsProcessingParameterFileDestination(
            self.OUTPUT, tr("Output file"), "GeoJSON (*.json *.geojson);;CSV (*.csv);;GeoPackage (*.gpkg)"))

    def processAlgorithm(self, parameters, context, feedback):  # noqa: N802
        source = self.parameterAsSource(parameters, self.INPUT, context)
        if source is None:
            raise QgsProcessingException(tr("INPUT is not a readable layer."))
        fmt = self.parameterAsEnum(parameters, self.FORMAT, context)
        output = self.parameterAsFileOutput(parameters, self.OUTPUT, context)
        if not output:
            raise QgsProcessingException(tr("OUTPUT is empty."))
        if not os.path.splitext(output)[1]:
            output += EXTENSIONS[fmt]
        os.makedirs(os.path.dirname(os.path.abspath(output)), exist_ok=True)
        # every format reads the scenes the same way, from any scene layer format or the panel
        rows = records_from_source(source)
        count = 0
        if fmt == 2:
            count = self._write_geopackage(rows, source, output, context, feedback)
        elif fmt == 1:
            with open(output, "w", newline="", encoding="utf-8") as fh:
                writer = csv.writer(fh)
                writer.writerow(["id", "name"])
                for feat, _conn, record in rows:
                    writer.writerow(listing_row(record, feature_value(feat, "id")))
                    count += 1
        else:
            features = []
            for feat, _conn, record in rows:
                fallback = {
                    "type": "Feature", "stac_version": "1.0.0", "id": feature_value(feat, "id"),
                    "collection": feature_value(feat, "collection") or None,
                    "geometry": json.loads(feat.geometry().asJson(7)) if feat.hasGeometry() else None,
                    "properties": {"datetime": feature_value(feat, "datetime") or None,
                                   "eo:cloud_cover": feature_value(feat, "cloud_cover"),
                                   "platform": feature_value(feat, "platform") or None, "source_record": record},
                    "assets": {k: {kk: vv for kk, vv in v.items() if kk in ("href", "type", "roles", "title")}
                               for k, v in read_assets_checked(feat).items() if isinstance(v, dict)},
                    "links": [],
                }
                features.append(stac_feature(record, fallback))
                count += 1
                if feedback.isCanceled():
                    break
            with open(output, "w", encoding="utf-8") as fh:
                json.dump({"type": "FeatureCollection", "features": features}, fh)
        feedback.pushInfo(tr("Wrote {count} scene(s) to {destination}").format(
            count=count, destination=redact_url(output)))
        return {self.OUTPUT: output}

    @staticmethod
    def _write_geopackage(rows, source, output, context, feedback) -> int:
        """The scenes in the scene layer schema (JSON fields as text, whatever the input format
        made of them), in EPSG:4326 like the search output."""
        fields = scene_fields()
        options = QgsVectorFileWriter.SaveVectorOptions()
        options.driverName = "GPKG"
        options.layerName = "scenes"
        if os.path.exists(output):
            os.remove(output)
        crs = source.sourceCrs() if source.sourceCrs().isValid() else QgsCoordinateReferenceSystem("EPSG:4326")
        writer = QgsVectorFileWriter.create(output, fields, QgsWkbTypes.MultiPolygon, crs,
                                            context.transformContext(), options)
        if writer.hasError() != QgsVectorFileWriter.NoError:
            raise QgsProcessingException(tr("Writing the GeoPackage failed: {error}").format(
                error=writer.errorMessage()))
        count = 0
        for feat, conn, record in rows:
            out = QgsFeature(fields)
            if feat.hasGeometry():
                geom = feat.geometry()
                geom.convertToMultiType()
                out.setGeometry(geom)
            try:
                out.setAttributes(schema_attributes(feat, conn, record))
            except SceneLayerError as err:
                raise QgsProcessingException(str(err)) from err
            if not writer.addFeature(out, QgsFeatureSink.FastInsert):
                raise QgsProcessingException(tr("Writing the GeoPackage failed: {error}").format(
                    error=writer.errorMessage()))
            count += 1
            if feedback.isCanceled():
                break
        del writer  # closes the file now
        return count
