"""CREODIAS, its own flavour of the Copernicus OData (issue 13), against the loopback server
in its CREODIAS mode (``creodias`` fixture; every rule the server enforces cites its source in
tests/servers/odata_server.py): the mandatory two-factor code, the ``?token=`` download (and
the token nowhere else), the session limit (429 DAT-ZIP-100), the 403 of unaccepted data
terms, CREODIAS's value lists and the 60-requests-a-minute ceiling."""
from __future__ import annotations

import logging
import os
import threading

import pytest
import requests

from eo_scene_finder.providers.auth.credentials import CredentialStore, MemorySecretStore
from eo_scene_finder.providers.auth.tokens import TokenManager
from eo_scene_finder.providers.base import Connection
from eo_scene_finder.providers.catalogs.odata.provider import CdseODataProvider, CreodiasODataProvider
from eo_scene_finder.providers.catalogs.odata.query import MAX_CONCURRENCY
from eo_scene_finder.providers.download.engine import DownloadEngine
from eo_scene_finder.providers.download.jobs import DONE, FAILED
from eo_scene_finder.providers.model import SearchRequest
from eo_scene_finder.providers.net.redact import redact_text, redact_url
from fixtures.cdse_servers import CDSE_PASSWORD, CDSE_USER, CREODIAS_TOTP_SECRET
from servers._proc import wait_until
from servers.odata_server import totp_now

TERMS_USER = "terms@example.com"


def creodias_connection(server, name="creodias-loopback", **options):
    return Connection(name=name, kind="creodias", url=server.odata_url, options=dict(options))


def provider_for(server, user=CDSE_USER, totp=CREODIAS_TOTP_SECRET, name="creodias-loopback", **options):
    connection = creodias_connection(server, name=name, **options)
    store = CredentialStore(MemorySecretStore(), environ={})
    creds = {"username": user, "password": CDSE_PASSWORD}
    if totp:
        creds["totp"] = totp
    store.save(connection.name, creds)
    manager = TokenManager(store)
    return CreodiasODataProvider(connection, credentials=manager), manager


def s2_scenes(server, provider, n):
    """``n`` online Sentinel-2 products of one day (a search of a few requests: at 60 a
    minute, a search by name over the whole archive would take a minute)."""
    request = SearchRequest.create(collections=["SENTINEL-2"], start="2023-06-01", end="2023-06-03",
                                   provider_filters={"online": True}, limit=n)
    scenes = provider.search(request).all()
    assert len(scenes) == n
    return scenes


class Capture(logging.Handler):
    def __init__(self):
        super().__init__(level=logging.DEBUG)
        self.lines = []

    def emit(self, record):
        self.lines.append(f"{record.name} {record.getMessage()}")
        if record.exc_info:
            self.lines.append(logging.Formatter().formatException(record.exc_info))


@pytest.fixture
def capture():
    handler = Capture()
    root = logging.getLogger()
    old = root.level
    root.setLevel(logging.DEBUG)  # urllib3 logs its request lines, query included, at DEBUG
    root.addHandler(handler)
    yield handler
    root.removeHandler(handler)
    root.setLevel(old)


# ---------------------------------------------------------------------------- identity
def test_the_server_refuses_a_password_grant_without_the_two_factor_code(creodias):
    url = creodias.base + "/auth/realms/Creodias-new/protocol/openid-connect/token"
    form = {"grant_type": "password", "client_id": "CLOUDFERRO_PUBLIC", "username": CDSE_USER,
            "password": CDSE_PASSWORD}
    without = requests.post(url, data=form, timeout=30)
    assert without.status_code == 401 and without.json()["error"] == "invalid_grant"
    with_code = requests.post(url, data=dict(form, totp=totp_now(CREODIAS_TOTP_SECRET)), timeout=30)
    assert with_code.status_code == 200 and with_code.json()["access_token"]
    # CDSE's client is not CREODIAS's
    other = requests.post(url, data=dict(form, client_id="cdse-public", totp=totp_now(CREODIAS_TOTP_SECRET)),
                          timeout=30)
    assert other.status_code == 401


def test_without_a_two_factor_code_the_plugin_says_creodias_needs_it(creodias, tmp_path):
    provider, _manager = provider_for(creodias, totp=None)
    [scene] = s2_scenes(creodias, provider, 1)   # searching needs no account
    [result] = DownloadEngine(max_workers=2).run(provider.download_jobs([scene], str(tmp_path)))
    assert result.state == FAILED
    assert "CREODIAS needs the two-factor code or TOTP secret" in result.reason
    assert creodias.stats()["grants"] == {}      # not even tried: the service would refuse it


def test_a_wrong_two_factor_code_is_refused_with_the_same_hint(creodias, tmp_path):
    provider, _manager = provider_for(creodias, totp="000000" if totp_now(CREODIAS_TOTP_SECRET) != "000000"
                                      else "111111")
    [scene] = s2_scenes(creodias, provider, 1)
    [result] = DownloadEngine(max_workers=2).run(provider.download_jobs([scene], str(tmp_path)))
    assert result.state == FAILED
    assert "CREODIAS needs the two-factor code or TOTP secret" in result.reason
    assert "Credentials rejected" in result.reason


