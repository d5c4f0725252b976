"""Saved connections in QgsSettings, QGIS auth DB fallback, QGIS proxy mapping."""
from __future__ import annotations

import json

import pytest
from qgis.core import QgsSettings
from qgis.PyQt.QtCore import QSettings

from eo_scene_finder.services import credentials as eosf_credentials
from eo_scene_finder.providers import errors
from eo_scene_finder.providers.net import http
from eo_scene_finder.providers.base import Connection
from eo_scene_finder.providers.auth.credentials import CredentialStore, CredentialStoreError, KeyringSecretStore
from eo_scene_finder.services.auth_db import FALLBACK_NOTICE_KEY, QgisAuthSecretStore, notify_keyring_fallback
from eo_scene_finder.services.connection_store import ConnectionStore
from eo_scene_finder.services.network import apply_network_settings, qgis_proxy_settings
from eo_scene_finder.services.project import strip_url_secrets

from fixtures.qgis_auth import MASTER_PASSWORD


@pytest.fixture
def ini(tmp_path):
    """A QgsSettings of its own (a file this test can grep)."""
    path = tmp_path / "QGIS3.ini"
    return QgsSettings(str(path), QSettings.Format.IniFormat), path


@pytest.fixture
def keyring_store(memory_keyring):
    return CredentialStore(KeyringSecretStore(), environ={})


@pytest.fixture
def reset_network():
    yield
    http.configure(proxies={}, no_proxy="", ca_bundle="")


CDSE = Connection("Team CDSE", "cdse", "https://catalogue.dataspace.copernicus.eu/odata/v1",
                  {"token_url": "https://identity.dataspace.copernicus.eu/auth/realms/CDSE/protocol/openid-connect/token",
                   "page_size": 1000})
SECRETS = {"username": "team@example.org", "password": "pw-Settings-8842"}


# ------------------------------------------------------------------ saved connections

def test_connections_are_saved_in_settings_and_secrets_elsewhere(ini, keyring_store, memory_keyring):
    settings, path = ini
    store = ConnectionStore(settings=settings, credentials=keyring_store)
    changes = []
    store.changed.connect(lambda: changes.append(1))
    store.save(CDSE, credentials=SECRETS)
    store.save(Connection("Earth Search", "stac-api", "https://earth-search.aws.element84.com/v1"))
    assert store.names() == ["Earth Search", "Team CDSE"]
    assert store.get("Team CDSE").options["token_url"].endswith("/token")
    assert store.credentials.get(CDSE)["password"] == SECRETS["password"]
    settings.sync()
    text = path.read_text()
    assert "Team CDSE" in text and SECRETS["password"] not in text and "team@example.org" not in text
    assert len(changes) == 2
    store.remove("Team CDSE")
    assert store.get("Team CDSE") is None
    assert not memory_keyring.entries                       # its secrets went with it


def test_a_new_store_reads_what_another_saved(ini, keyring_store):
    settings, path = ini
    ConnectionStore(settings=settings, credentials=keyring_store).save(CDSE)
    again = ConnectionStore(settings=QgsSettings(str(path), QSettings.Format.IniFormat), credentials=keyring_store)
    assert again.get("Team CDSE") == CDSE


@pytest.mark.parametrize("bad", [
    Connection("x", "stac-api", "https://user:pw-in-url@example.org/stac"),
    Connection("x", "stac-api", "https://example.org/stac?token=abc123"),
    Connection("x", "cdse", "https://example.org", {"password": "pw-opt"}),
    Connection("x", "stac-api", "https://example.org", {"signing_url": "https://s.example.org/?sig=abc"}),
])
def test_secrets_are_refused_in_urls_and_options(ini, keyring_store, bad):
    store = ConnectionStore(settings=ini[0], credentials=keyring_store)
    with pytest.raises(errors.InvalidRequestError) as info:
        store.save(bad)
    assert "plain text" in str(info.value) or "secret" in str(info.value)
    assert store.names() == []


def test_rename_duplicate_and_name_clash(ini, keyring_store):
    store = ConnectionStore(settings=ini[0], credentials=keyring_store)
    store.save(CDSE, credentials=SECRETS)
    renamed = Connection("CDSE prod", CDSE.kind, CDSE.url, dict(CDSE.options))
    store.save(renamed, old_name="Team CDSE")
    assert store.names() == ["CDSE prod"]
    assert store.credentials.stored("CDSE prod")["password"] == SECRETS["password"]
    assert not store.credentials.stored("Team CDSE")
    copy = store.duplicate("CDSE prod")
    assert copy.name == "CDSE prod (copy)"
    assert store.credentials.stored(copy.name)["password"] == SECRETS["password"]
    with pytest.raises(errors.InvalidRequestError):
        store.save(Connection("CDSE prod", "stac-api", "https://x.org"))


