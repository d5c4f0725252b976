"""The two tiling grids of the Google buckets, computed (no data file to ship: 0 bytes).

- **Sentinel-2 tiles** are the MGRS 100 km squares (``31UDQ``): UTM zone, latitude band and
  the two square letters follow from the UTM coordinates (NGA, "The Universal Grids", DMA TM
  8358.1, with the Norway 32V and Svalbard 31X-37X zone exceptions). A tile covers
  109.8 × 109.8 km from the square's upper-left corner, 40 m west and 20 m north of it (the
  ``ULX``/``ULY`` of the tiles' metadata, e.g. 31UDQ: 399960 / 5500020).
- **Landsat WRS-2 path/rows**: the scene centres follow from the reference orbit (USGS
  GloVis ``ll2PathRow``: inclination 98.2096°, 233 orbits in 16 days, 248 rows per orbit,
  path 1 crosses the equator (row 60, descending) at 64.6° W).

UTM: the Transverse Mercator series of Snyder, "Map Projections — A Working Manual" (USGS PP
1395), WGS 84; good to well under a metre within a zone, more than enough to pick tiles.
"""
from __future__ import annotations

import math
from typing import Iterable, List, Set, Tuple

_A = 6378137.0
_F = 1 / 298.257223563
_E2 = _F * (2 - _F)
_EP2 = _E2 / (1 - _E2)
_K0 = 0.9996
_BANDS = "CDEFGHJKLMNPQRSTUVWX"
_COLUMNS = ("ABCDEFGH", "JKLMNPQR", "STUVWXYZ")
_ROWS = "ABCDEFGHJKLMNPQRSTUV"
TILE_SIZE = 109800.0


