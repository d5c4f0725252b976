"""A GDAL virtual mosaic (.vrt) of streamed rasters, shared by ``eoscenefinder:mosaic`` and the
panel's “Add as mosaic”: nothing is downloaded, the VRT points at the /vsicurl/ paths."""
from __future__ import annotations

import os
from typing import Callable, List, Optional, Sequence, Tuple

from ..providers.errors import EoSceneFinderError, ServiceError
from ..providers.net.redact import redact_text
from ..i18n import tr


def build_streamed_vrt(paths: Sequence[Tuple[str, str]], output: str,
                       bounds_for: Optional[Callable[[str], Optional[tuple]]] = None,
                       progress: Optional[Callable[[float], None]] = None,
                       cancelled: Optional[Callable[[], bool]] = None) -> Optional[str]:
    """Write ``output`` (.vrt) mosaicking ``paths`` ((label, GDAL path) pairs). BuildVRT needs one
    projection: rasters in another CRS are warped (as VRTs beside ``output``) to the first one's.
    ``bounds_for(target_wkt)`` may return (xmin, ymin, xmax, ymax) in that CRS to clip to.
    Returns ``output``, or None when ``cancelled()`` became true."""
    from osgeo import gdal, osr

    from ..tasks.raster_task import configure_gdal_for

    if not paths:
        raise EoSceneFinderError(tr("No raster to mosaic."))
    gdal.UseExceptions()
    os.makedirs(os.path.dirname(os.path.abspath(output)), exist_ok=True)
    inputs: List[str] = []
    target_wkt = None
    for n, (label, path) in enumerate(paths):
        configure_gdal_for(path)
        try:
            ds = gdal.Open(path)
        except RuntimeError as err:
            raise ServiceError(tr("GDAL could not open {label}: {err}").format(
                label=label, err=redact_text(str(err)))) from err
        wkt = ds.GetProjection()
        if target_wkt is None:
            target_wkt = wkt
        same = osr.SpatialReference(wkt=wkt).IsSame(osr.SpatialReference(wkt=target_wkt)) if wkt else True
        if same:
            inputs.append(path)
        else:
            warped = os.path.splitext(output)[0] + f"_part{n}.vrt"
            gdal.Warp(warped, ds, format="VRT", dstSRS=target_wkt)
            inputs.append(warped)
        ds = None
        if progress is not None:
            progress(80.0 * (n + 1) / len(paths))
        if cancelled is not None and cancelled():
            return None
    options = {}
    bounds = bounds_for(target_wkt) if bounds_for is not None else None
    if bounds:
        options["outputBounds"] = bounds
    vrt = gdal.BuildVRT(output, inputs, **options)
    if vrt is None:
        raise ServiceError(tr("GDAL could not build the mosaic."))
    vrt = None
    return output
