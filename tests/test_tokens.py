"""Token lifecycles against a loopback Keycloak-shaped server (no Qt needed)."""
from __future__ import annotations

import socket
import threading
import time

import pytest

from eo_scene_finder.providers import errors
from eo_scene_finder.providers.net import http
from eo_scene_finder.providers.base import Connection
from eo_scene_finder.providers.auth.credentials import CredentialStore, MemorySecretStore
from eo_scene_finder.providers.auth.tokens import CredentialsRejectedError, LoginCancelledError, LoginExpiredError, LoginRequiredError, TokenManager
from fixtures import token_servers as ts


def cdse_connection(server, name="My CDSE", **options) -> Connection:
    opts = {"token_url": server.token_url}
    opts.update(options)
    return Connection(name=name, kind="cdse", url=server.url + "/odata/v1", options=opts)


def dinamis_connection(server, name="DINAMIS") -> Connection:
    return Connection(name=name, kind="stac-api", url=server.stac_url,
                      options={"signing": "dinamis", "signing_url": server.signing_url})


def make_manager(server, clock, secrets=None, **kwargs):
    store = CredentialStore(MemorySecretStore(), environ={})
    for name, values in (secrets or {}).items():
        store.save(name, values)
    manager = TokenManager(store, clock=clock, **kwargs)
    server.state.clock = clock
    return manager, store


def bearer_of(headers):
    return headers["Authorization"].split(" ", 1)[1]


CDSE_SECRETS = {"My CDSE": {"username": ts.USERNAME, "password": ts.PASSWORD}}


# ------------------------------------------------------------------ password grant + refresh

def test_password_grant_logs_in_once_and_the_service_accepts_the_token(auth_server, fake_clock):
    manager, _ = make_manager(auth_server, fake_clock, CDSE_SECRETS)
    conn = cdse_connection(auth_server)
    first = manager.headers(conn)
    second = manager.headers(conn)
    assert first == second
    assert auth_server.state.valid_bearer(first["Authorization"]) == ts.USERNAME
    assert auth_server.counts["token:password"] == 1


def test_token_is_renewed_with_the_refresh_token_before_it_expires(auth_server, fake_clock):
    manager, _ = make_manager(auth_server, fake_clock, CDSE_SECRETS)
    conn = cdse_connection(auth_server)
    first = bearer_of(manager.headers(conn))
    fake_clock.advance(530)                      # 70 s left: still good
    assert bearer_of(manager.headers(conn)) == first
    fake_clock.advance(20)                       # 50 s left: renew now, not after a 401
    renewed = bearer_of(manager.headers(conn))
    assert renewed != first
    assert auth_server.state.valid_bearer("Bearer " + renewed) == ts.USERNAME
    assert auth_server.counts["token:refresh_token"] == 1
    assert auth_server.counts["token:password"] == 1  # the password was not sent again


def test_expired_refresh_token_means_logging_in_again(auth_server, fake_clock):
    auth_server.state.refresh_lifetime = 900
    manager, _ = make_manager(auth_server, fake_clock, CDSE_SECRETS)
    conn = cdse_connection(auth_server)
    manager.headers(conn)
    fake_clock.advance(1000)                     # both tokens are dead
    headers = manager.headers(conn)
    assert auth_server.state.valid_bearer(headers["Authorization"]) == ts.USERNAME
    assert auth_server.counts["token:refresh_token"] == 0
    assert auth_server.counts["token:password"] == 2


def test_refused_refresh_falls_back_to_a_new_login(auth_server, fake_clock):
    manager, _ = make_manager(auth_server, fake_clock, CDSE_SECRETS)
    conn = cdse_connection(auth_server)
    manager.headers(conn)
    auth_server.state.revoke_refresh_tokens()    # e.g. the SSO session was ended elsewhere
    fake_clock.advance(560)
    headers = manager.headers(conn)
    assert auth_server.state.valid_bearer(headers["Authorization"]) == ts.USERNAME
    assert auth_server.counts["token:refresh_token"] == 1
    assert auth_server.counts["token:password"] == 2