def test_export_and_import_share_a_setup_without_secrets(ini, keyring_store, tmp_path):
    store = ConnectionStore(settings=ini[0], credentials=keyring_store)
    store.save(CDSE, credentials=SECRETS)
    store.save(Connection("DINAMIS", "stac-api", "https://stacapi.example.org",
                          {"signing": "dinamis", "signing_url": "https://sign.example.org/"}),
               credentials={"access_key": "ak-Export-1", "secret_key": "sk-Export-2"})
    path = tmp_path / "team.json"
    assert store.export_json(str(path)) == 2
    text = path.read_text()
    for secret in (SECRETS["password"], "ak-Export-1", "sk-Export-2", "team@example.org"):
        assert secret not in text
    data = json.loads(text)
    assert data["format"] == "eo-scene-finder-connections" and len(data["connections"]) == 2

    other_settings = QgsSettings(str(tmp_path / "other.ini"), QSettings.Format.IniFormat)
    colleague = ConnectionStore(settings=other_settings, credentials=keyring_store)
    colleague.save(Connection("DINAMIS", "stac-api", "https://mine.example.org"))
    assert sorted(colleague.import_json(str(path))) == ["DINAMIS (2)", "Team CDSE"]
    assert colleague.get("DINAMIS (2)").options["signing"] == "dinamis"
    assert colleague.get("DINAMIS").url == "https://mine.example.org"


def test_importing_something_else_says_so(ini, keyring_store, tmp_path):
    store = ConnectionStore(settings=ini[0], credentials=keyring_store)
    path = tmp_path / "x.json"
    path.write_text('{"type": "FeatureCollection"}')
    with pytest.raises(errors.InvalidRequestError) as info:
        store.import_json(str(path))
    assert "not an EO Scene Finder connections file" in str(info.value)


# ------------------------------------------------------------------ QGIS auth DB fallback

def test_without_a_keyring_secrets_go_to_the_qgis_auth_db_and_the_user_is_told_once(ini, auth_db, message_log):
    QgsSettings().remove(FALLBACK_NOTICE_KEY)
    creds = CredentialStore(KeyringSecretStore(), fallback=QgisAuthSecretStore(),
                            on_fallback=notify_keyring_fallback, environ={})
    assert not creds.primary.usable()            # conftest selects the null keyring backend
    store = ConnectionStore(settings=ini[0], credentials=creds)
    store.save(CDSE, credentials=SECRETS)
    store.save(Connection("Other", "cdse", "https://x.org/odata/v1"), credentials={"username": "o", "password": "pw-Other-55"})
    names = [cfg.name() for cfg in auth_db.availableAuthMethodConfigs().values()]
    assert "eo_scene_finder: Team CDSE" in names
    assert store.credentials.get(CDSE)["password"] == SECRETS["password"]
    assert creds.location("Team CDSE").label == "QGIS authentication database"
    ini[0].sync()
    assert SECRETS["password"] not in ini[1].read_text()
    notices = [m for tag, m, _ in message_log if "authentication database" in m]
    assert len(notices) == 1
    # a later session (new store) does not tell again
    CredentialStore(KeyringSecretStore(), fallback=QgisAuthSecretStore(), on_fallback=notify_keyring_fallback,
                    environ={}).save("Third", {"password": "pw-Third-66"})
    assert len([m for tag, m, _ in message_log if "authentication database" in m]) == 1
    store.remove("Team CDSE")
    assert "eo_scene_finder: Team CDSE" not in [c.name() for c in auth_db.availableAuthMethodConfigs().values()]


def test_a_locked_auth_db_outside_the_desktop_is_not_used(auth_db):
    auth_db.clearMasterPassword()
    try:
        creds = CredentialStore(KeyringSecretStore(), fallback=QgisAuthSecretStore(), environ={})
        with pytest.raises(CredentialStoreError) as info:
            creds.save("Locked", {"password": "pw-Locked-1"})
        assert "keyring" in str(info.value)
    finally:
        assert auth_db.setMasterPassword(MASTER_PASSWORD, True)


# ------------------------------------------------------------------ shared manager hooks

def test_credentials_for_feeds_open_provider(memory_keyring):
    eosf_credentials.shutdown()
    try:
        store = eosf_credentials.credential_store()
        store.save("DINAMIS keys", {"access_key": "ak-cf-1", "secret_key": "sk-cf-2"})
        dinamis = Connection("DINAMIS keys", "stac-api", "https://stac.example.org",
                             {"signing": "dinamis", "signing_url": "https://sign.example.org/"})
        creds = eosf_credentials.credentials_for(dinamis)
        assert creds["access_key"] == "ak-cf-1" and creds["secret_key"] == "sk-cf-2"
        assert "token_provider" not in creds
        assert creds["headers_provider"].headers("https://x") == {"access-key": "ak-cf-1", "secret-key": "sk-cf-2"}
        assert eosf_credentials.credentials_for(Connection("ES", "stac-api", "https://earth-search.example")) is None
        device = Connection("DINAMIS login", "stac-api", "https://stac.example.org",
                            {"signing": "dinamis", "signing_url": "https://sign.example.org/"})
        assert callable(eosf_credentials.credentials_for(device)["token_provider"])
        from eo_scene_finder.providers.connections import open_provider
        provider = open_provider(dinamis, credentials=creds)
        assert provider.signer is not None
        store.delete("DINAMIS keys")
    finally:
        eosf_credentials.shutdown()


