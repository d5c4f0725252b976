"""The credential store against real keyrings: a Secret Service (gnome-keyring-daemon on a
private D-Bus bus, as on a Linux desktop) and the encrypted file keyring of ``keyrings.alt``
(what a headless machine without a desktop session can use)."""
from __future__ import annotations

import json
import subprocess
import sys

from keyring.backends import SecretService

from eo_scene_finder.providers.base import Connection
from eo_scene_finder.providers.auth.credentials import (SERVICE, CredentialStore, KeyringSecretStore,
                                                         MemorySecretStore)
from eo_scene_finder.services.auth_db import QgisAuthSecretStore, notify_keyring_refused

CDSE = Connection("Team CDSE", "cdse", "https://catalogue.dataspace.copernicus.eu/odata/v1")
SECRETS = {"username": "ana@example.org", "password": "pw-SecretService-4471"}


def _items(session, name):
    return list(session.default_collection().search_items({"service": SERVICE, "username": name}))


def _files_containing(root, text):
    needle = text.encode()
    return [p for p in root.rglob("*") if p.is_file() and needle in p.read_bytes()]


def test_credentials_live_in_the_secret_service_encrypted_and_go_when_deleted(secret_service, tmp_path):
    keyring_store = KeyringSecretStore(backend=SecretService.Keyring())
    assert keyring_store.usable() and keyring_store.describe() == "Keyring"
    store = CredentialStore(keyring_store, fallback=MemorySecretStore(), environ={})

    assert store.save(CDSE.name, SECRETS) is keyring_store
    items = _items(secret_service, CDSE.name)
    assert len(items) == 1
    assert json.loads(items[0].get_secret()) == SECRETS
    # a new store (another QGIS session) reads them back from the daemon
    again = CredentialStore(KeyringSecretStore(backend=SecretService.Keyring()), environ={})
    got = again.get(CDSE)
    assert got["password"] == SECRETS["password"] and got.source == "OS keyring"
    # the keyring file on disk is encrypted: the password is in no file of that HOME
    assert _files_containing(tmp_path / "home", SECRETS["password"]) == []

    store.delete(CDSE.name)
    assert _items(secret_service, CDSE.name) == []
    assert not again.get(CDSE)


def test_a_locked_keyring_sends_credentials_to_the_qgis_auth_db_and_the_user_is_told(
        secret_service, auth_db, message_log):
    store = CredentialStore(KeyringSecretStore(backend=SecretService.Keyring()), fallback=QgisAuthSecretStore(),
                            on_keyring_refused=notify_keyring_refused, environ={})
    store.save("Before lock", {"password": "pw-Before-1"})
    secret_service.lock()

    saved_in = store.save(CDSE.name, SECRETS)
    assert saved_in.label == "QGIS authentication database"
    names = [cfg.name() for cfg in auth_db.availableAuthMethodConfigs().values()]
    assert f"{QgisAuthSecretStore.PREFIX}{CDSE.name}" in names
    # the user reads why, once, with what to do
    notices = [m for _, m, _ in message_log if "keyring" in m and "QGIS authentication database" in m]
    assert len(notices) == 1 and "locked" in notices[0] and "unlock the keyring" in notices[0]
    store.save("Other", {"password": "pw-Other-2"})
    assert len([m for _, m, _ in message_log if "unlock the keyring" in m]) == 1
    # reading works although the keyring stays locked, from where the secrets went
    got = store.get(CDSE)
    assert got["password"] == SECRETS["password"] and got.source == "QGIS authentication database"
    assert SECRETS["password"] not in " ".join(m for _, m, _ in message_log)


def _run_with_encrypted_keyring(tmp_path, key, code):
    env = {"PYTHON_KEYRING_BACKEND": "keyrings.alt.file.EncryptedKeyring",
           "KEYRING_PROPERTY_FILE_PATH": str(tmp_path / "crypted_pass.cfg"),
           "KEYRING_PROPERTY_KEYRING_KEY": key,
           "PYTHONPATH": ":".join(sys.path), "HOME": str(tmp_path)}
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env,
                          stdin=subprocess.DEVNULL, timeout=120)


def test_the_encrypted_file_keyring_works_headless_with_keyring_property_variables(tmp_path):
    save = ("from eo_scene_finder.providers.auth.credentials import CredentialStore, KeyringSecretStore as K;"
            "k = K(); print(k.describe(), k.usable());"
            f"CredentialStore(k, environ={{}}).save('Team CDSE', {SECRETS!r})")
    out = _run_with_encrypted_keyring(tmp_path, "file-key-1", save)
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == ["EncryptedKeyring", "True"]
    assert (tmp_path / "crypted_pass.cfg").exists()
    assert _files_containing(tmp_path, SECRETS["password"]) == []

    read = ("from eo_scene_finder.providers.auth.credentials import KeyringSecretStore as K, CredentialStoreError;\n"
            "try:\n    print(K().load('Team CDSE')['password'])\n"
            "except CredentialStoreError as err:\n    print('ERROR', err.user_message)")
    assert _run_with_encrypted_keyring(tmp_path, "file-key-1", read).stdout.strip() == SECRETS["password"]
    wrong = _run_with_encrypted_keyring(tmp_path, "not-the-key", read)
    assert wrong.stdout.startswith("ERROR The OS keyring could not be read"), wrong.stdout + wrong.stderr
    assert SECRETS["password"] not in wrong.stdout + wrong.stderr
