"""Where secrets are kept: keyring (a test backend, never the user's), fallback, environment."""
from __future__ import annotations

import json

import pytest
from keyring.backends import chainer, fail, null

from eo_scene_finder.providers.base import Connection
from eo_scene_finder.providers.auth.credentials import SERVICE, CredentialStore, CredentialStoreError, KeyringSecretStore, MemorySecretStore, credentials_from_env, environment_variables, is_totp_secret, running_in_qgis_process, scheme_for, totp_code
from eo_scene_finder.providers.net.redact import redact_text


CDSE = Connection("Team CDSE", "cdse", "https://catalogue.dataspace.copernicus.eu/odata/v1")


def test_keyring_holds_one_json_entry_per_connection(memory_keyring):
    store = CredentialStore(KeyringSecretStore(), environ={})
    store.save("Team CDSE", {"username": "ana", "password": "pw-kr-1234"})
    store.save("Other", {"subscription_key": "sub-kr-5678"})
    assert set(memory_keyring.entries) == {(SERVICE, "Team CDSE"), (SERVICE, "Other")}
    assert json.loads(memory_keyring.entries[(SERVICE, "Team CDSE")]) == {"username": "ana", "password": "pw-kr-1234"}
    creds = store.get(CDSE)
    assert creds["password"] == "pw-kr-1234" and creds.source == "OS keyring"
    store.delete("Team CDSE")
    assert (SERVICE, "Team CDSE") not in memory_keyring.entries


def test_rename_and_copy_move_the_secrets(memory_keyring):
    store = CredentialStore(KeyringSecretStore(), environ={})
    store.save("A", {"username": "ana", "password": "pw-ren-1234"})
    store.copy("A", "A (copy)")
    store.rename("A", "B")
    assert store.stored("B")["password"] == "pw-ren-1234"
    assert store.stored("A (copy)")["password"] == "pw-ren-1234"
    assert not store.stored("A")


@pytest.mark.parametrize("backend", [fail.Keyring(), null.Keyring()], ids=["fail", "null"])
def test_fail_and_null_backends_are_not_a_keyring(backend):
    assert not KeyringSecretStore(backend=backend).usable()


def test_an_empty_chainer_is_not_a_keyring(monkeypatch):
    monkeypatch.setattr(chainer.ChainerBackend, "backends", [])
    assert not KeyringSecretStore(backend=chainer.ChainerBackend()).usable()


def test_the_plain_text_file_keyring_is_refused(tmp_path):
    from keyrings.alt.file import PlaintextKeyring
    backend = PlaintextKeyring()
    backend.file_path = str(tmp_path / "keyring_pass.cfg")
    fallback = MemorySecretStore()
    store = CredentialStore(KeyringSecretStore(backend=backend), fallback=fallback, environ={})
    store.save("Team CDSE", {"username": "ana", "password": "pw-plain-999"})
    assert not (tmp_path / "keyring_pass.cfg").exists()
    assert fallback.load("Team CDSE")["password"] == "pw-plain-999"


def test_without_a_keyring_secrets_go_to_the_fallback_and_the_user_is_told_once():
    notices = []
    fallback = MemorySecretStore()
    store = CredentialStore(KeyringSecretStore(backend=fail.Keyring()), fallback=fallback,
                            on_fallback=lambda s: notices.append(s), environ={})
    store.save("A", {"username": "u", "password": "pw-fb-1111"})
    store.save("B", {"username": "u", "password": "pw-fb-2222"})
    assert fallback.load("A")["password"] == "pw-fb-1111"
    assert store.get(Connection("B", "cdse", "x"))["password"] == "pw-fb-2222"
    assert notices == [fallback]


def test_no_secure_store_at_all_is_a_clear_error():
    store = CredentialStore(KeyringSecretStore(backend=fail.Keyring()), environ={})
    with pytest.raises(CredentialStoreError) as info:
        store.save("A", {"password": "pw-none-1"})
    assert "environment variables" in str(info.value)


