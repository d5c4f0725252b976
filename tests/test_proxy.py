"""QGIS's proxy settings route all provider traffic through a real proxy (tinyproxy on
loopback); excluded URLs bypass it; TLS stays verified, with QGIS's own CA certificates."""
from __future__ import annotations

import json
import os
import shutil
import socket
import ssl
import subprocess
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from qgis.core import QgsApplication, QgsSettings
from qgis.PyQt.QtNetwork import QSslCertificate

from eo_scene_finder.providers import errors
from eo_scene_finder.providers.net import http
from eo_scene_finder.providers.base import Connection
from eo_scene_finder.providers.auth.credentials import CredentialStore, MemorySecretStore
from eo_scene_finder.providers.auth.tokens import TokenManager
from eo_scene_finder.services.network import apply_network_settings
from fixtures import token_servers as ts

TINYPROXY = shutil.which("tinyproxy") or "/usr/bin/tinyproxy"
PROXY_USER = "proxyuser"
PROXY_PASSWORD = "pw-Proxy-5e1d"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Tinyproxy:
    """A real tinyproxy on loopback with its own config and log file."""

    def __init__(self, folder, basic_auth: bool = False):
        self.port = _free_port()
        self.log = os.path.join(folder, "tinyproxy.log")
        conf = os.path.join(folder, "tinyproxy.conf")
        lines = [f"Port {self.port}", "Listen 127.0.0.1", "Timeout 30", f'LogFile "{self.log}"',
                 "LogLevel Connect", "MaxClients 50", "Allow 127.0.0.1", "DisableViaHeader Yes"]
        if basic_auth:
            lines.append(f"BasicAuth {PROXY_USER} {PROXY_PASSWORD}")
        with open(conf, "w") as fh:
            fh.write("\n".join(lines) + "\n")
        self.proc = subprocess.Popen([TINYPROXY, "-d", "-c", conf], stdout=subprocess.DEVNULL,
                                     stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
                return
            except OSError:
                if self.proc.poll() is not None:
                    break
                time.sleep(0.05)  # waiting for the process to listen
        self.stop()
        raise RuntimeError("tinyproxy did not start")

    def requests(self):
        """The request lines tinyproxy logged (``GET http://... HTTP/1.1``, ``CONNECT host:port``)."""
        if not os.path.exists(self.log):
            return []
        out = []
        with open(self.log, errors="replace") as fh:
            for line in fh:
                if "Request (file descriptor" in line:
                    out.append(line.split("): ", 1)[1].strip())
        return out

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.kill()


@pytest.fixture(scope="module")
def tinyproxy(tmp_path_factory):
    proxy = Tinyproxy(str(tmp_path_factory.mktemp("tinyproxy")))
    yield proxy
    proxy.stop()


@pytest.fixture(scope="module")
def auth_tinyproxy(tmp_path_factory):
    proxy = Tinyproxy(str(tmp_path_factory.mktemp("tinyproxy-auth")), basic_auth=True)
    yield proxy
    proxy.stop()


@pytest.fixture
def qgis_proxy(qgis_app):
    """Set QGIS's proxy options (as Settings → Options → Network does) and apply them."""
    keys = ["proxy/proxyEnabled", "proxy/proxyType", "proxy/proxyHost", "proxy/proxyPort", "proxy/proxyUser",
            "proxy/proxyPassword", "proxy/proxyExcludedUrls", "proxy/noProxyUrls"]
    settings = QgsSettings()
    saved = {k: settings.value(k) for k in keys}

    def configure(port, excluded=(), user="", password="", kind="HttpProxy"):
        settings.setValue("proxy/proxyEnabled", True)
        settings.setValue("proxy/proxyType", kind)
        settings.setValue("proxy/proxyHost", "127.0.0.1")
        settings.setValue("proxy/proxyPort", str(port))
        settings.setValue("proxy/proxyUser", user)
        settings.setValue("proxy/proxyPassword", password)
        settings.setValue("proxy/proxyExcludedUrls", list(excluded))
        return apply_network_settings()

    yield configure
    for k, v in saved.items():
        if v is None:
            settings.remove(k)
        else:
            settings.setValue(k, v)
    http.configure(proxies={}, no_proxy="", ca_bundle="")


def _manager(auth_server):
    store = CredentialStore(MemorySecretStore(), environ={})
    store.save("CDSE", {"username": ts.USERNAME, "password": ts.PASSWORD})
    store.save("DINAMIS", {"access_key": ts.DINAMIS_ACCESS_KEY, "secret_key": ts.DINAMIS_SECRET_KEY})
    return TokenManager(store)


def _provider_traffic(auth_server, tmp_path):
    """A STAC search, a token request, a signing call and a download, through the plugin's code."""
    from eo_scene_finder.providers.connections import open_provider
    from eo_scene_finder.providers.download.engine import DownloadEngine
    from eo_scene_finder.providers.download.jobs import DownloadJob
    from eo_scene_finder.providers.model import SearchRequest
    from eo_scene_finder.providers.auth.signing import make_signer

    auth_server.state.protect_stac = False
    manager = _manager(auth_server)
    stac = Connection("Loopback", "stac-api", auth_server.stac_url)
    provider = open_provider(stac)
    scenes = provider.search(SearchRequest.create(collections=["loopback-s2"], limit=3)).all()
    assert len(scenes) == 3

    cdse = Connection("CDSE", "cdse", auth_server.url + "/odata/v1", {"token_url": auth_server.token_url})
    dinamis = Connection("DINAMIS", "stac-api", auth_server.stac_url,
                         {"signing": "dinamis", "signing_url": auth_server.signing_url})
    signer = make_signer(dinamis, manager.provider_credentials(dinamis))
    href = f"https://data.meso.umontpellier.fr/bucket/{uuid.uuid4().hex}.tif"   # signed URLs are cached
    signed = signer.sign_href(href)
    assert "X-Amz-Signature" in signed

    job = DownloadJob(url=auth_server.url + "/files/scene.tif", dest_path=str(tmp_path / "scene.tif"),
                      headers_provider=manager.headers_provider(cdse))
    [result] = DownloadEngine(max_workers=1).run([job])
    assert result.ok, result.reason
    return manager


def test_all_provider_traffic_goes_through_the_qgis_proxy(tinyproxy, qgis_proxy, auth_server, tmp_path):
    qgis_proxy(tinyproxy.port)
    before = len(tinyproxy.requests())
    _provider_traffic(auth_server, tmp_path)
    seen = tinyproxy.requests()[before:]
    base = auth_server.url
    assert any(line.startswith(f"GET {base}/stac/") for line in seen), seen
    assert any(f"{base}/stac/search" in line for line in seen), seen
    assert any(line.startswith(f"POST {auth_server.token_url}") for line in seen), seen
    assert any(line.startswith(f"POST {base}/signing/sign_urls?") for line in seen), seen
    assert any(line.startswith(f"GET {base}/files/scene.tif") for line in seen), seen


def test_excluded_urls_bypass_the_proxy(tinyproxy, qgis_proxy, auth_server, tmp_path):
    qgis_proxy(tinyproxy.port, excluded=[auth_server.url + "/files/", auth_server.url + "/signing/"])
    before = len(tinyproxy.requests())
    _provider_traffic(auth_server, tmp_path)
    seen = tinyproxy.requests()[before:]
    assert any(f"{auth_server.url}/stac/search" in line for line in seen), seen
    assert not any("/files/" in line or "/signing/" in line for line in seen), seen
    assert auth_server.counts["download"] >= 1 and auth_server.counts["sign"] >= 1


def test_proxy_user_and_password_from_qgis_are_used(auth_tinyproxy, qgis_proxy, auth_server):
    auth_server.state.protect_stac = False
    qgis_proxy(auth_tinyproxy.port)
    with pytest.raises(errors.AuthenticationError) as info:
        http.get_json(http.new_session(), auth_server.stac_url)
    assert "proxy asks for a user name and password" in str(info.value)
    summary = qgis_proxy(auth_tinyproxy.port, user=PROXY_USER, password=PROXY_PASSWORD)
    assert PROXY_PASSWORD not in json.dumps(summary)
    landing = http.get_json(http.new_session(), auth_server.stac_url)
    assert landing["id"] == "loopback"
    assert any(auth_server.stac_url in line for line in auth_tinyproxy.requests())


# ------------------------------------------------------------------ TLS with QGIS's CA certificates

def _openssl(*args, cwd):
    subprocess.run(["openssl", *args], cwd=cwd, check=True, capture_output=True)


@pytest.fixture(scope="module")
def test_ca(tmp_path_factory):
    """A throwaway CA and a server certificate for 127.0.0.1 signed by it."""
    d = str(tmp_path_factory.mktemp("ca"))
    _openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key", "-out", "ca.pem", "-days", "2",
             "-subj", "/CN=EOSF Test Root CA", "-addext", "basicConstraints=critical,CA:TRUE",
             "-addext", "keyUsage=critical,keyCertSign,cRLSign", cwd=d)
    _openssl("req", "-newkey", "rsa:2048", "-nodes", "-keyout", "server.key", "-out", "server.csr",
             "-subj", "/CN=127.0.0.1", cwd=d)
    with open(os.path.join(d, "ext.cnf"), "w") as fh:
        fh.write("subjectAltName=IP:127.0.0.1\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n")
    _openssl("x509", "-req", "-in", "server.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial",
             "-out", "server.pem", "-days", "2", "-extfile", "ext.cnf", cwd=d)
    return d


