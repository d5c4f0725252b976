"""Known secrets go through searches, logins, signing and downloads (errors included);
afterwards none of them may be found in the QGIS message log, Python logging, the QGIS
settings file, a saved project, exported connections, error messages or the download
folder (files and manifest)."""
from __future__ import annotations

import json
import logging
import os
import uuid
from pathlib import Path

import pytest
from qgis.core import QgsApplication, QgsMessageLog, QgsProject, QgsRasterLayer, QgsSettings

from eo_scene_finder.providers import errors
from eo_scene_finder.providers.net import http
from eo_scene_finder.providers.base import Connection
from eo_scene_finder.providers.auth.credentials import CredentialStore, KeyringSecretStore
from eo_scene_finder.providers.auth.tokens import TokenManager
from eo_scene_finder.services.connection_store import ConnectionStore
from eo_scene_finder.services.network import apply_network_settings
from eo_scene_finder.services.project import install_project_redaction, remove_project_redaction
from fixtures import token_servers as ts

WRONG_PASSWORD = "pw-Wrong-0b9e44"
PROXY_PASSWORD = "pw-ProxyLeak-62fa"
LOG_TAG = "EO Scene Finder"


class Capture(logging.Handler):
    """Everything the plugin could have written to a log."""

    def __init__(self):
        super().__init__(level=logging.DEBUG)
        self.python = []
        self.qgis = []

    def emit(self, record):
        # every logger at every level (urllib3 logs request lines at DEBUG)
        self.python.append(f"{record.name} {record.levelname} {record.getMessage()}")
        if record.exc_info:
            self.python.append(logging.Formatter().formatException(record.exc_info))

    def on_qgis_message(self, message, tag, level):
        self.qgis.append(f"{tag}: {message}")


@pytest.fixture
def capture(qgis_app):
    handler = Capture()
    root = logging.getLogger()
    old_level = root.level
    root.setLevel(logging.DEBUG)
    root.addHandler(handler)
    QgsApplication.messageLog().messageReceived.connect(handler.on_qgis_message)
    yield handler
    QgsApplication.messageLog().messageReceived.disconnect(handler.on_qgis_message)
    root.removeHandler(handler)
    root.setLevel(old_level)


def report(err: Exception, shown: list) -> None:
    """What the plugin does with an error: message bar text + the log line with details."""
    text = str(err)
    shown.append(getattr(err, "user_message", text))
    QgsMessageLog.logMessage(text, LOG_TAG)


def approve_at_once(auth):
    """A device-code prompt whose user approves immediately (the server auto-approves)."""


@pytest.fixture
def project_redaction(qgis_app):
    install_project_redaction()          # what the plugin does at start
    yield
    remove_project_redaction()


