"""Names that moved between QGIS 3.22 (Qt 5) and QGIS 3.38+/4 (Qt 6), resolved once."""
from qgis.core import Qgis, QgsWkbTypes

# QgsWkbTypes.PolygonGeometry became Qgis.GeometryType.Polygon (3.30)
POLYGON_GEOMETRY = (Qgis.GeometryType.Polygon if hasattr(Qgis, "GeometryType")
                    else QgsWkbTypes.PolygonGeometry)

if Qgis.QGIS_VERSION_INT >= 33800:  # fields take QMetaType (QVariant.Type is gone in Qt 6)
    from qgis.PyQt.QtCore import QMetaType

    FIELD_TYPES = {"string": QMetaType.Type.QString, "int": QMetaType.Type.Int, "double": QMetaType.Type.Double,
                   "bool": QMetaType.Type.Bool, "int64": QMetaType.Type.LongLong}
else:
    from qgis.PyQt.QtCore import QVariant

    FIELD_TYPES = {"string": QVariant.String, "int": QVariant.Int, "double": QVariant.Double,  # qt5-only
                   "bool": QVariant.Bool, "int64": QVariant.LongLong}  # qt5-only


def field(name: str, kind: str):
    """A ``QgsField`` of ``kind`` (string, int, double, bool, int64) on any QGIS version."""
    from qgis.core import QgsField

    return QgsField(name, FIELD_TYPES[kind])