def utm_zone(lat: float, lon: float) -> int:
    zone = int((lon + 180) // 6) + 1
    if zone > 60:
        zone = 1
    if 56 <= lat < 64 and 3 <= lon < 12:
        return 32
    if 72 <= lat < 84 and lon >= 0:
        for upper, special in ((9, 31), (21, 33), (33, 35), (42, 37)):
            if lon < upper:
                return special
    return zone


def _meridian_arc(phi: float) -> float:
    e2, e4, e6 = _E2, _E2 ** 2, _E2 ** 3
    return _A * ((1 - e2 / 4 - 3 * e4 / 64 - 5 * e6 / 256) * phi
                 - (3 * e2 / 8 + 3 * e4 / 32 + 45 * e6 / 1024) * math.sin(2 * phi)
                 + (15 * e4 / 256 + 45 * e6 / 1024) * math.sin(4 * phi)
                 - (35 * e6 / 3072) * math.sin(6 * phi))


def to_utm(lat: float, lon: float, zone: int) -> Tuple[float, float]:
    """(easting, northing) in ``zone`` (northing without the southern false northing)."""
    phi, lam = math.radians(lat), math.radians(lon - ((zone - 1) * 6 - 180 + 3))
    n = _A / math.sqrt(1 - _E2 * math.sin(phi) ** 2)
    t = math.tan(phi) ** 2
    c = _EP2 * math.cos(phi) ** 2
    a = math.cos(phi) * lam
    x = _K0 * n * (a + (1 - t + c) * a ** 3 / 6 + (5 - 18 * t + t * t + 72 * c - 58 * _EP2) * a ** 5 / 120)
    y = _K0 * (_meridian_arc(phi) + n * math.tan(phi) * (
        a * a / 2 + (5 - t + 9 * c + 4 * c * c) * a ** 4 / 24
        + (61 - 58 * t + t * t + 600 * c - 330 * _EP2) * a ** 6 / 720))
    return x + 500000.0, y


def from_utm(easting: float, northing: float, zone: int) -> Tuple[float, float]:
    """(lat, lon) of a UTM point (``northing`` negative south of the equator)."""
    e1 = (1 - math.sqrt(1 - _E2)) / (1 + math.sqrt(1 - _E2))
    mu = northing / _K0 / (_A * (1 - _E2 / 4 - 3 * _E2 ** 2 / 64 - 5 * _E2 ** 3 / 256))
    phi1 = (mu + (3 * e1 / 2 - 27 * e1 ** 3 / 32) * math.sin(2 * mu)
            + (21 * e1 ** 2 / 16 - 55 * e1 ** 4 / 32) * math.sin(4 * mu)
            + (151 * e1 ** 3 / 96) * math.sin(6 * mu) + (1097 * e1 ** 4 / 512) * math.sin(8 * mu))
    c1 = _EP2 * math.cos(phi1) ** 2
    t1 = math.tan(phi1) ** 2
    n1 = _A / math.sqrt(1 - _E2 * math.sin(phi1) ** 2)
    r1 = _A * (1 - _E2) / (1 - _E2 * math.sin(phi1) ** 2) ** 1.5
    d = (easting - 500000.0) / (n1 * _K0)
    lat = phi1 - (n1 * math.tan(phi1) / r1) * (
        d * d / 2 - (5 + 3 * t1 + 10 * c1 - 4 * c1 * c1 - 9 * _EP2) * d ** 4 / 24
        + (61 + 90 * t1 + 298 * c1 + 45 * t1 * t1 - 252 * _EP2 - 3 * c1 * c1) * d ** 6 / 720)
    lon = (d - (1 + 2 * t1 + c1) * d ** 3 / 6
           + (5 - 2 * c1 + 28 * t1 - 3 * c1 * c1 + 8 * _EP2 + 24 * t1 * t1) * d ** 5 / 120) / math.cos(phi1)
    return math.degrees(lat), (zone - 1) * 6 - 180 + 3 + math.degrees(lon)


def mgrs_tile(lat: float, lon: float) -> str:
    """The MGRS 100 km square (= Sentinel-2 tile id, ``31UDQ``) holding a point."""
    lat = max(-80.0, min(83.999, lat))
    zone = utm_zone(lat, lon)
    band = _BANDS[min(19, int((lat + 80) // 8))]
    easting, northing = to_utm(lat, lon, zone)
    column = _COLUMNS[(zone - 1) % 3][max(0, min(7, int(easting // 100000) - 1))]
    row_offset = 5 if zone % 2 == 0 else 0
    row = _ROWS[(int(math.floor(northing / 100000)) + row_offset) % 20]
    return f"{zone:02d}{band}{column}{row}"


def tile_footprint(tile: str) -> List[Tuple[float, float]]:
    """The (lon, lat) ring of a Sentinel-2 tile (109.8 km square from the MGRS square's
    upper-left corner)."""
    zone, band, column, row = int(tile[:2]), tile[2], tile[3], tile[4]
    west = (_COLUMNS[(zone - 1) % 3].index(column) + 1) * 100000.0
    row_index = (_ROWS.index(row) - (5 if zone % 2 == 0 else 0)) % 20
    band_lat = -80 + 8 * _BANDS.index(band) + 4  # the band's middle
    band_northing = to_utm(band_lat, (zone - 1) * 6 - 180 + 3, zone)[1]
    # the square whose row letter matches, closest to the band's latitude (rows repeat every 2000 km)
    cycle = round((band_northing - row_index * 100000.0) / 2000000.0)
    south = row_index * 100000.0 + cycle * 2000000.0
    north = south + 100000.0 + 20.0
    west -= 40.0
    corners = [(west, north), (west + TILE_SIZE, north), (west + TILE_SIZE, north - TILE_SIZE), (west, north - TILE_SIZE)]
    ring = [from_utm(e, n, zone)[::-1] for e, n in corners]
    return ring + [ring[0]]


# ------------------------------------------------------------------------------ WRS-2
_WRS_INCLINATION = math.radians(98.2096)
_WRS_PATH1_LON = math.radians(-64.6)
_WRS_ORBITS, _WRS_DAYS, _WRS_ROWS, _WRS_EQUATOR_ROW = 233, 16, 248, 60
_B_OVER_A = (1 - _F)
_SPIN_RATIO = (2 * math.pi / 86400.0) / ((2 * math.pi * _WRS_ORBITS) / (_WRS_DAYS * 86400.0))


def wrs2_float(lat: float, lon: float) -> Tuple[float, float]:
    """Fractional (path, row) of a point on the descending (daytime) WRS-2 grid."""
    lat = max(-81.84, min(81.08, lat))
    gclat = math.atan(math.tan(math.radians(lat)) * _B_OVER_A ** 2)
    angle = math.asin(-math.sin(gclat) / math.sin(_WRS_INCLINATION))
    row = _WRS_ROWS * angle / (2 * math.pi) + _WRS_EQUATOR_ROW
    delta = math.atan2(math.tan(gclat) / math.tan(_WRS_INCLINATION), math.cos(angle) / math.cos(gclat))
    origin = math.radians(lon) + delta + angle * _SPIN_RATIO
    path = (_WRS_PATH1_LON - origin) / (2 * math.pi) * _WRS_ORBITS + 1
    return path % _WRS_ORBITS or _WRS_ORBITS, row


def wrs2_center(path: float, row: float) -> Tuple[float, float]:
    """(lat, lon) of a (fractional) WRS-2 path/row."""
    angle = (row - _WRS_EQUATOR_ROW) * 2 * math.pi / _WRS_ROWS
    gclat = math.asin(-math.sin(angle) * math.sin(_WRS_INCLINATION))
    lat = math.degrees(math.atan(math.tan(gclat) / _B_OVER_A ** 2))
    origin = _WRS_PATH1_LON - (path - 1) / _WRS_ORBITS * 2 * math.pi
    delta = math.atan2(math.tan(gclat) / math.tan(_WRS_INCLINATION), math.cos(angle) / math.cos(gclat))
    lon = math.degrees(origin - delta - angle * _SPIN_RATIO)
    return lat, (lon + 180) % 360 - 180


def wrs2_footprint(path: int, row: int) -> List[Tuple[float, float]]:
    """An approximate (lon, lat) ring of a WRS-2 scene (half a path and a row around its centre,
    widened by the scenes' 185 km swath)."""
    corners = [(path - 0.55, row - 0.5), (path + 0.55, row - 0.5), (path + 0.55, row + 0.5), (path - 0.55, row + 0.5)]
    ring = [wrs2_center(p, r)[::-1] for p, r in corners]
    return ring + [ring[0]]


def _unwrap(ring: List[Tuple[float, float]]) -> List[Tuple[float, float]]:
    """A ring crossing the antimeridian, with longitudes made continuous."""
    out = [ring[0]]
    for lon, lat in ring[1:]:
        prev = out[-1][0]
        while lon - prev > 180:
            lon -= 360
        while lon - prev < -180:
            lon += 360
        out.append((lon, lat))
    return out


def sample_points(aoi, step: float = 0.2) -> Iterable[Tuple[float, float]]:
    """(lat, lon) points over ``aoi`` (a shapely geometry): its vertices and a grid inside."""
    from shapely.geometry import Point

    minx, miny, maxx, maxy = aoi.bounds
    for geom in getattr(aoi, "geoms", [aoi]):
        for lon, lat in list(getattr(geom, "exterior", geom).coords):
            yield lat, lon
    nx = max(1, int(math.ceil((maxx - minx) / step)))
    ny = max(1, int(math.ceil((maxy - miny) / step)))
    for i in range(nx + 1):
        for j in range(ny + 1):
            lon, lat = minx + (maxx - minx) * i / nx, miny + (maxy - miny) * j / ny
            if aoi.covers(Point(lon, lat)) or aoi.distance(Point(lon, lat)) < step:
                yield lat, lon


def tiles_for(aoi, limit: int = 200) -> List[str]:
    """The Sentinel-2 tiles whose footprint meets ``aoi``, at most ``limit``."""
    from shapely.geometry import Polygon

    candidates: Set[str] = set()
    for lat, lon in sample_points(aoi.buffer(0.15)):
        candidates.add(mgrs_tile(lat, lon))
        if len(candidates) > 4 * limit:
            break
    out = sorted(t for t in candidates if Polygon(_unwrap(tile_footprint(t))).intersects(aoi))
    return out[:limit]


def path_rows_for(aoi, limit: int = 200) -> List[Tuple[int, int]]:
    """The WRS-2 (path, row) scenes whose footprint meets ``aoi``, at most ``limit``."""
    from shapely.geometry import Polygon

    candidates: Set[Tuple[int, int]] = set()
    for lat, lon in sample_points(aoi):
        path, row = wrs2_float(lat, lon)
        for p in (math.floor(path), math.ceil(path)):
            for r in (math.floor(row), math.ceil(row)):
                candidates.add(((p - 1) % _WRS_ORBITS + 1, r))
        if len(candidates) > 4 * limit:
            break
    out = sorted(c for c in candidates if 1 <= c[1] <= 248 and Polygon(_unwrap(wrs2_footprint(*c))).intersects(aoi))
    return out[:limit]
