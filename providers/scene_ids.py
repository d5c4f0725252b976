"""Canonical scene keys parsed from known product-id patterns, so the same acquisition
found in two catalogs (``S2B_MSIL2A_20230115T103411_..._T31TFJ_...`` on CDSE and
``S2B_31TFJ_20230115_0_L2A`` on Earth Search) can be grouped."""
from __future__ import annotations

import datetime as _dt
import re
from typing import Optional

from .model import SceneKey

_S2_ESA = re.compile(r"^(S2[A-D])_MSI(L1C|L2A)_(\d{8})T\d{6}(?:_N\d{4})?_R\d{3}_T(\d{2}[A-Z]{3})_\d{8}T\d{6}")
_S2_E84 = re.compile(r"^(S2[A-D])_(\d{1,2}[A-Z]{3})_(\d{8})_\d+_(L1C|L2A)$")
_S1 = re.compile(r"^(S1[A-D])_([A-Z0-9]{2})_(GRD[HMF_]|SLC_|RAW_|OCN_|ETA_)_?_?(\d)([SA])([A-Z]{2})_"
                 r"(\d{8})T\d{6}_\d{8}T\d{6}_(\d{6})_")
_LANDSAT = re.compile(r"^(L[COTEM]0[4-9])_(L1TP|L1GT|L1GS|L2SP|L2SR)_(\d{6})_(\d{8})(?:_\d{8})?_\d{2}_(T1|T2|RT)")
_MODIS = re.compile(r"^(M[OY]D\w+?)\.A(\d{4})(\d{3})\.(h\d{2}v\d{2})\.(\d{3})")
_S3 = re.compile(r"^(S3[A-D])_(OL|SL|SR|SY|DO|MW|GN|AX)_(\d)_([A-Z0-9_]{6})_(\d{8})T\d{6}_\d{8}T\d{6}_"
                 r"\d{8}T\d{6}_(?:\d{4}|_{4})_(?:\d{3}|_{3})_(\d{3}|_{3})_")


def _date(yyyymmdd: str) -> str:
    return f"{yyyymmdd[0:4]}-{yyyymmdd[4:6]}-{yyyymmdd[6:8]}"


def parse_scene_key(scene_id: Optional[str]) -> Optional[SceneKey]:
    """The canonical key of a Sentinel-1/2/3, Landsat or MODIS id, or None if unknown."""
    if not scene_id:
        return None
    name = scene_id.strip()
    for suffix in (".SAFE", ".zip", ".SEN3", ".hdf", ".tar"):
        if name.endswith(suffix):
            name = name[: -len(suffix)]
    m = _S2_ESA.match(name)
    if m:
        mission, level, day, tile = m.groups()
        return SceneKey(mission, tile, _date(day), level)
    m = _S2_E84.match(name)
    if m:
        mission, tile, day, level = m.groups()
        return SceneKey(mission, tile.zfill(5), _date(day), level)
    m = _S1.match(name)
    if m:
        mission, mode, ptype, _res, _cls, _pol, day, orbit = m.groups()
        return SceneKey(mission, f"{mode}-{int(orbit):06d}", _date(day), ptype.strip("_"))
    m = _LANDSAT.match(name)
    if m:
        sensor, level, pathrow, day, _tier = m.groups()
        return SceneKey(sensor, pathrow, _date(day), level)
    m = _MODIS.match(name)
    if m:
        product, year, doy, tile, _coll = m.groups()
        day = _dt.date(int(year), 1, 1) + _dt.timedelta(days=int(doy) - 1)
        return SceneKey(product, tile, day.isoformat(), product[3:] or product)
    m = _S3.match(name)
    if m:
        mission, instr, level, ptype, day, rel_orbit = m.groups()
        return SceneKey(mission, f"{instr}-R{rel_orbit}", _date(day), f"L{level}-{ptype.strip('_')}")
    return None