@pytest.fixture(scope="module")
def https_server(test_ca):
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args):
            pass

        def do_GET(self):
            body = json.dumps({"type": "Catalog", "id": "tls-loopback", "links": []}).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(os.path.join(test_ca, "server.pem"), os.path.join(test_ca, "server.key"))
    httpd.socket = context.wrap_socket(httpd.socket, server_side=True)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"https://127.0.0.1:{httpd.server_address[1]}/catalog.json"
    httpd.shutdown()
    httpd.server_close()


def test_tls_is_verified_and_trusts_the_cas_added_in_qgis(test_ca, https_server, tinyproxy, qgis_proxy):
    qgis_proxy(tinyproxy.port)
    with pytest.raises(errors.UnreachableError) as info:       # unknown CA: refused, never skipped
        http.get_json(http.new_session(), https_server)
    assert "TLS certificate" in str(info.value)

    am = QgsApplication.authManager()
    [cert] = QSslCertificate.fromPath(os.path.join(test_ca, "ca.pem"))
    assert am.storeCertAuthority(cert)
    try:
        am.rebuildCaCertsCache()
        am.rebuildTrustedCaCertsCache()
        summary = qgis_proxy(tinyproxy.port)
        assert summary["ca_bundle"].endswith("ca_bundle.pem")
        doc = http.get_json(http.new_session(), https_server)
        assert doc["id"] == "tls-loopback"
        port = https_server.split(":")[2].split("/")[0]
        assert any(line.startswith(f"CONNECT 127.0.0.1:{port}") for line in tinyproxy.requests())
    finally:
        am.removeCertAuthority(cert)
        am.rebuildCaCertsCache()
        am.rebuildTrustedCaCertsCache()
        http.configure(ca_bundle="")