def test_no_secret_leaks_anywhere(auth_server, memory_keyring, capture, project_redaction, tmp_path):
    from eo_scene_finder.providers.connections import open_provider
    from eo_scene_finder.providers.download.engine import DownloadEngine
    from eo_scene_finder.providers.download.jobs import DownloadJob
    from eo_scene_finder.providers.model import SearchRequest
    from eo_scene_finder.providers.auth.signing import make_signer

    state = auth_server.state
    state.protect_stac = False
    state.device_auto_approve = True
    shown_errors: list = []

    # -- saved connections with their credentials (QGIS settings + test keyring)
    import eo_scene_finder.providers.catalogs.usgs.login  # noqa: F401  (registers the usgs scheme)

    store = ConnectionStore(credentials=CredentialStore(KeyringSecretStore(), environ={}))
    suffix = uuid.uuid4().hex[:6]
    names = {k: f"{k} {suffix}" for k in ("cdse", "totp", "wrong", "dinamis", "device", "pc", "usgs")}
    conns = {
        "cdse": Connection(names["cdse"], "cdse", auth_server.url + "/odata/v1", {"token_url": auth_server.token_url}),
        "totp": Connection(names["totp"], "cdse", auth_server.url + "/odata/v1", {"token_url": auth_server.token_url}),
        "wrong": Connection(names["wrong"], "creodias", auth_server.url + "/odata/v1",
                            {"token_url": auth_server.token_url, "client_id": ts.CLIENT_ID}),
        "dinamis": Connection(names["dinamis"], "stac-api", auth_server.stac_url,
                              {"signing": "dinamis", "signing_url": auth_server.signing_url}),
        "device": Connection(names["device"], "stac-api", auth_server.stac_url,
                             {"signing": "dinamis", "signing_url": auth_server.signing_url}),
        "pc": Connection(names["pc"], "stac-api", auth_server.stac_url,
                         {"signing": "planetary-computer", "signing_url": auth_server.url + "/sas/v1"}),
        # the M2M login alone, on the token server (the usgs kind: test_usgs_api_key_… below)
        "usgs": Connection(names["usgs"], "stac-api", auth_server.m2m_url, {"auth_scheme": "usgs"}),
    }
    secrets = {
        "cdse": {"username": ts.USERNAME, "password": ts.PASSWORD},
        "totp": {"username": ts.TOTP_USER, "password": ts.TOTP_PASSWORD, "totp": ts.TOTP_SECRET},
        # CREODIAS needs the two-factor code: with it, the wrong password reaches the server
        "wrong": {"username": ts.USERNAME, "password": WRONG_PASSWORD, "totp": ts.TOTP_SECRET},
        "dinamis": {"access_key": ts.DINAMIS_ACCESS_KEY, "secret_key": ts.DINAMIS_SECRET_KEY},
        "pc": {"subscription_key": ts.PC_SUBSCRIPTION_KEY},
        "usgs": {"username": ts.USGS_USERNAME, "token": ts.USGS_APP_TOKEN},
    }
    for key, conn in conns.items():
        store.save(conn, credentials=secrets.get(key, {}))
    manager = TokenManager(store.credentials, device_prompt=approve_at_once)

    # -- a proxy with a password in QGIS's settings (applied, then switched off again)
    settings = QgsSettings()
    settings.setValue("proxy/proxyEnabled", True)
    settings.setValue("proxy/proxyType", "HttpProxy")
    settings.setValue("proxy/proxyHost", "127.0.0.1")
    settings.setValue("proxy/proxyPort", "9")
    settings.setValue("proxy/proxyUser", "corp")
    settings.setValue("proxy/proxyPassword", PROXY_PASSWORD)
    apply_network_settings()
    settings.setValue("proxy/proxyEnabled", False)
    settings.remove("proxy/proxyPassword")
    apply_network_settings()

    try:
        # -- searches: STAC with DINAMIS signing (API key and browser login), PC signing
        for key in ("dinamis", "device", "pc"):
            provider = open_provider(conns[key], credentials=manager.provider_credentials(conns[key]))
            scenes = provider.search(SearchRequest.create(collections=["loopback-s2"], limit=3)).all()
            assert len(scenes) == 3
            href = f"https://data.meso.umontpellier.fr/{uuid.uuid4().hex}/scene.tif"
            if key == "pc":
                href = f"https://acct.blob.core.windows.net/container/{uuid.uuid4().hex}.tif"
            signed = provider.signer.sign_href(href)
            assert ("X-Amz-Signature" in signed) or ("sig=" in signed)
        # -- a protected search with a bearer token, a token the server drops mid-way (401, one renewal)
        session = http.new_session()

        def protected_search(headers):
            return http.get_json(session, auth_server.url + "/files/scene.tif".replace("/files/scene.tif", "/stac/search"),
                                 headers=headers)

        state.protect_stac = True
        for key in ("cdse", "totp"):
            manager.call_with_auth(conns[key], protected_search)
        state.revoke_access_tokens()
        manager.call_with_auth(conns["cdse"], protected_search)
        assert state.counts["token:refresh_token"] >= 1
        # -- errors: wrong password, a server error, a second 401
        for action in (lambda: manager.headers(conns["wrong"]),
                       lambda: _server_error(auth_server, manager, conns["cdse"]),
                       lambda: _always_401(auth_server, manager, conns["cdse"])):
            with pytest.raises(errors.EoSceneFinderError) as info:
                action()
            report(info.value, shown_errors)
        # -- USGS login-token, a search, logout
        manager.call_with_auth(conns["usgs"], lambda h: http.request(
            session, "POST", auth_server.m2m_url + "scene-search", json={"datasetName": "x"}, headers=h))
        # -- downloads: a signed URL with a bearer header, and one the server keeps refusing
        out = tmp_path / "downloads"
        signer = make_signer(conns["dinamis"], manager.provider_credentials(conns["dinamis"]))
        signed_url = signer.sign_href(f"https://data.meso.umontpellier.fr/{uuid.uuid4().hex}/scene.tif")
        local_signed = auth_server.url + "/files/scene.tif?" + signed_url.split("?", 1)[1]
        jobs = [DownloadJob(url=local_signed, dest_path=str(out / "scene.tif"),
                            headers_provider=manager.headers_provider(conns["cdse"]), manifest_dir=str(out)),
                DownloadJob(url=auth_server.url + "/files/missing.tif?sig=" + state.sas_signature,
                            dest_path=str(out / "missing.tif"), manifest_dir=str(out),
                            headers_provider=manager.headers_provider(conns["cdse"]))]
        results = DownloadEngine(max_workers=2, retries=1, backoff=0.01).run(jobs)
        assert results[0].ok, results[0].reason
        assert not results[1].ok
        for result in results:
            QgsMessageLog.logMessage(f"{result.job.label}: {result.state} {result.reason}", LOG_TAG)
            if result.error is not None:
                report(result.error, shown_errors)
        manager.close()                                   # USGS logout

        # -- things a user saves or shares
        export = tmp_path / "connections.json"
        store.export_json(str(export))
        project = QgsProject()
        from eo_scene_finder.ui.footprints import FootprintLayer
        footprints = FootprintLayer(project)
        footprints.add_scenes(0, scenes)
        # a streamed COG layer whose source is a signed URL, as the panel opens it
        state.files["cog.tif"] = (Path(__file__).parent / "data" / "cog" / "cog.tif").read_bytes()
        cog_signed = signer.sign_href(f"https://data.meso.umontpellier.fr/{uuid.uuid4().hex}/cog.tif")
        cog_source = "/vsicurl/" + auth_server.url + "/public/cog.tif?" + cog_signed.split("?", 1)[1]
        cog = QgsRasterLayer(cog_source, "signed COG", "gdal")
        assert cog.isValid()
        project.addMapLayer(cog)
        project.writeEntry("eo_scene_finder", "connection", conns["dinamis"].name)
        project_path = tmp_path / "project.qgs"
        assert project.write(str(project_path))
        settings.sync()

        places = {
            "QGIS message log": "\n".join(capture.qgis),
            "Python logging": "\n".join(capture.python),
            "error messages": "\n".join(shown_errors),
            "QGIS settings file": Path(settings.fileName()).read_text(errors="replace"),
            "exported connections": export.read_text(),
            "saved project": project_path.read_text(errors="replace"),
        }
        for path in out.rglob("*"):
            if path.is_file():
                places[f"download folder: {path.name}"] = path.read_bytes().decode("latin-1")
        assert capture.qgis and capture.python and shown_errors    # the scenario did log things
        assert any(".eo_scene_finder_manifest.json" in p for p in places)

        known = [ts.PASSWORD, ts.TOTP_PASSWORD, ts.TOTP_SECRET, WRONG_PASSWORD, PROXY_PASSWORD,
                 ts.DINAMIS_ACCESS_KEY, ts.DINAMIS_SECRET_KEY, ts.PC_SUBSCRIPTION_KEY, ts.USGS_APP_TOKEN,
                 ts.EARTHDATA_TOKEN, state.signature, state.sas_signature] + list(state.issued_secrets)
        assert len(state.issued_secrets) >= 8
        leaks = [(place, secret[:6] + "…") for place, text in places.items() for secret in known if secret in text]
        assert leaks == []
    finally:
        for conn in conns.values():
            store.remove(conn.name)
        settings.remove("proxy/proxyEnabled")
        settings.remove("proxy/proxyUser")
        http.configure(proxies={}, no_proxy="", ca_bundle="")


