"""``eoscenefinder:export``: a search layer as a STAC ItemCollection, an ``id,name`` CSV
listing (as cdsodatacli writes it) or a GeoPackage."""
from __future__ import annotations

import csv
import json
import os

from qgis.core import (QgsProcessing, QgsProcessingAlgorithm, QgsProcessingException,
                       QgsProcessingParameterEnum, QgsProcessingParameterFeatureSource,
                       QgsProcessingParameterFileDestination, QgsVectorFileWriter)

from ..providers.net.redact import redact_url

FORMATS = ("STAC ItemCollection (GeoJSON)", "CSV listing (id,name)", "GeoPackage")
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


class ExportAlgorithm(QgsProcessingAlgorithm):
    INPUT, FORMAT, OUTPUT = "INPUT", "FORMAT", "OUTPUT"

    def name(self):
        return "export"

    def displayName(self):  # noqa: N802
        return "Export scene list"

    def shortHelpString(self):  # noqa: N802
        return ("Writes the scenes of a layer made by “Search scenes” as a STAC ItemCollection (GeoJSON), as a CSV "
                "listing with the two columns id,name (as cdsodatacli writes it: product Id and Name for Copernicus "
                "Data Space, the item id otherwise), or as a GeoPackage.")

    def createInstance(self):  # noqa: N802
        return ExportAlgorithm()

    def initAlgorithm(self, config=None):  # noqa: N802
        self.addParameter(QgsProcessingParameterFeatureSource(self.INPUT, "Scenes (from Search scenes)",
                                                              [QgsProcessing.TypeVector]))
        self.addParameter(QgsProcessingParameterEnum(self.FORMAT, "Format", options=list(FORMATS), defaultValue=0))
        self.addParameter(QgsProcessingParameterFileDestination(
            self.OUTPUT, "Output file", "GeoJSON (*.json *.geojson);;CSV (*.csv);;GeoPackage (*.gpkg)"))

    def processAlgorithm(self, parameters, context, feedback):  # noqa: N802
        source = self.parameterAsSource(parameters, self.INPUT, context)
        if source is None:
            raise QgsProcessingException("INPUT is not a readable layer.")
        fmt = self.parameterAsEnum(parameters, self.FORMAT, context)
        output = self.parameterAsFileOutput(parameters, self.OUTPUT, context)
        if not output:
            raise QgsProcessingException("OUTPUT is empty.")
        if not os.path.splitext(output)[1]:
            output += EXTENSIONS[fmt]
        os.makedirs(os.path.dirname(os.path.abspath(output)), exist_ok=True)
        names = source.fields().names()
        if fmt in (0, 1) and "record" not in names:
            raise QgsProcessingException("The input layer has no “record” field: use a layer made by Search scenes.")
        count = 0
        if fmt == 2:
            options = QgsVectorFileWriter.SaveVectorOptions()
            options.driverName = "GPKG"
            options.layerName = "scenes"
            layer = self.parameterAsVectorLayer(parameters, self.INPUT, context)
            if layer is None:
                raise QgsProcessingException("INPUT is not a vector layer that can be written to a GeoPackage.")
            writer = getattr(QgsVectorFileWriter, "writeAsVectorFormatV3", None) or \
                QgsVectorFileWriter.writeAsVectorFormatV2
            res = writer(layer, output, context.transformContext(), options)
            if res[0] != QgsVectorFileWriter.NoError:
                raise QgsProcessingException(f"Writing the GeoPackage failed: {res[1]}")
            count = layer.featureCount()
        elif fmt == 1:
            with open(output, "w", newline="", encoding="utf-8") as fh:
                writer = csv.writer(fh)
                writer.writerow(["id", "name"])
                for feat in source.getFeatures():
                    record = json.loads(feat["record"] or "{}")
                    writer.writerow(listing_row(record, feat["id"]))
                    count += 1
        else:
            features = []
            for feat in source.getFeatures():
                record = json.loads(feat["record"] or "{}")
                fallback = {
                    "type": "Feature", "stac_version": "1.0.0", "id": feat["id"],
                    "collection": feat["collection"] or None,
                    "geometry": json.loads(feat.geometry().asJson(7)) if feat.hasGeometry() else None,
                    "properties": {"datetime": feat["datetime"] or None, "eo:cloud_cover": feat["cloud_cover"],
                                   "platform": feat["platform"] or None, "source_record": record},
                    "assets": {k: {kk: vv for kk, vv in v.items() if kk in ("href", "type", "roles", "title")}
                               for k, v in json.loads(feat["assets"] or "{}").items()},
                    "links": [],
                }
                features.append(stac_feature(record, fallback))
                count += 1
                if feedback.isCanceled():
                    break
            with open(output, "w", encoding="utf-8") as fh:
                json.dump({"type": "FeatureCollection", "features": features}, fh)
        feedback.pushInfo(f"Wrote {count} scene(s) to {redact_url(output)}")
        return {self.OUTPUT: output}
