#!/usr/bin/env python3
"""Benchmark the dock against a real stac-fastapi-pgstac collection of 10,000 items.

Reports time to first row, time to all rows, the longest stall of the GUI thread, the
longest garbage collection, time to draw 10,000 footprints, and the HTTP requests needed to
open one remote COG (counted in nginx's access log). Not a test: run it with

    QT_QPA_PLATFORM=offscreen .venv/bin/python benchmarks/ui_search.py [--items 10000]

The stall is measured by a precise single-shot QTimer armed again at each tick, 10 ms
ahead (during the search and one second after it): how late a tick comes after the moment
it was due is how long any event arriving then (a click, a key, a repaint) waited for the
GUI thread. The gap between two ticks, the figure of earlier runs, is that delay plus the
probe's own period, and is printed too. The same probe runs 5 s before the search, to show
what the machine itself costs, and the CPU time the host took from this virtual machine
(steal) during the search is printed: stalls of a few ms come and go with it.

Targets: first rows < 1 s, no stall > 16 ms (one frame at 60 Hz), 10,000 footprints < 1 s, ≤ 3 requests per COG.

``--replay --catalogs 3`` searches three loopback catalogs at once (the same recorded pages
served by three servers: 30,000 rows, each scene from three sources), grouped by scene.
"""
from __future__ import annotations

import argparse
import copy
import gc
import datetime as dt
import json
import os
import sys
import tempfile
import threading
import time
from pathlib import Path

from _setup import REPO  # noqa: E402 - puts eo_scene_finder and the test servers on sys.path
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

COLLECTION = "bench-sentinel-2-l2a"


def derived_items(n: int):
    """``n`` items made from the real Planetary Computer Sentinel-2 items by varying id and date."""
    src = [json.loads(line) for line in (REPO / "tests/data/stac/items_sentinel-2-l2a.ndjson").read_text().splitlines()
           if line.strip()]
    base = dt.datetime(2020, 1, 1, tzinfo=dt.timezone.utc)
    for i in range(n):
        item = copy.deepcopy(src[i % len(src)])
        item["id"] = f"{item['id']}-bench{i:05d}"
        item["collection"] = COLLECTION
        when = base + dt.timedelta(hours=7 * i)
        item["properties"]["datetime"] = when.strftime("%Y-%m-%dT%H:%M:%SZ")
        item["links"] = []
        yield item


def _runqueue_wait() -> float:
    """Seconds this thread has waited for a core (Linux schedstat), to tell a stall by
    the machine's other work from one by the interpreter lock."""
    try:
        with open(f"/proc/self/task/{threading.get_native_id()}/schedstat") as f:
            return int(f.read().split()[1]) / 1e9
    except OSError:
        return 0.0


def _cpu_times():
    """(steal, total) jiffies of the machine (Linux): on a virtual machine, the time the host
    gave its CPUs to others. Stalls of a few ms come and go with it."""
    try:
        with open("/proc/stat") as f:
            fields = [int(v) for v in f.readline().split()[1:]]
        return fields[7] if len(fields) > 7 else 0, sum(fields[:8])
    except (OSError, ValueError):
        return 0, 1


class ReplayedStac:
    """The pages benchmarks/client_cost.py recorded from pgstac, served from memory by a
    separate Python process, as a real catalog is: a server thread inside QGIS's process
    would compete with the GUI thread for the interpreter lock and count in its stalls."""

    def __init__(self, items: int, page_size: int, dated_ids: bool = False):
        import subprocess

        command = [sys.executable, str(Path(__file__).resolve()), "--serve-replay",
                   "--items", str(items), "--page-size", str(page_size)] + (["--dated-ids"] if dated_ids else [])
        self._process = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        self.url = (self._process.stdout.readline() or "").strip()
        if not self.url.startswith("http"):
            self.stop()
            raise RuntimeError("the replay server did not start")

    def stop(self) -> None:
        if self._process.poll() is None:
            self._process.stdin.close()  # the server ends when its input does
            try:
                self._process.wait(timeout=10)
            except Exception:
                self._process.kill()
                self._process.wait()


