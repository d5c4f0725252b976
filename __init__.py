"""EO Scene Finder: find, preview, stream and download Earth-observation scenes in QGIS."""


def classFactory(iface):  # noqa: N802 - QGIS's name
    from .plugin import EoSceneFinderPlugin

    return EoSceneFinderPlugin(iface)
