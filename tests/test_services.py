"""The QGIS-side services: one provider per connection text, shared between threads and
renewed when the connection or its credentials change; one keeper of running tasks."""
import threading
import time
from pathlib import Path

import pytest
from qgis.core import QgsApplication, QgsSettings, QgsTask
from qgis.PyQt.QtCore import QCoreApplication

from eo_scene_finder.providers.base import Connection
from eo_scene_finder.providers.connections import open_provider
from eo_scene_finder.providers.errors import AuthenticationError, EoSceneFinderError
from eo_scene_finder.services import providers as shared
from eo_scene_finder.services.connection_store import SETTINGS_KEY, ConnectionStore
from eo_scene_finder.services.credentials import credential_store
from eo_scene_finder.services.providers import ProviderCache
from eo_scene_finder.services.tasks import TaskKeeper

DEMO = Path(__file__).resolve().parents[1] / "demo_catalog"


def wait_until(predicate, timeout=30.0, what="condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        QCoreApplication.processEvents()
        if predicate():
            return
        time.sleep(0.01)
    raise AssertionError(f"timed out waiting for {what}")


@pytest.fixture()
def saved_connections(qgis_app):
    """The profile's saved connections, empty before and after the test; fresh shared providers."""
    QgsSettings().remove(SETTINGS_KEY)
    shared.close_providers()
    yield ConnectionStore()
    QgsSettings().remove(SETTINGS_KEY)
    shared.close_providers()


def test_threads_opening_one_connection_at_once_share_one_provider():
    asked = threading.Condition()
    askers = []
    opened = []

    def slow_open(connection, **kwargs):  # still opening when every thread has asked
        with asked:
            asked.wait_for(lambda: len(askers) == 8, timeout=10)
        provider = open_provider(connection, **kwargs)
        opened.append(provider)
        return provider

    cache = ProviderCache(saved=lambda: {}, credentials=lambda _c: None, opener=slow_open)
    results, errors = [], []

    def ask():
        with asked:
            askers.append(threading.current_thread())
            asked.notify_all()
        try:
            results.append(cache.open("demo"))
        except Exception as err:  # noqa: BLE001 - reported below
            errors.append(err)

    threads = [threading.Thread(target=ask) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(20)
    assert not errors
    assert len(results) == 8 and len(opened) == 1
    assert all(p is opened[0] for p in results)
    assert [c.id for c in results[0].list_collections()]  # a working catalog
    cache.close()


def test_editing_a_saved_connection_gives_a_new_provider_on_the_new_catalog(saved_connections):
    store = saved_connections
    store.save(Connection("Team catalog", "static", str(DEMO / "catalog.json")))
    first = shared.open_connection("Team catalog")
    assert shared.open_connection("Team catalog") is first
    assert len(first.list_collections()) == 2

    one = DEMO / "demo-landsat-greenland" / "collection.json"
    store.save(Connection("Team catalog", "static", str(one)), old_name="Team catalog")
    second = shared.open_connection("Team catalog")
    assert second is not first
    assert [c.id for c in second.list_collections()] == ["demo-landsat-greenland"]

    store.remove("Team catalog")
    with pytest.raises(EoSceneFinderError, match="Team catalog"):
        shared.open_connection("Team catalog")


def test_corrected_credentials_work_without_restarting(saved_connections, memory_keyring,
                                                      dinamis_signing_server, storage_server):
    dinamis_signing_server.auth = "api_key"
    href = storage_server.href("b", "k", "cog.tif")
    store = saved_connections
    conn = Connection("Signed catalog", "stac-api", "https://stac.example.org",
                      {"signing": "dinamis", "signing_url": dinamis_signing_server.endpoint,
                       "storage_domain": "127.0.0.1"})
    store.save(conn, credentials={"access_key": "AKWRONG", "secret_key": "wrong-secret-value"})
    first = shared.open_connection("Signed catalog")
    with pytest.raises(AuthenticationError):
        first.signer.sign_href(href)
    credential_store().save("Signed catalog", {"access_key": dinamis_signing_server.access_key,
                                               "secret_key": dinamis_signing_server.secret_key})
    second = shared.open_connection("Signed catalog")
    assert second is not first
    assert "X-Amz-Signature=" in second.signer.sign_href(href)
    store.remove("Signed catalog")


def test_failures_are_plain_plugin_errors():
    cache = ProviderCache(saved=lambda: {}, credentials=lambda _c: None)
    with pytest.raises(EoSceneFinderError, match="not a saved connection"):
        cache.open("no such catalog")

    def broken(_connection, **_kwargs):
        raise ValueError("a bug in a provider")

    cache = ProviderCache(saved=lambda: {}, credentials=lambda _c: None, opener=broken)
    with pytest.raises(EoSceneFinderError, match="could not be opened") as info:
        cache.open("demo")
    assert "a bug in a provider" in info.value.details


class WaitForCancel(QgsTask):
    """A task that runs until it is cancelled."""

    def __init__(self):
        super().__init__("wait for cancel", QgsTask.Flag.CanCancel)
        self.started = threading.Event()

    def run(self):
        self.started.set()
        while not self.isCanceled():
            time.sleep(0.005)
        return False


def test_the_task_keeper_holds_tasks_until_they_end_and_cancels_them(qgis_app):
    keeper = TaskKeeper(QgsApplication.taskManager())
    owner, other = object(), object()
    mine, theirs = WaitForCancel(), WaitForCancel()
    keeper.start(mine, owner=owner)
    keeper.start(theirs, owner=other)
    assert mine.started.wait(10) and theirs.started.wait(10)
    assert keeper.running(owner) == [mine] and len(keeper.running()) == 2
    keeper.cancel(owner)
    wait_until(lambda: keeper.running(owner) == [], what="the owner's task to end")
    assert keeper.running() == [theirs]  # the other owner's task runs on
    keeper.cancel()  # unload
    wait_until(lambda: keeper.running() == [], what="every task to end")