def _server_error(auth_server, manager, conn):
    auth_server.state.fail_status["/stac/search"] = 500
    try:
        manager.call_with_auth(conn, lambda h: http.get_json(http.new_session(), auth_server.url + "/stac/search",
                                                             headers=h, params={"token": "next:page2"}))
    finally:
        auth_server.state.fail_status.clear()


def _always_401(auth_server, manager, conn):
    auth_server.state.fail_status["/stac/search"] = 401
    try:
        manager.call_with_auth(conn, lambda h: http.get_json(http.new_session(), auth_server.url + "/stac/search",
                                                             headers=h))
    finally:
        auth_server.state.fail_status.clear()


def test_http_library_debug_lines_are_masked(auth_server, capture):
    """urllib3 logs each request line (query string included) at DEBUG level."""
    url = auth_server.url + "/public/scene.tif?X-Amz-Credential=AKIA%2Fx&X-Amz-Signature=" + auth_server.state.signature
    http.request(http.new_session(), "GET", url, headers={"Range": "bytes=0-9"})
    lines = [line for line in capture.python if "/public/scene.tif" in line]
    assert lines, "urllib3 did not log the request line"
    assert not any(auth_server.state.signature in line for line in lines)


def test_a_failed_cog_open_does_not_show_the_signed_url(auth_server, qgis_app):
    from eo_scene_finder.tasks.raster_task import OpenRemoteRasterTask
    path = "/vsicurl/" + auth_server.url + "/public/scene.tif?X-Amz-Signature=" + auth_server.state.signature
    task = OpenRemoteRasterTask("open", lambda: path, "scene", add_to_project=False)
    assert not task.run()
    assert auth_server.state.signature not in str(task.error)