def test_wrong_password_says_credentials_rejected_in_plain_words(auth_server, fake_clock):
    manager, _ = make_manager(auth_server, fake_clock,
                              {"My CDSE": {"username": ts.USERNAME, "password": "wrong-password-123"}})
    with pytest.raises(CredentialsRejectedError) as info:
        manager.headers(cdse_connection(auth_server))
    text = str(info.value)
    assert "Credentials rejected for My CDSE" in text
    assert "Invalid user credentials" in text
    assert "Connections" in text
    assert "wrong-password-123" not in text


def test_missing_credentials_say_where_to_put_them(auth_server, fake_clock):
    manager, _ = make_manager(auth_server, fake_clock)
    with pytest.raises(LoginRequiredError) as info:
        manager.headers(cdse_connection(auth_server))
    assert "EOSF_CDSE_USERNAME" in str(info.value) and "Connections" in str(info.value)
    assert auth_server.counts["token"] == 0


def test_unreachable_token_service_is_reported_as_such(auth_server, fake_clock):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        dead_port = s.getsockname()[1]
    manager, _ = make_manager(auth_server, fake_clock, CDSE_SECRETS)
    conn = cdse_connection(auth_server, token_url=f"http://127.0.0.1:{dead_port}/token")
    with pytest.raises(errors.UnreachableError) as info:
        manager.headers(conn)
    assert "could not be reached" in str(info.value)


# ------------------------------------------------------------------ two-factor accounts

TOTP_CONN = "Two-factor CDSE"


def test_two_factor_account_without_code_gets_a_hint(auth_server, fake_clock):
    manager, _ = make_manager(auth_server, fake_clock,
                              {TOTP_CONN: {"username": ts.TOTP_USER, "password": ts.TOTP_PASSWORD}})
    with pytest.raises(CredentialsRejectedError) as info:
        manager.headers(cdse_connection(auth_server, TOTP_CONN))
    assert "two-factor" in str(info.value)


def test_one_time_code_logs_in_once_then_a_new_code_is_asked(auth_server, fake_clock):
    auth_server.state.refresh_lifetime = 900
    code = ts.totp_at(ts.TOTP_SECRET, auth_server.state.wall_clock())
    manager, _ = make_manager(auth_server, fake_clock,
                              {TOTP_CONN: {"username": ts.TOTP_USER, "password": ts.TOTP_PASSWORD, "totp": code}})
    conn = cdse_connection(auth_server, TOTP_CONN)
    assert auth_server.state.valid_bearer(manager.headers(conn)["Authorization"]) == ts.TOTP_USER
    fake_clock.advance(1000)                     # session over: a login needs a new code
    with pytest.raises(LoginRequiredError) as info:
        manager.headers(conn)
    assert "two-factor code" in str(info.value)

    asked = []

    def prompt(name):
        asked.append(name)
        return ts.totp_at(ts.TOTP_SECRET, auth_server.state.wall_clock())

    manager.totp_prompt = prompt
    assert auth_server.state.valid_bearer(manager.headers(conn)["Authorization"]) == ts.TOTP_USER
    assert asked == [TOTP_CONN]


def test_totp_secret_logs_in_again_unattended(auth_server, fake_clock):
    auth_server.state.refresh_lifetime = 900
    manager, _ = make_manager(auth_server, fake_clock,
                              {TOTP_CONN: {"username": ts.TOTP_USER, "password": ts.TOTP_PASSWORD,
                                           "totp": ts.TOTP_SECRET}})
    conn = cdse_connection(auth_server, TOTP_CONN)
    manager.headers(conn)
    fake_clock.advance(1000)
    assert auth_server.state.valid_bearer(manager.headers(conn)["Authorization"]) == ts.TOTP_USER
    assert auth_server.counts["token:password"] == 2


# ------------------------------------------------------------------ no stampede