# ------------------------------------------------------------------ proxy settings

def _proxy(settings, kind="HttpProxy", host="127.0.0.1", port="3128", user="", password="", excluded=None,
           enabled=True):
    settings.setValue("proxy/proxyEnabled", enabled)
    settings.setValue("proxy/proxyType", kind)
    settings.setValue("proxy/proxyHost", host)
    settings.setValue("proxy/proxyPort", port)
    settings.setValue("proxy/proxyUser", user)
    settings.setValue("proxy/proxyPassword", password)
    if excluded is not None:
        settings.setValue("proxy/proxyExcludedUrls", excluded)
    return settings


def test_qgis_http_proxy_maps_to_the_sessions(ini):
    settings = _proxy(ini[0], user="corp user", password="pw:proxy@1", excluded=["http://intranet/", "http://127.0.0.1:9/"])
    mapped = qgis_proxy_settings(settings)
    assert mapped["proxies"]["https"] == "http://corp%20user:pw%3Aproxy%401@127.0.0.1:3128"
    assert mapped["proxies"]["http"] == mapped["proxies"]["https"]
    assert mapped["no_proxy"] == "http://intranet/,http://127.0.0.1:9/"


def test_excluded_urls_as_one_string_and_no_proxy_urls(ini):
    settings = _proxy(ini[0], excluded="http://a.example/|http://b.example/")
    settings.setValue("proxy/noProxyUrls", ["http://c.example/"])
    assert qgis_proxy_settings(settings)["no_proxy"] == "http://a.example/,http://b.example/,http://c.example/"


@pytest.mark.parametrize("kind,expected", [("HttpCachingProxy", "http://127.0.0.1:3128"),
                                           ("Socks5Proxy", "socks5h://127.0.0.1:3128"),
                                           ("DefaultProxy", None), ("FtpCachingProxy", None)])
def test_proxy_types(ini, kind, expected):
    proxies = qgis_proxy_settings(_proxy(ini[0], kind=kind))["proxies"]
    assert proxies.get("https") == expected


def test_disabled_proxy_means_no_configured_proxy(ini):
    assert qgis_proxy_settings(_proxy(ini[0], enabled=False))["proxies"] == {}


def test_apply_network_settings_configures_new_sessions_and_keeps_tls_on(ini, reset_network):
    settings = _proxy(ini[0], password="", excluded=["http://127.0.0.1:1/"])
    summary = apply_network_settings(settings)
    session = http.new_session()
    assert session.proxies["https"] == "http://127.0.0.1:3128"
    assert session.verify not in (False, None)
    assert summary["no_proxy"] == "http://127.0.0.1:1/"
    assert http.bypasses_proxy("http://127.0.0.1:1/stac", session.no_proxy)
    assert not http.bypasses_proxy("http://127.0.0.1:2/stac", session.no_proxy)


def test_proxy_password_never_reaches_the_log(ini, reset_network, message_log, caplog):
    import logging
    caplog.set_level(logging.DEBUG)
    apply_network_settings(_proxy(ini[0], user="u", password="pw-Proxy-Log-77"))
    assert "pw-Proxy-Log-77" not in caplog.text
    assert not any("pw-Proxy-Log-77" in m for _t, m, _l in message_log)


# ------------------------------------------------------------------ saved projects

@pytest.mark.parametrize("source,expected", [
    ("/vsicurl/https://s.meso.umontpellier.fr/a/b.tif?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AK%2Fs"
     "&X-Amz-Signature=abc123&X-Amz-Expires=28800", "/vsicurl/https://s.meso.umontpellier.fr/a/b.tif"),
    ("/vsicurl/https://acct.blob.core.windows.net/c/x.tif?st=2030&se=2031&sp=rl&sv=2021&sr=c&sig=zz%3D",
     "/vsicurl/https://acct.blob.core.windows.net/c/x.tif"),
    ("https://user:pw@example.org/cat.json?page=2&token=t0k", "https://example.org/cat.json?page=2"),
    ("/home/me/scene.tif", "/home/me/scene.tif"),
    ("https://example.org/stac?collections=a,b", "https://example.org/stac?collections=a,b"),
])
def test_saved_layer_sources_lose_their_signatures(source, expected):
    assert strip_url_secrets(source) == expected