def test_aws_keys_leak_nowhere(aws_s1_catalog, s1_bucket, memory_keyring, capture, tmp_path, monkeypatch):
    """The AWS secret key (from the keyring) goes through a search, a SAFE rebuild, a refused
    download (wrong secret) and a /vsis3/ stream; it is then in no log, error, saved connection,
    exported connection, download file or manifest, and in no process-wide GDAL option."""
    from osgeo import gdal

    from eo_scene_finder.providers.connections import connection_string, open_provider, resolve_connection
    from eo_scene_finder.providers.download.engine import DownloadEngine
    from eo_scene_finder.providers.download.jobs import asset_jobs
    from eo_scene_finder.providers.model import SearchRequest
    from fixtures.bucket_servers import REAL_PRODUCT

    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_PROFILE", "AWS_SESSION_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "none"))
    stac_url, _items = aws_s1_catalog
    secret = s1_bucket.account["secret_key"]
    wrong_secret = "wrong-" + uuid.uuid4().hex
    store = ConnectionStore(credentials=CredentialStore(KeyringSecretStore(), environ={}))
    conn = resolve_connection(f"aws-s1?stac_url={stac_url}&s3_endpoint={s1_bucket.endpoint}")
    conn.name = f"aws {uuid.uuid4().hex[:6]}"
    store.save(conn, credentials={"access_key": s1_bucket.account["access_key"], "secret_key": secret})
    shown: list = []
    out = tmp_path / "out"
    try:
        provider = open_provider(conn, credentials=store.credentials.get(conn))
        scene = provider.search(SearchRequest.create(ids=[REAL_PRODUCT])).all()[0]
        results = DownloadEngine().run(asset_jobs(scene, None, str(out), provider))
        assert {r.state for r in results} == {"done"}
        path = provider.gdal_path(scene.assets["vv"].href)
        ds = gdal.Open(path)
        assert ds is not None
        ds = None
        wrong = open_provider(conn, credentials={"access_key": s1_bucket.account["access_key"],
                                                 "secret_key": wrong_secret})
        try:
            asset_jobs(scene, None, str(tmp_path / "refused"), wrong)
        except errors.EoSceneFinderError as err:
            report(err, shown)
            shown.append(err.details or "")
        assert shown and "SignatureDoesNotMatch" in "\n".join(shown)
        export = tmp_path / "connections.json"
        store.export_json(str(export))
        places = {
            "QGIS message log": "\n".join(capture.qgis), "Python logging": "\n".join(capture.python),
            "error messages": "\n".join(shown), "exported connections": export.read_text(),
            "connection string": connection_string(conn),
            "QGIS settings file": Path(QgsSettings().fileName()).read_text(errors="replace"),
            "GDAL global options": " ".join(str(gdal.GetConfigOption(k)) for k in
                                            ("AWS_SECRET_ACCESS_KEY", "AWS_ACCESS_KEY_ID", "AWS_REQUEST_PAYER")),
        }
        for file in out.rglob("*"):
            if file.is_file():
                places[f"download folder: {file.name}"] = file.read_bytes().decode("latin-1")
        assert any(".eo_scene_finder_manifest.json" in p for p in places)
        leaks = [place for place, text in places.items() for value in (secret, wrong_secret) if value in text]
        assert leaks == []
    finally:
        store.remove(conn.name)