def _run_threads(n, target):
    barrier = threading.Barrier(n)
    results, failures = [], []

    def worker():
        barrier.wait()
        try:
            results.append(target())
        except Exception as err:  # noqa: BLE001 - collected for the assertions
            failures.append(err)

    threads = [threading.Thread(target=worker) for _ in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    return results, failures


def test_ten_concurrent_tasks_make_one_token_request(auth_server, fake_clock):
    auth_server.state.token_delay = 0.3          # a slow identity server widens the race window
    manager, _ = make_manager(auth_server, fake_clock, CDSE_SECRETS)
    conn = cdse_connection(auth_server)
    results, failures = _run_threads(10, lambda: manager.headers(conn))
    assert not failures
    assert len({r["Authorization"] for r in results}) == 1
    assert auth_server.counts["token"] == 1


def test_ten_concurrent_renewals_make_one_refresh_request(auth_server, fake_clock):
    manager, _ = make_manager(auth_server, fake_clock, CDSE_SECRETS)
    conn = cdse_connection(auth_server)
    manager.headers(conn)
    fake_clock.advance(580)
    auth_server.state.token_delay = 0.3
    results, failures = _run_threads(10, lambda: manager.headers(conn))
    assert not failures and len({r["Authorization"] for r in results}) == 1
    assert auth_server.counts["token:refresh_token"] == 1


def test_ten_concurrent_tasks_with_a_wrong_password_make_one_request(auth_server, fake_clock):
    auth_server.state.token_delay = 0.3
    manager, _ = make_manager(auth_server, fake_clock,
                              {"My CDSE": {"username": ts.USERNAME, "password": "nope-nope"}})
    conn = cdse_connection(auth_server)
    results, failures = _run_threads(10, lambda: manager.headers(conn))
    assert not results and len(failures) == 10
    assert all(isinstance(f, CredentialsRejectedError) for f in failures)
    assert auth_server.counts["token"] == 1


# ------------------------------------------------------------------ 401 in the middle of work

def _download(server, headers):
    session = http.new_session()
    response = http.request(session, "GET", server.url + "/files/scene.tif", headers=headers, what="The download")
    return response.content


def test_a_401_mid_download_triggers_one_refresh_and_retry(auth_server, fake_clock):
    manager, _ = make_manager(auth_server, fake_clock, CDSE_SECRETS)
    conn = cdse_connection(auth_server)
    manager.headers(conn)
    auth_server.state.revoke_access_tokens()     # the server ends the token early
    data = manager.call_with_auth(conn, lambda headers: _download(auth_server, headers))
    assert data == auth_server.state.files["scene.tif"]
    assert auth_server.counts["download"] == 2
    assert auth_server.counts["token:refresh_token"] == 1


def test_a_second_401_says_credentials_rejected_for_the_connection(auth_server, fake_clock):
    manager, _ = make_manager(auth_server, fake_clock, CDSE_SECRETS)
    conn = cdse_connection(auth_server)
    auth_server.state.fail_status["/files/"] = 401
    with pytest.raises(CredentialsRejectedError) as info:
        manager.call_with_auth(conn, lambda headers: _download(auth_server, headers))
    assert str(info.value).startswith("Credentials rejected for My CDSE")
    assert "Connections" in str(info.value)
    downloads = [r for r in auth_server.state.requests if r["path"].startswith("/files/")]
    assert len(downloads) == 2                   # one retry, not a loop


def test_headers_provider_refresh_after_401_is_shared_by_threads(auth_server, fake_clock):
    manager, _ = make_manager(auth_server, fake_clock, CDSE_SECRETS)
    conn = cdse_connection(auth_server)
    provider = manager.headers_provider(conn)
    provider.headers()
    auth_server.state.revoke_access_tokens()
    auth_server.state.token_delay = 0.2

    sent_before_401 = threading.Barrier(5)

    def job():
        provider.headers()                       # what each download task sent...
        sent_before_401.wait()                   # ...before they all got their 401
        assert provider.refresh()
        return provider.headers()

    results, failures = _run_threads(5, job)
    assert not failures and len({r["Authorization"] for r in results}) == 1
    assert auth_server.counts["token:refresh_token"] == 1


def test_long_download_outlives_many_tokens(auth_server, fake_clock):
    """Chunks over 50 minutes of (fake) time: the token is renewed silently, the password
    is sent once."""
    auth_server.state.access_lifetime = 300
    manager, _ = make_manager(auth_server, fake_clock, CDSE_SECRETS)
    conn = cdse_connection(auth_server)
    provider = manager.headers_provider(conn)
    payload = auth_server.state.files["scene.tif"]
    session = http.new_session()
    received = b""
    chunk = 1024
    while len(received) < len(payload):
        headers = dict(provider.headers(), Range=f"bytes={len(received)}-{len(received) + chunk - 1}")
        response = http.request(session, "GET", auth_server.url + "/files/scene.tif", headers=headers)
        received += response.content
        fake_clock.advance(200)                  # a slow network: each chunk takes minutes
    assert received == payload
    assert auth_server.counts["token:password"] == 1
    assert auth_server.counts["token:refresh_token"] >= 5


# ------------------------------------------------------------------ device-code flow (DINAMIS)

class RecordingPrompt:
    def __init__(self, on_show=None):
        self.shown = []
        self.on_show = on_show

    def __call__(self, auth):
        self.shown.append(auth)
        if self.on_show:
            self.on_show(auth)


def test_device_login_polls_until_approved_and_keeps_the_refresh_token(auth_server, fake_clock):
    auth_server.state.device_script = ["authorization_pending", "slow_down", "approve"]
    prompt = RecordingPrompt()
    manager, store = make_manager(auth_server, fake_clock, device_prompt=prompt, slow_down_step=0.05)
    conn = dinamis_connection(auth_server)
    headers = manager.headers(conn)
    assert auth_server.state.valid_bearer(headers["Authorization"]) == ts.USERNAME
    auth = prompt.shown[0]
    assert auth.state == "approved"
    assert auth.user_code in auth.verification_uri_complete
    assert auth_server.state.scopes_asked == "openid offline_access"
    assert auth_server.counts["token:urn:ietf:params:oauth:grant-type:device_code"] == 3
    assert store.stored("DINAMIS").get("refresh_token")

    # A new QGIS session: renews silently from the kept refresh token, no browser.
    def must_not_prompt(auth):
        raise AssertionError("the user was asked to log in again")

    later = TokenManager(store, clock=fake_clock, device_prompt=must_not_prompt)
    again = later.headers(conn)
    assert auth_server.state.valid_bearer(again["Authorization"]) == ts.USERNAME
    assert auth_server.counts["device_authorization"] == 1


def test_dinamis_token_is_renewed_when_under_30_seconds_remain(auth_server, fake_clock):
    auth_server.state.device_auto_approve = True
    manager, _ = make_manager(auth_server, fake_clock, device_prompt=RecordingPrompt())
    conn = dinamis_connection(auth_server)
    first = manager.bearer_token(conn)
    fake_clock.advance(565)                      # 35 s left
    assert manager.bearer_token(conn) == first
    fake_clock.advance(10)                       # 25 s left
    assert manager.bearer_token(conn) != first
    assert auth_server.counts["token:refresh_token"] == 1


def test_device_login_code_expiry_is_reported(auth_server, fake_clock):
    auth_server.state.device_script = ["authorization_pending", "expired_token"]
    prompt = RecordingPrompt()
    manager, _ = make_manager(auth_server, fake_clock, device_prompt=prompt)
    with pytest.raises(LoginExpiredError) as info:
        manager.headers(dinamis_connection(auth_server))
    assert "expired" in str(info.value) and "start the login again" in str(info.value)
    assert prompt.shown[0].state == "expired"


def test_device_login_times_out_on_the_client_too(auth_server, fake_clock):
    auth_server.state.device_expires_in = 0.4    # never approved
    prompt = RecordingPrompt()
    manager, _ = make_manager(auth_server, fake_clock, device_prompt=prompt)
    with pytest.raises(LoginExpiredError):
        manager.headers(dinamis_connection(auth_server))
    assert prompt.shown[0].state == "expired"


def test_device_login_cancel_stops_polling(auth_server, fake_clock):
    auth_server.state.device_interval = 0.2
    cancelled = threading.Event()
    key = "token:urn:ietf:params:oauth:grant-type:device_code"
    polls_at_cancel = [None]

    def cancel_soon(auth):
        def after_the_first_poll():  # (tied to the polls, not to a timer a loaded machine delays)
            deadline = time.monotonic() + 30
            while not auth_server.counts[key] and time.monotonic() < deadline:
                time.sleep(0.01)
            polls_at_cancel[0] = auth_server.counts[key]
            auth.cancel()
            cancelled.set()
        threading.Thread(target=after_the_first_poll, daemon=True).start()

    prompt = RecordingPrompt(cancel_soon)
    manager, _ = make_manager(auth_server, fake_clock, device_prompt=prompt)
    with pytest.raises(LoginCancelledError):
        manager.headers(dinamis_connection(auth_server))
    assert cancelled.is_set() and polls_at_cancel[0] >= 1
    # at most the poll already on its way when the user cancelled
    assert auth_server.counts[key] <= polls_at_cancel[0] + 1 and prompt.shown[0].state == "cancelled"


def test_device_login_without_a_gui_explains_what_to_do(auth_server, fake_clock):
    manager, _ = make_manager(auth_server, fake_clock)
    with pytest.raises(LoginRequiredError) as info:
        manager.headers(dinamis_connection(auth_server))
    assert "EOSF_DINAMIS_ACCESS_KEY" in str(info.value) and "Log in" in str(info.value)
    assert auth_server.counts["device_authorization"] == 0


def test_token_url_is_found_in_the_signing_services_openapi(auth_server, fake_clock):
    manager, _ = make_manager(auth_server, fake_clock)
    assert manager.discover_token_url(auth_server.signing_url) == auth_server.token_url


def test_signing_call_with_a_device_login_token(auth_server, fake_clock):
    auth_server.state.device_auto_approve = True
    manager, _ = make_manager(auth_server, fake_clock, device_prompt=RecordingPrompt())
    conn = dinamis_connection(auth_server)
    token = manager.token_provider(conn)
    session = http.new_session()
    url = "https://data.meso.umontpellier.fr/bucket/scene.tif"
    response = http.request(session, "POST", auth_server.signing_url + "sign_urls", params={"urls": [url]},
                            headers={"Authorization": f"Bearer {token()}"})
    assert "X-Amz-Signature" in response.json()["hrefs"][url]


# ------------------------------------------------------------------ API keys and USGS

def test_dinamis_api_key_is_sent_as_headers(auth_server, fake_clock):
    manager, _ = make_manager(auth_server, fake_clock, {"DINAMIS": {
        "access_key": ts.DINAMIS_ACCESS_KEY, "secret_key": ts.DINAMIS_SECRET_KEY}})
    conn = dinamis_connection(auth_server)
    url = "https://data.meso.umontpellier.fr/x.tif"

    def sign(headers):
        return http.request(http.new_session(), "POST", auth_server.signing_url + "sign_urls",
                            params={"urls": [url]}, headers=headers).json()

    assert url in manager.call_with_auth(conn, sign)["hrefs"]
    assert manager.headers(conn) == {"access-key": ts.DINAMIS_ACCESS_KEY, "secret-key": ts.DINAMIS_SECRET_KEY}


def test_a_refused_api_key_is_reported_without_useless_retries(auth_server, fake_clock):
    manager, _ = make_manager(auth_server, fake_clock, {"DINAMIS": {"access_key": "ak-bad1", "secret_key": "sk-bad1"}})
    conn = dinamis_connection(auth_server)

    def sign(headers):
        return http.request(http.new_session(), "POST", auth_server.signing_url + "sign_urls",
                            params={"urls": ["https://a.meso.umontpellier.fr/x"]}, headers=headers)

    with pytest.raises(CredentialsRejectedError) as info:
        manager.call_with_auth(conn, sign)
    assert "Credentials rejected for DINAMIS" in str(info.value)
    assert auth_server.counts["sign"] == 1


def test_planetary_computer_keys_are_headers(auth_server, fake_clock):
    manager, _ = make_manager(auth_server, fake_clock, {"PC": {"subscription_key": ts.PC_SUBSCRIPTION_KEY}})
    pc = Connection("PC", "stac-api", "https://planetarycomputer.microsoft.com/api/stac/v1",
                    {"signing": "planetary-computer"})
    headers = manager.headers(pc)
    response = http.request(http.new_session(), "GET", auth_server.url + "/sas/v1/token/acct/container",
                            headers=headers)
    assert "sig=" in response.json()["token"]


def _usgs_connection(auth_server):
    """The USGS M2M login alone, on the token server: a connection names the scheme with the
    ``auth_scheme`` option (the ``usgs`` kind itself: tests/test_usgs.py)."""
    import eo_scene_finder.providers.catalogs.usgs.login  # noqa: F401  (registers the scheme)

    return Connection("USGS", "stac-api", auth_server.m2m_url, {"auth_scheme": "usgs"})


def test_usgs_login_token_is_renewed_after_two_hours_and_logged_out(auth_server, fake_clock):
    manager, _ = make_manager(auth_server, fake_clock, {"USGS": {"username": ts.USGS_USERNAME,
                                                                 "token": ts.USGS_APP_TOKEN}})
    conn = _usgs_connection(auth_server)

    def search(headers):
        return http.request(http.new_session(), "POST", auth_server.m2m_url + "scene-search",
                            json={"datasetName": "landsat_ot_c2_l2"}, headers=headers).json()

    assert manager.call_with_auth(conn, search)["errorCode"] is None
    key = manager.headers(conn)["X-Auth-Token"]
    fake_clock.advance(7200 - 30)                # about to expire: a new key, the old one logged out
    new_key = manager.headers(conn)["X-Auth-Token"]
    assert new_key != key
    assert auth_server.counts["m2m:login-token"] == 2
    assert auth_server.counts["m2m:logout"] == 1
    manager.close()
    assert auth_server.counts["m2m:logout"] == 2
    assert new_key not in auth_server.state.usgs_keys


def test_usgs_wrong_token_is_rejected_in_plain_words(auth_server, fake_clock):
    manager, _ = make_manager(auth_server, fake_clock, {"USGS": {"username": ts.USGS_USERNAME, "token": "bad-token"}})
    with pytest.raises(CredentialsRejectedError) as info:
        manager.headers(_usgs_connection(auth_server))
    assert "User credential verification failed" in str(info.value)


def test_editing_credentials_takes_effect_at_once(auth_server, fake_clock):
    manager, store = make_manager(auth_server, fake_clock,
                                  {"My CDSE": {"username": ts.USERNAME, "password": "old-wrong"}})
    conn = cdse_connection(auth_server)
    with pytest.raises(CredentialsRejectedError):
        manager.headers(conn)
    store.save("My CDSE", {"username": ts.USERNAME, "password": ts.PASSWORD})
    assert auth_server.state.valid_bearer(manager.headers(conn)["Authorization"]) == ts.USERNAME


def test_tokens_never_show_in_reprs(auth_server, fake_clock):
    manager, store = make_manager(auth_server, fake_clock, CDSE_SECRETS)
    conn = cdse_connection(auth_server)
    token = bearer_of(manager.headers(conn))
    session = manager.session_for(conn)
    assert token not in repr(session.token)
    assert ts.PASSWORD not in repr(store.get(conn))


# ------------------------------------------------------------------ the download engine's hook

def test_download_engine_renews_an_expired_token_once_and_finishes(auth_server, fake_clock, tmp_path):
    from eo_scene_finder.providers.download.engine import DownloadEngine
    from eo_scene_finder.providers.download.jobs import DownloadJob
    manager, _ = make_manager(auth_server, fake_clock, CDSE_SECRETS)
    conn = cdse_connection(auth_server)
    manager.headers(conn)
    auth_server.state.revoke_access_tokens()     # the token dies while the download is queued
    job = DownloadJob(url=auth_server.url + "/files/scene.tif", dest_path=str(tmp_path / "scene.tif"),
                      headers_provider=manager.headers_provider(conn))
    [result] = DownloadEngine(max_workers=1, retries=1, backoff=0.01).run([job])
    assert result.ok, result.reason
    assert (tmp_path / "scene.tif").read_bytes() == auth_server.state.files["scene.tif"]
    assert auth_server.counts["token:refresh_token"] == 1


def test_download_engine_gives_up_after_a_second_401(auth_server, fake_clock, tmp_path):
    from eo_scene_finder.providers.download.engine import DownloadEngine
    from eo_scene_finder.providers.download.jobs import DownloadJob
    manager, _ = make_manager(auth_server, fake_clock, CDSE_SECRETS)
    conn = cdse_connection(auth_server)
    auth_server.state.fail_status["/files/"] = 401
    job = DownloadJob(url=auth_server.url + "/files/scene.tif", dest_path=str(tmp_path / "scene.tif"),
                      headers_provider=manager.headers_provider(conn))
    [result] = DownloadEngine(max_workers=1, retries=1, backoff=0.01).run([job])
    assert not result.ok
    assert "credentials rejected" in result.reason.lower()
    downloads = [r for r in auth_server.state.requests if r["path"].startswith("/files/")]
    assert len(downloads) == 2


def test_the_qgis_two_factor_prompt_asks_in_a_dialog_from_a_worker_thread(qgis_app, auth_server, fake_clock):
    """A search or download task (a worker thread) needs a new code: the dialog shows on the
    GUI thread, the worker waits, the code typed in logs in."""
    import time

    from qgis.PyQt.QtCore import QCoreApplication

    from eo_scene_finder.ui.device_code_dialog import TotpCodePrompt

    auth_server.state.refresh_lifetime = 900
    code = ts.totp_at(ts.TOTP_SECRET, auth_server.state.wall_clock())
    manager, _ = make_manager(auth_server, fake_clock,
                              {TOTP_CONN: {"username": ts.TOTP_USER, "password": ts.TOTP_PASSWORD, "totp": code}})
    conn = cdse_connection(auth_server, TOTP_CONN)
    manager.headers(conn)
    fake_clock.advance(1000)
    prompt = TotpCodePrompt(timeout=30)
    manager.totp_prompt = prompt
    result = {}
    worker = threading.Thread(target=lambda: result.update(headers=manager.headers(conn)))
    worker.start()
    deadline = time.monotonic() + 30
    while not prompt.dialogs and time.monotonic() < deadline:
        QCoreApplication.processEvents()
        time.sleep(0.01)
    dialog = next(iter(prompt.dialogs))
    assert TOTP_CONN in dialog.labelText()
    dialog.setTextValue(ts.totp_at(ts.TOTP_SECRET, auth_server.state.wall_clock()))
    dialog.accept()
    while worker.is_alive() and time.monotonic() < deadline:
        QCoreApplication.processEvents()
        worker.join(0.01)
    assert auth_server.state.valid_bearer(result["headers"]["Authorization"]) == ts.TOTP_USER

    # cancelling the dialog ends in a clear error, not a hang
    fake_clock.advance(1000)
    failure = {}

    def login():
        try:
            manager.headers(conn)
        except errors.EoSceneFinderError as err:
            failure["error"] = err

    worker = threading.Thread(target=login)
    worker.start()
    while not prompt.dialogs and time.monotonic() < deadline + 30:
        QCoreApplication.processEvents()
        time.sleep(0.01)
    next(iter(prompt.dialogs)).reject()
    while worker.is_alive():
        QCoreApplication.processEvents()
        worker.join(0.01)
    assert "two-factor code" in str(failure["error"])
