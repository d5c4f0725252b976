"""Presets, connection strings, kind detection and the provider registry."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from eo_scene_finder.providers import errors
from eo_scene_finder.providers.base import Connection, Provider, SearchResults
from eo_scene_finder.providers.connections import (DEMO_CATALOG, PRESETS, connection_string, looks_secret,
                                                   open_provider, provider_kinds,
                                                   resolve_connection)
from eo_scene_finder.providers.model import SearchRequest
from eo_scene_finder.providers.auth.signing import DinamisSigner, PlanetaryComputerSigner
from eo_scene_finder.providers.catalogs.stac.api import StacApiProvider

PLUGIN_DIR = Path(__file__).resolve().parents[1]


def test_presets_and_their_endpoints():
    assert list(PRESETS) == ["earth-search", "planetary-computer", "dinamis", "isdeform", "cdse-stac", "cdse",
                            "creodias", "usgs", "nasa-cmr", "aws-s1", "google", "demo"]
    assert PRESETS["usgs"].kind == "usgs" and PRESETS["usgs"].url == "https://m2m.cr.usgs.gov/api/api/json/stable/"
    assert PRESETS["cdse"].kind == "cdse" and PRESETS["cdse"].url.endswith("/odata/v1")
    assert PRESETS["earth-search"].url == "https://earth-search.aws.element84.com/v1"
    pc = PRESETS["planetary-computer"].connection()
    assert pc.url == "https://planetarycomputer.microsoft.com/api/stac/v1"
    assert pc.options["signing"] == "planetary-computer"
    assert pc.options["signing_url"] == "https://planetarycomputer.microsoft.com/api/sas/v1"
    dinamis = PRESETS["dinamis"].connection()
    assert dinamis.url == "https://stacapi-cdos.apps.okd.crocc.meso.umontpellier.fr"
    assert dinamis.options["signing"] == "dinamis"
    assert dinamis.options["signing_url"] == "https://s3-signing-cdos.apps.okd.crocc.meso.umontpellier.fr/"
    assert PRESETS["isdeform"].url == "http://isdeform.opgc.fr/pgstac/"
    assert PRESETS["cdse-stac"].url == "https://stac.dataspace.copernicus.eu/v1"
    aws = resolve_connection("aws-s1?stac_url=http://127.0.0.1:9/&s3_endpoint=http://127.0.0.1:9&zip=true")
    assert aws.kind == "aws" and aws.url == "https://earth-search.aws.element84.com/v1"
    assert aws.options == {"collection": "sentinel-1-grd", "region": "eu-central-1", "bucket": "sentinel-s1-l1c",
                           "zip": True, "stac_url": "http://127.0.0.1:9/", "s3_endpoint": "http://127.0.0.1:9"}
    google = resolve_connection("google?url=http://127.0.0.1:9")
    assert google.kind == "google" and google.url == "http://127.0.0.1:9"
    assert PRESETS["google"].url == "https://storage.googleapis.com"
    cmr = resolve_connection("nasa-cmr?url=http://127.0.0.1:9/search/&urs_url=http://127.0.0.3:9")
    assert (PRESETS["nasa-cmr"].kind, PRESETS["nasa-cmr"].url) == ("cmr", "https://cmr.earthdata.nasa.gov/search/")
    assert PRESETS["nasa-cmr"].options["urs_url"] == "https://urs.earthdata.nasa.gov"
    assert (cmr.url, cmr.options["urs_url"]) == ("http://127.0.0.1:9/search/", "http://127.0.0.3:9")
    demo = PRESETS["demo"].connection()
    assert demo.kind == "static" and Path(demo.url) == PLUGIN_DIR / "demo_catalog" / "catalog.json"
    assert Path(demo.url) == DEMO_CATALOG
    for preset in PRESETS.values():
        assert preset.title and preset.description
        assert preset.connection().preset == preset.id


def test_preset_endpoints_are_overridable():
    conn = resolve_connection("planetary-computer?signing_url=http://127.0.0.1:9999/sas&page_size=250")
    assert conn.url == "https://planetarycomputer.microsoft.com/api/stac/v1"
    assert conn.options["signing_url"] == "http://127.0.0.1:9999/sas" and conn.options["page_size"] == 250
    mirror = resolve_connection("earth-search?url=http://127.0.0.1:8081/v1&name=my mirror")
    assert mirror.url == "http://127.0.0.1:8081/v1" and mirror.name == "my mirror"
    assert mirror.preset == "earth-search"
    override = PRESETS["dinamis"].connection(signing_url="http://127.0.0.1:1/")
    assert override.options["signing_url"] == "http://127.0.0.1:1/"
    assert PRESETS["dinamis"].options["signing_url"].startswith("https://s3-signing-cdos")  # untouched


def test_presets_open_without_network():
    provider = open_provider(PRESETS["planetary-computer"].connection(), credentials={"subscription_key": "sk-1234"})
    assert isinstance(provider, StacApiProvider)
    assert isinstance(provider.signer, PlanetaryComputerSigner) and provider.signer.subscription_key == "sk-1234"
    dinamis = open_provider(PRESETS["dinamis"].connection(), credentials={"token_provider": lambda: "tok"})
    assert isinstance(dinamis.signer, DinamisSigner)
    assert dinamis.signer.storage_domain == ".meso.umontpellier.fr"
    assert open_provider(PRESETS["earth-search"].connection()).signer is None


def test_demo_preset_is_the_bundled_static_catalog():
    provider = open_provider(resolve_connection("demo"))
    assert provider.kind == "static"
    assert provider.list_collections()
    assert provider.search(SearchRequest.create()).all()


def test_saved_connections_win():
    mine = Connection(name="My API", kind="stac-api", url="http://127.0.0.1:1/")
    shadow = Connection(name="demo", kind="stac-api", url="http://127.0.0.1:2/")
    saved = {"My API": mine, "demo": shadow}
    assert resolve_connection("My API", saved) is mine
    assert resolve_connection("my api", saved) is mine
    assert resolve_connection("demo", saved) is shadow  # a saved name shadows a preset id
    assert resolve_connection("demo").kind == "static"


def test_kind_plus_url_strings_round_trip():
    text = "stac-api+http://127.0.0.1:8081/?page_size=500&signing=dinamis&signing_url=http://127.0.0.1:8090/"
    conn = resolve_connection(text)
    assert conn.kind == "stac-api" and conn.url == "http://127.0.0.1:8081/"
    assert conn.options == {"page_size": 500, "signing": "dinamis", "signing_url": "http://127.0.0.1:8090/"}
    again = resolve_connection(connection_string(conn))
    assert again == conn
    named = Connection(name="ISDeform mirror", kind="stac-api", url="http://127.0.0.1:1/pgstac/",
                       options={"intersects": False})
    assert resolve_connection(connection_string(named)) == named
    static = resolve_connection("static+/data/isdeform/catalog.json")
    assert static.kind == "static" and static.url == "/data/isdeform/catalog.json"


def test_bad_option_values():
    with pytest.raises(errors.InvalidRequestError):
        resolve_connection("stac-api+http://127.0.0.1:1/?page_size=lots")
    with pytest.raises(errors.InvalidRequestError):
        open_provider(resolve_connection("stac-api+http://127.0.0.1:1/?page_size=0"))
    with pytest.raises(errors.InvalidRequestError) as info:
        resolve_connection("nothing-like-this")
    assert "preset" in info.value.user_message


@pytest.mark.parametrize("text,secret", [
    ("stac-api+http://127.0.0.1:1/?token=abc123XYZ", "abc123XYZ"),
    ("stac-api+http://127.0.0.1:1/?page_size=5&password=hunter22", "hunter22"),
    ("stac-api+http://127.0.0.1:1/?api_key=K-998877", "K-998877"),
    ("stac-api+http://127.0.0.1:1/?secret_key=S-55443322", "S-55443322"),
    ("stac-api+http://127.0.0.1:1/?subscription_key=sub-7766", "sub-7766"),
    ("planetary-computer?key=k-11223344", "k-11223344"),
    ("http://127.0.0.1:1/search?X-Amz-Signature=deadbeef99", "deadbeef99"),
    ("https://user:pa55word@example.com/stac", "pa55word"),
    ("stac-api+https://bob:pa55word2@example.com/stac", "pa55word2"),
])
def test_secrets_in_connection_strings_are_refused(text, secret):
    with pytest.raises(errors.InvalidRequestError) as info:
        resolve_connection(text, probe=False)
    message = str(info.value)
    assert secret not in message
    assert "connection manager" in message and "EOSF_" in message


def test_option_names_are_not_mistaken_for_secrets():
    for name in ("page_size", "signing", "signing_url", "storage_domain", "blob_host_pattern", "duration_seconds",
                 "intersects", "method", "name", "url"):
        assert not looks_secret(name), name
    for name in ("token", "access_token", "password", "secret", "api_key", "apikey", "key", "sig", "access-key",
                 "Ocp-Apim-Subscription-Key", "client_secret", "totp"):
        assert looks_secret(name), name


def test_bare_urls_and_paths(tmp_path, pgstac_api, nginx_server):
    # a .json URL is a static catalog without asking
    assert resolve_connection("https://example.com/catalog.json", probe=False).kind == "static"
    # a landing page with item-search conformance is a STAC API (one GET)
    api = resolve_connection(pgstac_api.url)
    assert api.kind == "stac-api" and api.url == pgstac_api.url
    # a served catalog without conformance is static, even without .json in the URL
    root = tmp_path / "served"
    (root / "cat").mkdir(parents=True)
    (root / "cat" / "index.html").write_text(json.dumps(
        {"type": "Catalog", "id": "c", "stac_version": "1.0.0", "description": "d", "links": []}))
    nginx = nginx_server(root)
    assert resolve_connection(nginx.url + "/cat/").kind == "static"
    # a local file or folder is a static catalog
    catalog = tmp_path / "local" / "catalog.json"
    catalog.parent.mkdir()
    catalog.write_text("{}")
    conn = resolve_connection(str(catalog))
    assert conn.kind == "static" and conn.url == str(catalog.resolve())
    assert resolve_connection(str(catalog.parent)).kind == "static"


def test_bare_url_probe_reports_unreachable():
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    with pytest.raises(errors.UnreachableError):
        resolve_connection(f"http://127.0.0.1:{port}/stac")


def test_the_registry_lists_only_kinds_with_a_provider():
    """Every kind comes from a spec whose provider class loads; unknown kinds are refused
    in words that name the known ones, never listing a kind as both."""
    from eo_scene_finder.providers.catalogs import specs

    assert set(provider_kinds()) == {"stac-api", "static", "cdse", "creodias", "aws", "google", "cmr", "usgs"}
    for kind, spec in specs().items():
        cls = spec.provider_class()
        assert issubclass(cls, Provider) and cls.kind == kind
        assert spec.title and spec.check, kind
    conn = resolve_connection("stac-api+http://127.0.0.1:1/x?flavour=mild")
    assert conn.kind == "stac-api" and conn.options == {"flavour": "mild"}
    for unknown in ("carrier-pigeon",):
        with pytest.raises(errors.InvalidRequestError) as info:
            open_provider(Connection("q", unknown, "x"))
        message = info.value.user_message
        assert "stac-api" in message and f"“{unknown}”" in message
        assert unknown not in message.split("kinds are:")[1]
    # a KIND+URL string of a kind without a provider is not taken for a kind
    with pytest.raises(errors.InvalidRequestError):
        resolve_connection("carrier-pigeon+http://127.0.0.1:1/api/")


def test_public_api_of_the_package():
    import eo_scene_finder.providers as providers

    assert providers.open_provider is open_provider
    assert providers.resolve_connection is resolve_connection
    assert providers.PRESETS is PRESETS


def test_endpoint_overrides_named_like_secrets_are_accepted():
    """The connection-string example of the credentials issue: endpoints are not secrets."""
    from eo_scene_finder.providers.connections import looks_secret

    assert not looks_secret("token_url") and not looks_secret("download_url") and not looks_secret("client_id")
    assert looks_secret("token") and looks_secret("client_secret") and looks_secret("api_key")