def test_keyring_chosen_by_python_keyring_backend_variable(tmp_path):
    """What conftest does for every test: the null backend, so the user's keyring is never used."""
    import subprocess
    import sys
    code = ("import keyring; from eo_scene_finder.providers.auth.credentials import KeyringSecretStore as K;"
            "print(type(keyring.get_keyring()).__name__, K().usable())")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         env={"PYTHON_KEYRING_BACKEND": "keyring.backends.null.Keyring",
                              "PYTHONPATH": ":".join(sys.path), "HOME": str(tmp_path)})
    assert out.stdout.split() == ["Keyring", "False"]


# ------------------------------------------------------------------ environment variables

def test_environment_variables_by_kind():
    env = {"EOSF_CDSE_USERNAME": "ci@x.org", "EOSF_CDSE_PASSWORD": "pw-env-1", "EOSF_CDSE_TOTP": "123456",
           "EOSF_DINAMIS_ACCESS_KEY": "ak-env", "EOSF_DINAMIS_SECRET_KEY": "sk-env",
           "EOSF_PC_SUBSCRIPTION_KEY": "pc-env",
           "EOSF_CREODIAS_USERNAME": "cr@x.org", "EOSF_CREODIAS_PASSWORD": "pw-cr"}
    get = lambda conn: credentials_from_env(scheme_for(conn), env).to_dict()  # noqa: E731
    assert get(CDSE) == {"username": "ci@x.org", "password": "pw-env-1", "totp": "123456"}
    assert get(Connection("d", "stac-api", "u", {"signing": "dinamis"})) == {"access_key": "ak-env",
                                                                              "secret_key": "sk-env"}
    assert get(Connection("p", "stac-api", "u", {"signing": "planetary-computer"})) == {"subscription_key": "pc-env"}
    assert get(Connection("c", "creodias", "u")) == {"username": "cr@x.org", "password": "pw-cr"}
    assert get(Connection("e", "stac-api", "u")) == {}
    assert set(env) <= set(environment_variables())


def test_stored_credentials_come_first_and_environment_fills_gaps():
    secrets = MemorySecretStore()
    secrets.save("Team CDSE", {"username": "stored@x.org", "password": "pw-stored"})
    env = {"EOSF_CDSE_USERNAME": "env@x.org", "EOSF_CDSE_PASSWORD": "pw-env", "EOSF_CDSE_TOTP": "JBSWY3DPEHPK3PXP"}
    creds = CredentialStore(secrets, environ=env, prefer_env=False).get(CDSE)
    assert creds.to_dict() == {"username": "stored@x.org", "password": "pw-stored", "totp": "JBSWY3DPEHPK3PXP"}
    nothing_stored = CredentialStore(MemorySecretStore(), environ=env, prefer_env=False).get(CDSE)
    assert nothing_stored["username"] == "env@x.org"


def test_in_qgis_process_environment_variables_win():
    secrets = MemorySecretStore()
    secrets.save("Team CDSE", {"username": "stored@x.org", "password": "pw-stored"})
    env = {"EOSF_CDSE_USERNAME": "env@x.org", "EOSF_CDSE_PASSWORD": "pw-env"}
    assert running_in_qgis_process(["/usr/bin/qgis_process.bin", "run"])
    assert not running_in_qgis_process(["/usr/bin/qgis.bin"])
    assert CredentialStore(secrets, environ=env, prefer_env=True).get(CDSE)["username"] == "env@x.org"
    forced = dict(env, EOSF_CREDENTIALS_FROM_ENV="1")
    assert CredentialStore(secrets, environ=forced).get(CDSE)["password"] == "pw-env"


def test_loaded_secrets_are_masked_everywhere_and_never_in_repr():
    secrets = MemorySecretStore()
    secrets.save("Team CDSE", {"username": "visible-user", "password": "pw-mask-31415"})
    creds = CredentialStore(secrets, environ={}).get(CDSE)
    assert "pw-mask-31415" not in repr(creds) and "pw-mask-31415" not in str(creds)
    assert redact_text("login failed for pw-mask-31415") == "login failed for ***"
    assert "visible-user" in redact_text("user visible-user")   # usernames stay readable


def test_totp_codes_follow_rfc_6238():
    secret = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"   # RFC 6238 test key "12345678901234567890"
    assert totp_code(secret, 59, digits=8) == "94287082"
    assert totp_code(secret, 1111111109, digits=8) == "07081804"
    assert is_totp_secret(secret) and is_totp_secret("jbsw y3dp ehpk 3pxp")
    assert not is_totp_secret("123456")
