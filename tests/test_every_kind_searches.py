"""The connection manager never offers a kind without a working provider: every kind in the
editor's *Kind* box is configured through the editor's own widgets, pointed at its loopback
server, and searched for real."""
from __future__ import annotations

import pytest
from qgis.PyQt.QtWidgets import QLineEdit
from shapely.geometry import box

from eo_scene_finder.providers.catalogs import specs
from eo_scene_finder.providers.connections import open_provider
from eo_scene_finder.providers.model import SearchRequest
from eo_scene_finder.ui.connections_dialog import ConnectionEditor

from test_connections_dialog import store  # noqa: F401  (fixture)


@pytest.fixture
def loopback_urls(pgstac_api, cdse, cmr, demo_catalog_path, aws_s1_catalog, gcs, m2m, usgs_env):
    """The loopback server (or bundled file) each kind is searched on. A new kind must add
    its server here: the test fails for a kind it cannot reach."""
    return {
        "stac-api": pgstac_api.url,
        "static": demo_catalog_path,
        "cdse": cdse.odata_url,
        "creodias": cdse.odata_url,      # CREODIAS speaks the same OData interface
        "aws": aws_s1_catalog[0],        # searched through its STAC API (sentinel-1-grd loaded)
        "google": gcs.url,               # listed tile by tile: it needs an area (AREAS)
        "cmr": cmr.search_url,
        "usgs": m2m.api_url,             # the account comes from EOSF_USGS_USERNAME / EOSF_USGS_TOKEN
    }


# kinds without a catalogue search an area (the panel's map search), like a user must
AREAS = {"google": (2.25, 48.80, 2.45, 48.92)}


@pytest.fixture
def demo_catalog_path():
    from eo_scene_finder.providers.catalogs.stac import DEMO_CATALOG
    return str(DEMO_CATALOG)


def test_every_kind_the_editor_offers_searches_its_loopback_server(store, loopback_urls):  # noqa: F811
    editor = ConnectionEditor(store)
    offered = [editor.kind_combo.itemData(i) for i in range(editor.kind_combo.count())]
    assert offered == list(specs()), "the editor offers exactly the kinds that have a provider"
    assert set(offered) <= set(loopback_urls), f"no loopback server for {set(offered) - set(loopback_urls)}"
    try:
        for kind in offered:
            editor.kind_combo.setCurrentIndex(editor.kind_combo.findData(kind))
            editor.name_edit.setText(f"loopback {kind}")
            editor.url_edit.setText(loopback_urls[kind])
            for edit in editor.findChildren(QLineEdit):
                if edit.objectName() == "endpoint_signing_url":  # no signing on loopback
                    edit.clear()
            connection = editor.connection()
            assert connection.kind == kind
            provider = open_provider(connection)
            try:
                collections = provider.list_collections()
                assert collections, f"{kind}: no collection listed"
                area = AREAS.get(kind)
                request = SearchRequest.create(limit=3, aoi=box(*area)) if area else SearchRequest(limit=3)
                scenes = provider.search(request).all()
            finally:
                provider.close()
            assert scenes, f"{kind}: the search found nothing on its loopback server"
            assert all(s.id and s.geometry for s in scenes), kind
    finally:
        editor.close()
