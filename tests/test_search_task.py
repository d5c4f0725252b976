"""The background search task: pages in order, cancellation, errors as plain data, and no
garbage-collection pauses while pages stream in."""
import gc
import time

from qgis.core import QgsApplication
from qgis.PyQt.QtCore import QCoreApplication

from eo_scene_finder.providers.base import Connection
from eo_scene_finder.providers.connections import PRESETS, open_provider
from eo_scene_finder.providers.model import SearchRequest
from eo_scene_finder.tasks.search_task import SearchTask, collections_paused


def run_task(task, timeout=30):
    done = []
    task.searchFinished.connect(lambda t: done.append(t))
    QgsApplication.taskManager().addTask(task)
    deadline = time.monotonic() + timeout
    while not done and time.monotonic() < deadline:
        QCoreApplication.processEvents()
        time.sleep(0.005)
    assert done, "the task never finished"
    return done[0]


def test_pages_stream_with_collections_paused_then_resumed(qgis_app):
    provider = open_provider(PRESETS["demo"].connection(page_size=3))
    seen = []
    task = SearchTask("demo", lambda: provider, SearchRequest.create())
    task.pageReady.connect(lambda page: seen.append((len(page.scenes), gc.isenabled())))
    gc_during = []
    original = task._run

    def spy():
        gc_during.append(gc.isenabled())
        return original()

    task._run = spy
    run_task(task)
    assert sum(n for n, _ in seen) == 8 and len(seen) >= 3
    assert gc_during == [False]  # paused in the worker while pages stream in
    assert gc.isenabled()  # and back on afterwards
    assert task.error is None and task.count == 8


def test_pauses_nest_across_concurrent_searches():
    assert gc.isenabled()
    with collections_paused():
        with collections_paused():
            assert not gc.isenabled()
        assert not gc.isenabled()
    assert gc.isenabled()


def test_an_unreachable_catalog_ends_as_an_error_not_an_exception(qgis_app):
    provider = open_provider(Connection("dead", "stac-api", "http://127.0.0.1:9/"))
    task = run_task(SearchTask("dead", lambda: provider, SearchRequest.create()))
    assert task.error is not None and "could not be reached" in task.error.user_message
    assert gc.isenabled()


def test_footprints_are_built_in_the_task_and_match_the_ones_built_here(qgis_app):
    import threading

    from qgis.core import QgsProject

    from eo_scene_finder.ui.footprints import FootprintLayer

    provider = open_provider(PRESETS["demo"].connection(page_size=3))
    threads = []

    def prepare(scenes):
        threads.append(threading.get_ident())
        return FootprintLayer.prepare_features(scenes, {"demo": "Demo (Processing name)"})

    pages = []
    task = SearchTask("demo", lambda: provider, SearchRequest.create(), prepare=prepare)
    task.pageReady.connect(pages.append)
    run_task(task)
    assert threads and threading.get_ident() not in threads  # built in the worker
    scenes = [s for p in pages for s in p.scenes]
    prepared = [f for p in pages for f in p.prepared]
    assert len(prepared) == len(scenes) == 8

    layer = FootprintLayer(QgsProject.instance(), connection_text=lambda cid: "Demo (Processing name)")
    try:
        drawn = 0
        for page in pages:
            drawn += layer.add_scenes(drawn, page.scenes, features=page.prepared)
        here = FootprintLayer.prepare_features(scenes, {scenes[0].connection: "Demo (Processing name)"})
        got = [f.attributes() for f in layer.layer.getFeatures()]
        assert got == [f.attributes() for f in here if f is not None]
        assert {a[5] for a in got} == {"Demo (Processing name)"}
        assert layer.fid_for_row(0) is not None and layer.fid_for_row(len(got) - 1) is not None
    finally:
        layer.remove()
