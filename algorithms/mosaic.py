"""``eoscenefinder:mosaic``: a virtual mosaic (.vrt) of one asset of many scenes, streamed
through /vsicurl/ with signed hrefs — nothing is downloaded."""
from __future__ import annotations

import os

from qgis.core import (QgsCoordinateReferenceSystem, QgsProcessing, QgsProcessingAlgorithm, QgsProcessingException,
                       QgsProcessingParameterExtent, QgsProcessingParameterFeatureSource,
                       QgsProcessingParameterRasterDestination, QgsProcessingParameterString)

from ..providers.errors import EoSceneFinderError
from ..services.mosaic import build_streamed_vrt
from .common import scenes_from_source
from ..i18n import tr


class MosaicAlgorithm(QgsProcessingAlgorithm):
    INPUT, ASSET, EXTENT, OUTPUT = "INPUT", "ASSET", "EXTENT", "OUTPUT"

    def name(self):
        return "mosaic"

    def displayName(self):  # noqa: N802
        return tr("Virtual mosaic of an asset")

    def shortHelpString(self):  # noqa: N802
        return (tr("Builds a GDAL virtual mosaic (.vrt) of one asset (e.g. visual, B04, src_xs) of the scenes of a "
                "layer made by “Search scenes” (selected features only when ticked), optionally clipped to an "
                "extent. The imagery streams through /vsicurl/ with signed URLs; nothing is downloaded. Scenes in "
                "different projections are warped on the fly to the first scene's CRS. Signed URLs inside the VRT "
                "expire with the catalog's signatures (DINAMIS: 8 h; Planetary Computer: about 1 h): run the "
                "algorithm again to refresh them."))

    def createInstance(self):  # noqa: N802
        return MosaicAlgorithm()

    def initAlgorithm(self, config=None):  # noqa: N802
        self.addParameter(QgsProcessingParameterFeatureSource(self.INPUT, tr("Scenes (from Search scenes)"),
                                                              [QgsProcessing.TypeVector]))
        self.addParameter(QgsProcessingParameterString(self.ASSET, tr("Asset key"), defaultValue="visual"))
        self.addParameter(QgsProcessingParameterExtent(self.EXTENT, tr("Clip to extent"), optional=True))
        self.addParameter(QgsProcessingParameterRasterDestination(self.OUTPUT, tr("Mosaic (VRT)"),
                                                                  defaultValue=None, optional=False,
                                                                  createByDefault=True))

    def processAlgorithm(self, parameters, context, feedback):  # noqa: N802
        from ..tasks.raster_task import configure_gdal_for

        source = self.parameterAsSource(parameters, self.INPUT, context)
        if source is None:
            raise QgsProcessingException(tr("INPUT is not a readable layer."))
        asset_key = (self.parameterAsString(parameters, self.ASSET, context) or "").strip()
        if not asset_key:
            raise QgsProcessingException(tr("ASSET is empty: name the asset to mosaic (e.g. visual, B04)."))
        output = self.parameterAsOutputLayer(parameters, self.OUTPUT, context)
        if not output.lower().endswith(".vrt"):
            output = os.path.splitext(output)[0] + ".vrt"
        scenes, providers = scenes_from_source(source, feedback)
        paths = []
        for conn, scene in scenes:
            asset = scene.assets.get(asset_key)
            if asset is None:
                feedback.pushWarning(tr("{id} has no asset “{asset_key}” (it has {assets})").format(
                    id=scene.id, asset_key=asset_key, assets=', '.join(sorted(scene.assets))))
                continue
            try:
                path = providers[conn].gdal_path(asset.href)
            except EoSceneFinderError as err:
                raise QgsProcessingException(f"{scene.id}: {err}") from err
            configure_gdal_for(path)
            paths.append((scene.id, path))
            if feedback.isCanceled():
                return {}
        if not paths:
            raise QgsProcessingException(tr("No scene has the asset “{asset_key}”.").format(asset_key=asset_key))
        feedback.pushInfo(tr("Mosaicking {count} scene(s)").format(count=len(paths)))

        def bounds_for(target_wkt):
            if not parameters.get(self.EXTENT):
                return None
            crs = QgsCoordinateReferenceSystem.fromWkt(target_wkt)
            rect = self.parameterAsExtent(parameters, self.EXTENT, context, crs)
            if rect.isEmpty():
                return None
            return (rect.xMinimum(), rect.yMinimum(), rect.xMaximum(), rect.yMaximum())

        try:
            built = build_streamed_vrt([(f"{scene_id} {asset_key}", path) for scene_id, path in paths], output,
                                       bounds_for, feedback.setProgress, feedback.isCanceled)
        except EoSceneFinderError as err:
            raise QgsProcessingException(err.user_message) from err
        if built is None:
            return {}
        feedback.pushInfo(tr("Wrote {output}").format(output=output))
        return {self.OUTPUT: output}