# ---------------------------------------------------------------------------- downloads
def test_downloads_carry_the_token_in_the_query_and_it_leaks_nowhere(creodias, tmp_path, capture):
    provider, manager = provider_for(creodias)
    scenes = s2_scenes(creodias, provider, 3)
    jobs = provider.download_jobs(scenes, str(tmp_path))
    assert all("token" not in job.url for job in jobs)
    results = DownloadEngine(max_workers=3, backoff=0.05).run(jobs)
    assert [r.state for r in results] == [DONE] * 3, [r.reason for r in results]
    assert all(r.verified_by == "md5" for r in results)
    stats = creodias.stats()
    assert stats["statuses"].get("zipper:200") == 3      # the server takes the token only as ?token=
    assert stats["token_in_header"] == 0                  # and it was never sent as a header
    token = manager.bearer_token(provider.connection)
    assert len(token) > 20
    # nowhere: logs (urllib3's request lines included), results, messages, the download folder
    text = "\n".join(capture.lines)
    assert "/$value" in text                              # the request lines were logged...
    assert token not in text                              # ...without the token
    for r in results:
        assert token not in f"{r.reason} {r.message} {r.path} {r.job.url} {r.error!s}"
    for folder, _dirs, files in os.walk(tmp_path):
        for name in files:
            path = os.path.join(folder, name)
            if name.endswith(".json"):
                assert token not in open(path, encoding="utf-8").read()
    assert os.path.exists(tmp_path / ".eo_scene_finder_manifest.json")
    # the redactor masks it in any URL or text a message could carry
    url = f"https://zipper.creodias.eu/odata/v1/Products(x)/$value?token={token}"
    assert token not in redact_url(url) and "token=***" in redact_url(url)
    assert token not in redact_text(f"GET {url} failed")
    # and a project saves such a source without it (the path writer the plugin installs)
    from eo_scene_finder.services.project import strip_url_secrets
    saved = strip_url_secrets("/vsicurl/" + url)
    assert token not in saved and "Products(x)/$value" in saved


def test_the_official_connection_downloads_from_the_zipper_as_eodag_does():
    """eodag creodias.yml: ``eodag:download_link:
    'https://zipper.creodias.eu/odata/v1/Products({uid})/$value'`` + ``token_qs_key: token``."""
    from eo_scene_finder.providers.connections import open_provider, resolve_connection
    provider = open_provider(resolve_connection("creodias"))
    assert provider.download_url == "https://zipper.creodias.eu/odata/v1"
    url = provider.download_url + "/Products(abc)/$value"
    provider._auth = type("Fixed", (), {"headers": lambda self, u=None: {"Authorization": "Bearer T0KEN"}})()
    assert provider.request_params(url) == {"token": "T0KEN"}
    assert provider.request_headers(url) == {}
    assert provider.max_download_sessions() == 2
    assert provider.request_params("https://example.org/Products(abc)/$value") == {}


def test_parallel_downloads_stay_within_the_account_session_limit(creodias, tmp_path):
    creodias.configure(throttle_bps=400_000)  # each transfer lasts a while: the workers overlap
    provider, _manager = provider_for(creodias)
    scenes = s2_scenes(creodias, provider, 6)
    results = DownloadEngine(max_workers=6, per_host=6, backoff=0.05).run(
        provider.download_jobs(scenes, str(tmp_path)))
    assert [r.state for r in results] == [DONE] * 6, [r.reason for r in results]
    stats = creodias.stats()
    assert stats["max_attempts"][CDSE_USER] == 2          # measured on the server: 2 at once, never 3
    assert stats["session_refusals"] == 0


def test_too_many_sessions_answer_dat_zip_100_and_the_downloads_back_off_and_finish(creodias, tmp_path):
    # transfers slow enough that the client's 4 workers overlap even on a loaded CI machine
    # (at 400 kB/s a busy machine once started them two by two: nothing to refuse)
    creodias.configure(throttle_bps=120_000)
    provider, _manager = provider_for(creodias, max_download_sessions=4)  # more than the account may
    scenes = s2_scenes(creodias, provider, 6)
    events = []
    results = DownloadEngine(max_workers=6, per_host=6, backoff=0.05, backoff_max=0.4).run(
        provider.download_jobs(scenes, str(tmp_path)), progress_cb=events.append)
    assert [r.state for r in results] == [DONE] * 6, [r.reason for r in results]
    stats = creodias.stats()
    assert stats["max_attempts"][CDSE_USER] > 2           # the client did ask for more...
    assert stats["session_refusals"] > 0                  # ...was refused with DAT-ZIP-100...
    assert stats["max_sessions"][CDSE_USER] <= 2          # ...and the server never served more
    assert any("429" in e.message and e.message.startswith("Retrying") for e in events)