def serve_replay(items: int, page_size: int, dated_ids: bool) -> int:
    """The replay server's own process (see ReplayedStac): prints its address, then serves
    until its standard input closes."""
    import argparse as _argparse
    import re

    import client_cost

    replay = client_cost.stac_replay(_argparse.Namespace(items=items, page_size=page_size))
    httpd, url = client_cost.serve(replay)
    client_cost.stac_prepare(replay, url)
    coll = json.loads((REPO / "tests/data/stac/collections.ndjson").read_text().splitlines()[0])
    coll = dict(coll, id=COLLECTION, title="Benchmark: Sentinel-2 L2A (derived)", links=[])
    replay.routes["/collections"] = json.dumps({"collections": [coll], "links": []}).encode()
    replay.routes[f"/collections/{COLLECTION}"] = json.dumps(coll).encode()
    if dated_ids:
        # each derived item's own date in its id (``…_20240516T…-bench00042`` keeps the real
        # item's date otherwise), so the scenes are distinct acquisitions: grouped by scene
        # key, the same id from several catalogs makes one group, different ids do not merge
        base = dt.datetime(2020, 1, 1, tzinfo=dt.timezone.utc)

        def dated(m):
            day = (base + dt.timedelta(hours=7 * int(m.group(4)))).strftime("%Y%m%d").encode()
            return m.group(1) + day + m.group(3) + b"-bench" + m.group(4)
        pattern = re.compile(rb"(S2[AB]_MSIL2A_)(\d{8})(T\d{6}_R\d{3}_T\w{5}_\w+?)-bench(\d{5})")
        replay.pages = [pattern.sub(dated, page) for page in replay.pages]
    print(url, flush=True)
    sys.stdin.read()
    httpd.shutdown()
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--items", type=int, default=10_000)
    parser.add_argument("--page-size", type=int, default=1000)
    parser.add_argument("--idle-seconds", type=float, default=5.0,
                        help="heartbeat with no search first, to see the machine's own stalls")
    parser.add_argument("--settle-seconds", type=float, default=1.0,
                        help="heartbeat after the search ends (counted in the longest stall)")
    parser.add_argument("--heartbeat-ms", type=int, default=10,
                        help="the probe's period (precise timer, armed again at each tick)")
    parser.add_argument("--poll", action="store_true",
                        help="run the event loop as processEvents() + 1 ms sleeps in Python (the earlier "
                             "runs' loop) instead of a QEventLoop like QGIS's")
    parser.add_argument("--replay", action="store_true",
                        help="serve the pages client_cost.py recorded from memory (pages back to back, "
                             "the client's own cost only) instead of a live stac-fastapi-pgstac")
    parser.add_argument("--catalogs", type=int, default=1,
                        help="search this many catalogs at once, grouped (with --replay: the same pages "
                             "served by that many servers)")
    parser.add_argument("--ungrouped", action="store_true", help="several catalogs: one row per catalog")
    parser.add_argument("--serve-replay", action="store_true", help=argparse.SUPPRESS)  # see ReplayedStac
    parser.add_argument("--dated-ids", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve_replay:
        return serve_replay(args.items, args.page_size, args.dated_ids)
    if args.catalogs > 1 and not args.replay:
        parser.error("--catalogs needs --replay")

    from qgis.core import QgsApplication, QgsCoordinateReferenceSystem, QgsProject
    from qgis.gui import QgsMapCanvas
    from qgis.PyQt.QtCore import QCoreApplication, QEventLoop, Qt, QTimer
    from qgis.PyQt.QtWidgets import QMainWindow

    app = QgsApplication([], True)
    app.initQgis()

    from servers.nginx_server import NginxServer
    from servers.pgstac_server import PgstacServer

    from eo_scene_finder.providers.base import Connection
    from eo_scene_finder.providers.net import jsonstream
    if os.environ.get("BENCH_SWITCH_INTERVAL"):
        jsonstream.GUI_SWITCH_INTERVAL = float(os.environ["BENCH_SWITCH_INTERVAL"])
    if os.environ.get("BENCH_TURN_GRACE"):  # experiments: workers hold back this long after a GUI turn
        jsonstream.GUI_TURN_GRACE = float(os.environ["BENCH_TURN_GRACE"])
    from eo_scene_finder.ui.dock import SceneFinderDock
    from eo_scene_finder.ui.footprints import FootprintLayer

    others = []
    if args.replay:
        server = ReplayedStac(args.items, args.page_size, dated_ids=args.catalogs > 1)
        others = [ReplayedStac(args.items, args.page_size, dated_ids=True) for _ in range(args.catalogs - 1)]
    else:
        print(f"Loading {args.items} derived items into pgstac…", flush=True)
        server = PgstacServer().start()
    nginx = None
    window = None
    try:
        coll = json.loads((REPO / "tests/data/stac/collections.ndjson").read_text().splitlines()[0])
        coll = dict(coll, id=COLLECTION, title="Benchmark: Sentinel-2 L2A (derived)")
        if not args.replay:
            server.load_collections([coll])
            server.load_items(derived_items(args.items))

        class Iface:  # the parts of QgisInterface the dock uses
            def __init__(self):
                self.window = QMainWindow()
                self.canvas = QgsMapCanvas(self.window)
                self.canvas.setDestinationCrs(QgsCoordinateReferenceSystem("EPSG:4326"))

            def mapCanvas(self):  # noqa: N802
                return self.canvas

            def mainWindow(self):  # noqa: N802
                return self.window

            def messageBar(self):  # noqa: N802
                from qgis.gui import QgsMessageBar
                return QgsMessageBar()

            def activeLayer(self):  # noqa: N802
                return None

        iface = Iface()
        window = iface.window
        dock = SceneFinderDock(iface)
        name = "bench"
        dock._connections[name] = Connection(name=name, kind="stac-api", url=server.url,
                                             options={"page_size": args.page_size})
        dock.connection_combo.addItem(name, name)
        dock.select_connection(name)
        for i, other in enumerate(others, 2):
            dock._connections[f"{name}{i}"] = Connection(name=f"{name}{i}", kind="stac-api", url=other.url,
                                                         options={"page_size": args.page_size})
            dock.connection_combo.addItem(f"{name}{i}", f"{name}{i}")
        dock.set_checked_connections([name] + [f"{name}{i}" for i in range(2, args.catalogs + 1)])
        dock.group_button.setChecked(not args.ungrouped)
        deadline = time.monotonic() + 60
        while dock.collections_model.rowCount() == 0 and time.monotonic() < deadline:
            QCoreApplication.processEvents()
            time.sleep(0.005)
        dock.set_selected_collections([COLLECTION])
        dock.use_dates.setChecked(False)
        dock.cloud_slider.setValue(100)
        dock.limit_spin.setValue(0)
        dock.sort_combo.setCurrentIndex(3)  # server order

        for name in filter(None, os.environ.get("BENCH_NO", "").split(",")):  # experiments: skip a step
            owner, _, attr = name.rpartition(".")
            setattr(eval(owner, {"dock": dock}), attr, lambda *a, **k: None)
        # QGIS builds its global expression scope when it starts (the canvas, the layouts,
        # the status bar): the first time in a process it runs `whoami`
        # (QgsApplication::userLoginName(), then cached), a fork of the whole process on the
        # GUI thread, 40-150 ms here, which the zoom to the first search's results would
        # otherwise pay in this script only
        from qgis.core import QgsExpressionContextUtils
        QgsExpressionContextUtils.globalScope()
        # heartbeat: the longest gap between ticks is the longest GUI stall
        beat = {"last": time.perf_counter(), "max": 0.0}

        gaps = []
        long_delays = []
        cpu_gaps = []  # (at s, GUI-thread CPU ms since the last beat) over 8 ms

        def tick():
            now = time.perf_counter()
            beat["max"] = max(beat["max"], now - beat["last"])
            # the GUI thread's own CPU time since the last beat: its work, without the time it
            # waited for the interpreter lock or for a core (what a busy machine adds)
            cpu = time.thread_time()
            beat["cpu_max"] = max(beat.get("cpu_max", 0.0), cpu - beat.get("cpu", cpu))
            if cpu - beat.get("cpu", cpu) > 0.008:
                cpu_gaps.append((round(now - t0, 3), round(1000 * (cpu - beat["cpu"]), 1)))
            beat["cpu"] = cpu
            if now - beat["last"] > float(os.environ.get("BENCH_GAP_MS", "50")) / 1000:
                gaps.append((round(now - t0, 3), round(1000 * (now - beat["last"]))))
            beat["last"] = now
            # how late this tick came after the moment it was due: how long an event that
            # arrived then waited for the GUI thread (the stall), whatever the probe's period
            delay = now - beat["armed"] - args.heartbeat_ms / 1000
            beat["delay_max"] = max(beat.get("delay_max", 0.0), delay)
            if os.environ.get("BENCH_TRACE") and delay > 0.012:  # where the other threads are then
                import threading as _threading
                import traceback as _traceback
                where = []
                for tid, frame in sys._current_frames().items():
                    if tid != _threading.get_ident():
                        where.append(" < ".join(f"{Path(f.filename).name}:{f.lineno} {f.name}"
                                                for f in reversed(_traceback.extract_stack(frame)[-4:])))
                where.insert(0, f"GUI since the last tick: cpu {1000 * (time.thread_time() - beat.get('tcpu', 0)):.1f} ms, "
                                f"waiting for a core {1000 * (_runqueue_wait() - beat.get('rq', 0)):.1f} ms")
                long_delays.append((round(now - t0, 3), round(1000 * delay, 1), where))
            if os.environ.get("BENCH_TRACE"):
                beat["tcpu"], beat["rq"] = time.thread_time(), _runqueue_wait()
            if beat["on"]:
                beat["armed"] = time.perf_counter()
                timer.start()  # single shot, armed again: each tick is due one period after the last

        timer = QTimer()
        # a precise timer: Qt's default coarse one may fire up to 5 % late by design, and read
        # 11-19 ms on an idle machine (--heartbeat-ms 1 measures within ~1 ms, but its
        # thousand wake-ups a second compete for the interpreter lock themselves)
        timer.setTimerType(Qt.TimerType.PreciseTimer)
        timer.setInterval(args.heartbeat_ms)
        timer.setSingleShot(True)
        timer.timeout.connect(tick)
        first_row = {"t": None}
        if os.environ.get("BENCH_TRACE"):
            orig = dock.search_controller._page_arrived
            def traced(page, _orig=orig):
                s = time.perf_counter(); _orig(page)
                print(f"{time.perf_counter() - t0:.3f}s page of {len(page.scenes)} handled in {1000*(time.perf_counter()-s):.0f} ms; max gap so far {1000*beat['max']:.0f} ms", flush=True)
            dock.search_controller._page_arrived = traced  # connected when the search starts
            slices = []
            for owner, name in ((dock.results_model, "append_scenes"), (dock.footprints, "add_scenes"),
                                (dock.search_controller, "_pump_rows"),
                                (dock.search_controller, "_report"), (dock, "_show_results_on_map"),
                                (dock.timeline, "rebin")):
                def timed(*a, _orig=getattr(owner, name), _name=name, **kw):
                    s, c, q = time.perf_counter(), time.thread_time(), _runqueue_wait()
                    out = _orig(*a, **kw)
                    slices.append((round(s - t0, 3), _name, round(1000 * (time.perf_counter() - s), 1),
                                   f"cpu {1000 * (time.thread_time() - c):.1f}",
                                   f"runqueue {1000 * (_runqueue_wait() - q):.1f}"))
                    return out
                setattr(owner, name, timed)
            for timer_, slot in ((dock.search_controller._row_pump, dock.search_controller._pump_rows),
                                 (dock.timeline._rebin_timer, dock.timeline.rebin)):
                timer_.timeout.disconnect()  # connected to the unwrapped method
                timer_.timeout.connect(slot)
        # the same heartbeat with no search running: what the machine itself costs
        t0 = time.perf_counter()
        beat["on"], beat["armed"] = True, time.perf_counter()
        timer.start()
        beat["last"], idle_end = time.perf_counter(), time.perf_counter() + args.idle_seconds
        while time.perf_counter() < idle_end:
            app.processEvents()
            time.sleep(0.001)
        beat["on"] = False
        timer.stop()
        idle_stall_ms, beat["max"] = beat["max"] * 1000, 0.0
        idle_delay_ms, beat["delay_max"] = beat["delay_max"] * 1000, 0.0
        long_delays.clear()
        gaps.clear()
        cpu_gaps.clear()

        samples = {}
        if os.environ.get("BENCH_TRACE") == "2":  # where the threads are during a long gap
            import collections
            import threading
            import traceback
            samples = collections.Counter()
            main_id = threading.get_ident()

            def sampler():
                while beat["on"] or not samples:
                    time.sleep(0.002)
                    if time.perf_counter() - beat["last"] > float(os.environ.get("BENCH_SAMPLE_MS", "12")) / 1000:
                        frames = sys._current_frames()
                        key = []
                        for tid, frame in frames.items():
                            if tid == threading.get_ident():
                                continue
                            stack = traceback.extract_stack(frame)[-3:]
                            key.append(("GUI" if tid == main_id else "T") + ": " + " < ".join(
                                f"{Path(f.filename).name}:{f.lineno} {f.name}" for f in reversed(stack)))
                        phase = "after the search" if dock.search_task is None else "during"
                        samples[(phase,) + tuple(sorted(key))] += 1
            threading.Thread(target=sampler, daemon=True).start()
        collections = {"start": 0.0, "max": 0.0, "n": 0}

        def on_gc(phase, info):
            if phase == "start":
                collections["start"] = time.perf_counter()
            else:
                collections["n"] += 1
                collections["max"] = max(collections["max"], time.perf_counter() - collections["start"])

        gc.callbacks.append(on_gc)
        beat.pop("cpu", None)
        beat["cpu_max"] = 0.0
        perf = None
        if os.environ.get("BENCH_PERF"):  # scheduler events of the search, for `perf script`
            import signal
            import subprocess
            perf = subprocess.Popen(["perf", "record", "-q", "-e", "sched:sched_switch", "-e", "sched:sched_waking",
                                     "--call-graph", "dwarf,16384", "-m", "16384", "-o", os.environ["BENCH_PERF"],
                                     "-t", str(os.getpid())])
            time.sleep(1.5)
        profile = None
        if os.environ.get("BENCH_PROFILE"):  # the GUI thread's Python during the search
            import cProfile
            profile = cProfile.Profile(time.thread_time)
            profile.enable()
        steal_before = _cpu_times()
        t0 = time.perf_counter()
        task = dock.start_search()
        task.pageReady.connect(lambda _p: first_row.__setitem__("t", first_row["t"] or time.perf_counter()))
        beat["last"] = time.perf_counter()
        beat["on"], beat["armed"] = True, time.perf_counter()
        timer.start()
        ended = {"t": None}
        if args.poll:
            while dock.search_task is not None and time.perf_counter() - t0 < 600:
                app.processEvents()
                time.sleep(0.001)
            ended["t"] = time.perf_counter()
            # the heartbeat goes on after the search: what follows its end (the garbage
            # collector resuming, the last repaint) stalls QGIS as much as what happens during it
            settle_end = time.perf_counter() + args.settle_seconds
            while time.perf_counter() < settle_end:
                app.processEvents()
                time.sleep(0.001)
        else:  # QGIS's own event loop: Qt waits for events in C++, Python runs only in slots
            loop = QEventLoop()

            def running(on):
                if not on and ended["t"] is None:
                    ended["t"] = time.perf_counter()
                    QTimer.singleShot(int(args.settle_seconds * 1000), loop.quit)

            dock.search_controller.runningChanged.connect(running)
            if os.environ.get("BENCH_TRACE"):
                events = []
                iface.canvas.renderStarting.connect(lambda: events.append((round(time.perf_counter() - t0, 3), "render starts")))
                iface.canvas.mapCanvasRefreshed.connect(lambda: events.append((round(time.perf_counter() - t0, 3), "rendered")))
                dock.search_controller.runningChanged.connect(lambda on: events.append((round(time.perf_counter() - t0, 3), f"running {on}")))
            QTimer.singleShot(600_000, loop.quit)
            loop.exec_()
        t_all = (ended["t"] or time.perf_counter()) - t0
        steal_after = _cpu_times()
        stolen = 100 * (steal_after[0] - steal_before[0]) / max(1, steal_after[1] - steal_before[1])
        if profile is not None:
            import pstats
            profile.disable()
            pstats.Stats(profile).sort_stats("tottime").print_stats(25)
        beat["on"] = False
        timer.stop()
        if perf is not None:
            perf.send_signal(signal.SIGINT)
            perf.wait()
            print(f"GUI thread {os.getpid()}, search started at {t0:.4f} (perf_counter)")
        gc.callbacks.remove(on_gc)
        if os.environ.get("BENCH_TRACE"):
            print("GUI gaps (at s, ms):", gaps)
            for at, ms, where in long_delays:
                print(f"delay {ms} ms at {at} s; other threads:", *where, sep="\n    ")
            print("events:", locals().get("events", [])[-12:])
            print("GUI-thread CPU over 8 ms between beats (at s, ms):", cpu_gaps)
            for key, n in (samples.most_common(8) if samples else []):
                print(n, "\n   ".join(key))
            print("slowest slices (at s, what, ms):", sorted(slices, key=lambda x: -x[2])[:12])
        rows = dock.results_model.rowCount()
        stall_ms = beat["max"] * 1000

        # footprints alone: the ones the panel shows (10,000 scenes; grouped, one per scene,
        # not one per catalog) as polygons into a fresh layer
        scenes = dock.shown_model.scenes()
        fl = FootprintLayer(QgsProject.instance())
        t1 = time.perf_counter()
        fl.add_scenes(0, scenes)
        t_fp = time.perf_counter() - t1

        # the timeline over every scene: counting per bin, then drawing (both on the GUI thread)
        t1 = time.perf_counter()
        dock.timeline.rebin(full=True)
        t_tl_count = time.perf_counter() - t1
        dock.timeline.resize(400, 70)
        t1 = time.perf_counter()
        dock.timeline.grab()
        t_tl_draw = time.perf_counter() - t1

        # requests to open one remote COG through the panel's streaming task
        cog_root = Path(tempfile.mkdtemp(prefix="bench-cog-"))
        (cog_root / "cog.tif").write_bytes((REPO / "tests/data/cog/cog.tif").read_bytes())
        nginx = NginxServer(cog_root).start()
        nginx.clear_log()
        from eo_scene_finder.tasks.raster_task import OpenRemoteRasterTask

        href = f"/vsicurl/{nginx.url}/cog.tif"
        rt = OpenRemoteRasterTask("bench open", lambda: href, "bench cog", QgsProject.instance())
        QgsApplication.taskManager().addTask(rt)
        deadline = time.monotonic() + 60
        while rt.layer is None and rt.error is None and time.monotonic() < deadline:
            app.processEvents()
            time.sleep(0.005)
        cog_requests = [r for r in nginx.requests() if r.uri.startswith("/cog")]

        def row(label, value, target, ok):
            print(f"| {label:<34} | {value:>12} | {target:>10} | {'yes' if ok else 'NO':>4} |")

        print()
        source = "pages replayed from memory" if args.replay else "stac-fastapi-pgstac"
        if args.catalogs > 1:
            view = "one per catalog" if args.ungrouped else "grouped by scene"
            source += f" by {args.catalogs} catalogs at once, shown as {dock.shown_model.rowCount()} rows ({view})"
        print(f"Dock benchmark: {rows} scenes from {source}, page size {args.page_size}")
        print("| measure                            |        value |     target | met  |")
        print("|------------------------------------|--------------|------------|------|")
        first = (first_row["t"] - t0) if first_row["t"] else float("nan")
        row("time to first row", f"{first * 1000:.0f} ms", "< 1000 ms", first < 1)
        row("time to all rows", f"{t_all:.2f} s", "-", True)
        period = args.heartbeat_ms
        delay_ms = beat["delay_max"] * 1000
        row("longest GUI stall (event delay)", f"{delay_ms:.1f} ms", "<= 16 ms", delay_ms <= 16)
        row(f"same, idle {args.idle_seconds:g} s, no search", f"{idle_delay_ms:.1f} ms", "-", True)
        row(f"longest gap between {period} ms ticks", f"{stall_ms:.0f} ms", "-", True)
        row(f"same, idle {args.idle_seconds:g} s, no search", f"{idle_stall_ms:.0f} ms", "-", True)
        row("GUI thread CPU between two ticks", f"{beat['cpu_max'] * 1000:.0f} ms", "-", True)
        row("longest garbage collection", f"{collections['max'] * 1000:.1f} ms", "-", True)
        row("CPU time the host took (steal)", f"{stolen:.0f} %", "-", True)
        row(f"draw {len(scenes)} footprints", f"{t_fp * 1000:.0f} ms", "< 1000 ms", t_fp < 1)
        row("HTTP requests to open one COG", f"{len(cog_requests)}", "<= 3", len(cog_requests) <= 3)
        counted = len(dock.timeline._points)  # grouped: one per scene, not per catalog
        row(f"timeline: count {counted} scenes", f"{t_tl_count * 1000:.1f} ms", "< 16 ms", t_tl_count < 0.016)
        row("timeline: draw", f"{t_tl_draw * 1000:.1f} ms", "< 16 ms", t_tl_draw < 0.016)
        dock.shutdown()
        fl.remove()
        return 0
    finally:
        # Qt objects go while the application still runs: left to the interpreter's exit, the
        # window (dock, tables...) was destroyed after QgsApplication, and a table header
        # reacting to its model's deletion started a timer on a thread that no longer had an
        # event dispatcher ("QBasicTimer can only be used with threads started with QThread").
        if window is not None:
            from qgis.PyQt import sip

            sip.delete(window)  # the dock and its widgets are its children
        QgsProject.instance().clear()
        app.exitQgis()
        if nginx is not None:
            nginx.stop()
        server.stop()
        for other in others:
            other.stop()


if __name__ == "__main__":
    sys.exit(main())