def test_no_earthdata_secret_leaks(cmr, memory_keyring, capture, project_redaction, tmp_path):
    """NASA CMR: Earthdata tokens (given, renewed from the password, expired) and passwords go
    through searches, downloads (the DAAC's 303 to presigned S3 URLs, a 401 with the token in
    its body, an EULA page) and a streamed layer; none may be found anywhere afterwards."""
    from eo_scene_finder.providers.connections import open_provider, resolve_connection
    from eo_scene_finder.providers.download.engine import DownloadEngine
    from eo_scene_finder.providers.download.jobs import asset_jobs
    from eo_scene_finder.providers.model import SearchRequest
    from fixtures.cmr_servers import EARTHDATA_PASSWORD, EARTHDATA_USER

    world = cmr.world
    world.add_user("no-eula", "pw-NoEula-81c2", eulas=())
    expired, eula_token = world.issue_token(EARTHDATA_USER), world.issue_token("no-eula")
    world.expire_token(expired)
    store = ConnectionStore(credentials=CredentialStore(KeyringSecretStore(), environ={}))
    suffix = uuid.uuid4().hex[:6]
    secrets = {"renew": {"token": expired, "username": EARTHDATA_USER, "password": EARTHDATA_PASSWORD},
               "expired": {"token": expired}, "eula": {"token": eula_token}}
    conns = {}
    for key, values in secrets.items():
        conn = resolve_connection(cmr.connection_string(name=f"earthdata {key} {suffix}"))
        store.save(conn, credentials=values)
        conns[key] = conn
    manager = TokenManager(store.credentials)
    shown_errors: list = []
    out = tmp_path / "downloads"
    try:
        providers = {k: open_provider(c, credentials=manager.provider_credentials(c)) for k, c in conns.items()}
        scene = providers["renew"].search(SearchRequest.create(collections="HLSL30_2.0", start="2021-05-01",
                                                               end="2021-05-02", limit=1)).all()[0]
        for key, provider in providers.items():
            results = DownloadEngine(max_workers=1, retries=1, backoff=0.01).run(
                asset_jobs(scene, ["B04"], str(out / key), provider))
            for result in results:
                QgsMessageLog.logMessage(f"{result.job.label}: {result.state} {result.reason}", LOG_TAG)
                if result.error is not None:
                    report(result.error, shown_errors)
        assert [p.name for p in out.rglob("*.tif")] == [scene.assets["B04"].title]   # renewed, then downloaded
        renewed = [t for t, info in world.tokens.items() if info["user"] == EARTHDATA_USER and t != expired]
        assert renewed and len(shown_errors) == 2
        path = providers["renew"].gdal_path(scene.assets["B04"].href)
        project = QgsProject()
        layer = QgsRasterLayer(path, "streamed HLS", "gdal")
        assert layer.isValid()
        project.addMapLayer(layer)
        project_path = tmp_path / "project.qgs"
        assert project.write(str(project_path))
        export = tmp_path / "connections.json"
        store.export_json(str(export))
        settings = QgsSettings()
        settings.sync()
        places = {"QGIS message log": "\n".join(capture.qgis), "Python logging": "\n".join(capture.python),
                  "error messages": "\n".join(shown_errors), "exported connections": export.read_text(),
                  "QGIS settings file": Path(settings.fileName()).read_text(errors="replace"),
                  "saved project": project_path.read_text(errors="replace")}
        for file in out.rglob("*"):
            if file.is_file():
                places[f"download folder: {file.name}"] = file.read_bytes().decode("latin-1")
        signatures = [dict(p.split("=", 1) for p in r["path"].split("?", 1)[1].split("&"))["X-Amz-Signature"]
                      for r in world.requests("s3") if "X-Amz-Signature=" in r["path"]]
        known = [expired, eula_token, EARTHDATA_PASSWORD] + renewed + signatures
        assert signatures and capture.python
        leaks = [(place, secret[:6] + "…") for place, text in places.items() for secret in known if secret in text]
        assert leaks == []
    finally:
        for conn in conns.values():
            store.remove(conn.name)