def test_a_403_says_the_account_has_not_accepted_the_data_terms(creodias, tmp_path):
    provider, _manager = provider_for(creodias, user=TERMS_USER)
    [scene] = s2_scenes(creodias, provider, 1)
    [result] = DownloadEngine(max_workers=2, backoff=0.05).run(provider.download_jobs([scene], str(tmp_path)))
    assert result.state == FAILED
    assert "has not accepted the data terms" in result.reason
    assert "accept the terms" in result.reason and "CREODIAS account" in result.reason
    stats = creodias.stats()
    assert stats["grants"] == {"password": 1}             # no pointless token refresh
    assert stats["statuses"].get("zipper:403") == 1       # nor a retry


# ---------------------------------------------------------------------------- catalogue
def test_each_flavour_offers_its_own_sentinel_1_product_types(creodias):
    creo, _ = provider_for(creodias)
    cdse = CdseODataProvider(Connection("c", "cdse", creodias.odata_url))
    creo_types = creo.queryables(["SENTINEL-1"])["productType"]["enum"]
    cdse_types = cdse.queryables(["SENTINEL-1"])["productType"]["enum"]
    assert creo_types[:2] == ["GRD", "SLC"] and "IW_GRDH_1S" not in creo_types
    assert "IW_GRDH_1S" in cdse_types and "GRD" not in cdse_types
    # the CREODIAS catalogue knows GRD, not CDSE's name
    request = dict(collections=["SENTINEL-1"], start="2023-01-01", end="2023-03-01", limit=5)
    found = creo.search(SearchRequest.create(provider_filters={"productType": "GRD"}, **request)).all()
    assert found and all("GRDH" in s.properties["Name"] for s in found)
    assert creo.search(SearchRequest.create(provider_filters={"productType": "IW_GRDH_1S"}, **request)).all() == []


class FakeClock:
    """Time that passes only when the rate limiter waits."""

    def __init__(self):
        self.now = 1000.0
        self.lock = threading.Lock()

    def __call__(self):
        with self.lock:
            return self.now

    def wait(self, cancel, seconds):
        with self.lock:
            self.now += max(1e-6, seconds)  # a real wait always lets some time pass
        return cancel.is_set()


def windows_hold_at_most(times, limit, window=60.0):
    times = sorted(times)
    return all(times[i + limit] - times[i] >= window for i in range(len(times) - limit))


def test_no_minute_holds_more_than_60_catalogue_requests():
    clock = FakeClock()
    connection = Connection("c", "creodias", "http://127.0.0.1:9/odata/v1", {"requests_per_minute": 600})
    provider = CreodiasODataProvider(connection, clock=clock, wait=clock.wait)
    limiter = provider.rate_limiter()
    cancel = threading.Event()
    times = []
    for _ in range(200):
        limiter.acquire(cancel)
        times.append(clock())
    assert windows_hold_at_most(times, 60)               # 600 asked, 60 is the ceiling
    assert not windows_hold_at_most(times, 59)           # and the ceiling is used, not far below
    # a 429 slows it down; it never speeds up past the ceiling
    limiter.back_off(5.0)
    for _ in range(100):
        limiter.acquire(cancel)
        limiter.success()
        times.append(clock())
    assert windows_hold_at_most(times, 60)


def test_every_catalogue_request_goes_through_the_ceiling(creodias):
    """Searches and attribute lookups alike: the limiter's count equals the server's."""
    clock = FakeClock()
    provider = CreodiasODataProvider(creodias_connection(creodias, page_size=50), clock=clock, wait=clock.wait)
    acquired = []
    limiter = provider.rate_limiter()
    real_acquire = limiter.acquire

    def counting(cancel):
        real_acquire(cancel)
        acquired.append(clock())
    limiter.acquire = counting
    provider.queryables(["SENTINEL-1"])                   # an Attributes(...) lookup
    scenes = provider.search(SearchRequest.create(collections=["SENTINEL-2"], start="2023-06-01",
                                                  end="2023-06-20", limit=400)).all()
    assert len(scenes) == 400
    # slices still running when the limit was reached are abandoned: let them end first
    wait_until(lambda: not any(t.name.startswith("eosf-cdse") for t in threading.enumerate()), 15,
               "the abandoned slices end")
    stats = creodias.stats()
    served = sum(v for k, v in stats["counts"].items() if k in ("products", "product", "attributes"))
    # every request the server saw went through the ceiling; a slice abandoned when the limit
    # was reached may have taken its turn and then not sent its request (one per slice)
    assert served >= 9 and served <= len(acquired) <= served + MAX_CONCURRENCY
    assert not any(k.endswith(":429") for k in stats["statuses"])
    assert windows_hold_at_most(acquired, 60)


def test_the_server_refuses_the_61st_request_of_a_minute(creodias):
    statuses = [requests.get(creodias.odata_url + "/Products", params={"$top": 1}, timeout=30).status_code
                for _ in range(61)]
    assert statuses[:60] == [200] * 60 and statuses[60] == 429