def test_usgs_api_key_and_application_token_never_leak(m2m, memory_keyring, capture, project_redaction, tmp_path):
    """A USGS M2M connection used for everything (search, filters, an expired key, errors,
    downloads prepared by USGS, the quota): neither the application token nor any API key
    the server issued shows up in a log, a message, the settings, an export, a project, a
    scene record or the download folder."""
    from eo_scene_finder.providers.connections import open_provider
    from eo_scene_finder.providers.download.engine import DownloadEngine
    from eo_scene_finder.providers.download.jobs import asset_jobs
    from eo_scene_finder.providers.model import SearchRequest
    from fixtures.m2m_servers import USGS_TOKEN, USGS_USERNAME

    m2m.configure(prepare_polls=2)
    store = ConnectionStore(credentials=CredentialStore(KeyringSecretStore(), environ={}))
    suffix = uuid.uuid4().hex[:6]
    conn = Connection(f"USGS {suffix}", "usgs", m2m.api_url, {"retrieve_interval": 0.05, "rate_limit_pause": 0.05})
    wrong = Connection(f"USGS wrong {suffix}", "usgs", m2m.api_url)
    store.save(conn, credentials={"username": USGS_USERNAME, "token": USGS_TOKEN})
    store.save(wrong, credentials={"username": USGS_USERNAME, "token": USGS_TOKEN[:-2] + "xx"})
    manager = TokenManager(store.credentials)
    shown_errors: list = []
    settings = QgsSettings()
    try:
        provider = open_provider(conn, credentials=manager.provider_credentials(conn))
        request = SearchRequest.create(aoi=[3.5, 50.0, 5.0, 51.0], start="2018-01-01", end="2018-12-31",
                                       collections=["landsat_ot_c2_l2"], limit=4,
                                       provider_filters={"collectionCategory": "T1"})
        scenes = provider.search(request).all()
        provider.queryables(["landsat_ot_c2_l2"])
        m2m.admin("expire", {})                                  # a new login on the next call
        assert provider.search(request).all()
        out = tmp_path / "downloads"
        jobs = asset_jobs(scenes[0], None, str(out), provider) + asset_jobs(scenes[1], ["SR_B4"], str(out), provider)
        results = DownloadEngine().run(jobs)
        assert [r.state for r in results] == ["done", "done"]
        m2m.configure(download_quota=0)
        results += DownloadEngine().run(asset_jobs(scenes[2], ["SR_B5"], str(out), provider))
        assert results[-1].state == "failed"
        for result in results:
            QgsMessageLog.logMessage(f"{result.job.label}: {result.state} {result.reason}", LOG_TAG)
            if result.error is not None:
                report(result.error, shown_errors)
        for action in (lambda: provider.search(SearchRequest.create(collections=["landsat_8_c1"], limit=1)).all(),
                       lambda: open_provider(wrong, credentials=manager.provider_credentials(wrong)).search(
                           SearchRequest.create(limit=1)).all()):
            with pytest.raises(errors.EoSceneFinderError) as info:
                action()
            report(info.value, shown_errors)
        provider.close()                                         # logout
        manager.close()

        export = tmp_path / "connections.json"
        store.export_json(str(export))
        project = QgsProject()
        from eo_scene_finder.ui.footprints import FootprintLayer
        FootprintLayer(project).add_scenes(0, scenes)
        project.writeEntry("eo_scene_finder", "connection", conn.name)
        project_path = tmp_path / "project.qgs"
        assert project.write(str(project_path))
        settings.sync()
        places = {
            "QGIS message log": "\n".join(capture.qgis),
            "Python logging": "\n".join(capture.python),
            "error messages": "\n".join(shown_errors),
            "QGIS settings file": Path(settings.fileName()).read_text(errors="replace"),
            "exported connections": export.read_text(),
            "saved project": project_path.read_text(errors="replace"),
            "scene records": json.dumps([[s.record, s.properties, [a.href for a in s.assets.values()]]
                                         for s in scenes], default=str),
        }
        for path in out.rglob("*"):
            if path.is_file():
                places[f"download folder: {path.name}"] = path.read_bytes().decode("latin-1")
        stats = m2m.stats()
        assert len(stats["keys_issued"]) >= 2 and stats["logouts"] >= 1
        assert any("Credentials rejected" in e for e in shown_errors) and any("retired" in e for e in shown_errors)
        assert any(".eo_scene_finder_manifest.json" in p for p in places)
        known = [USGS_TOKEN] + stats["keys_issued"]
        leaks = [(place, secret[:6] + "…") for place, text in places.items() for secret in known if secret in text]
        assert leaks == []
    finally:
        store.remove(conn.name)
        store.remove(wrong.name)
