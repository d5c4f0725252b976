"""Run a real QGIS with the plugin installed from the release zip.

Helpers shared by the tests that need the real executables (QGIS window, qgis_process):

* ``build_plugin_zip(dist_dir)``: ``scripts/package.py`` into ``dist_dir``;
* ``install_plugin(zip, root, profile)``: unpack the zip into a fresh profile and enable it
  (``scripts/qgis_profile.py``, the same code ``make demo`` uses);
* ``run_qgis(body, root, profile, workdir=...)``: start ``qgis.bin`` under ``xvfb-run`` on that
  profile with a ``--code`` script made of a small harness plus ``body``, and return a
  ``QgisRun`` with the JSON result the script wrote and every QGIS message-log entry since
  Python started (hooked through ``PYQGIS_STARTUP``, before any plugin is loaded);
* ``qgis_process_env(root)`` / ``run_qgis_process(args, root)``: ``qgis_process.bin`` (never the
  Debian ``/usr/bin/qgis_process`` wrapper, see qgis-practices.md) on the profile ``default``
  of ``root``.

``body`` is Python run inside QGIS after start-up. It defines ``scenario()``, a generator that
drives the GUI: ``yield <ms>`` lets the event loop run that long, ``yield (predicate, ms)``
waits until ``predicate()`` is true (or ms pass); ``harness.result`` is the JSON written at the
end; ``harness.screenshot(path)`` grabs the main window; ``harness.workdir`` is ``workdir``. Exceptions in ``scenario`` end the run
and are reported in ``result["errors"]``. A watchdog ends QGIS after ``timeout`` seconds even
if a modal dialog blocks the scenario.
"""
from __future__ import annotations

import importlib.util
import json
import os
import shutil
import signal
import subprocess
import sys
import textwrap
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, List, Optional, Sequence

REPO = Path(__file__).resolve().parents[1]
QGIS_BIN = "/usr/bin/qgis.bin"
QGIS_PROCESS_BIN = "/usr/bin/qgis_process.bin"
PLUGIN = "eo_scene_finder"
PYTHON_ERROR_TAG = "Python error"
PYTHON_WARNING_TAG = "Python warning"

# Environment variables of the test process that must not leak into QGIS.
_DROPPED_ENV = ("QT_QPA_PLATFORM", "PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV", "PYTHON_KEYRING_BACKEND",
                "PYTEST_CURRENT_TEST", "PYTEST_ADDOPTS", "PYQGIS_STARTUP", "QGIS_CUSTOM_CONFIG_PATH")


def load_script(name: str):
    """Import ``scripts/<name>.py`` (scripts are not a package)."""
    module_name = f"_eosf_script_{name}"
    if module_name in sys.modules:
        return sys.modules[module_name]
    spec = importlib.util.spec_from_file_location(module_name, REPO / "scripts" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[module_name] = module
    spec.loader.exec_module(module)
    return module


def qgis_available() -> Optional[str]:
    """None when qgis.bin and xvfb-run are there, else what is missing."""
    missing = [p for p in (QGIS_BIN,) if not os.path.exists(p)]
    missing += [tool for tool in ("xvfb-run", "xauth") if shutil.which(tool) is None]
    return ", ".join(missing) or None


def build_plugin_zip(dist_dir: Path, build_dir: Optional[Path] = None, python: str = sys.executable) -> Path:
    """Build the release zip with ``scripts/package.py --offline`` into ``dist_dir`` (wheels from
    ``.build/vendor-cache``, filled by ``make vendor-wheels``: tests never download)."""
    cmd = [python, str(REPO / "scripts" / "package.py"), "--offline", "--dist", str(dist_dir),
           "--vendor-cache", str(REPO / ".build" / "vendor-cache")]
    if build_dir is not None:
        cmd += ["--build-dir", str(build_dir)]
    proc = subprocess.run(cmd, capture_output=True, text=True, cwd=REPO, timeout=600)
    if proc.returncode != 0:
        raise RuntimeError(f"scripts/package.py failed:\n{proc.stdout}\n{proc.stderr}")
    zips = sorted(Path(dist_dir).glob(f"{PLUGIN}-*.zip"))
    if len(zips) != 1:
        raise RuntimeError(f"expected one zip in {dist_dir}, found {zips}")
    return zips[0]


def install_plugin(zip_path: Path, root: Path, profile: str = "default", enable: bool = True) -> Path:
    """Unpack the zip into ``root/profiles/<profile>`` and enable it; return the plugin folder."""
    qgis_profile = load_script("qgis_profile")
    qgis_profile.setup_profile(root, profile, zip_path=zip_path, enable=enable)
    return qgis_profile.plugins_dir(root, profile) / PLUGIN


def empty_profile(root: Path, profile: str = "default") -> Path:
    """A profile with only the quiet/offline settings (for "Install from ZIP" tests)."""
    qgis_profile = load_script("qgis_profile")
    qgis_profile.configure(root, profile, enable=None)
    return qgis_profile.profile_dir(root, profile)


def clean_env(extra: Optional[Dict[str, str]] = None) -> Dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in _DROPPED_ENV}
    env.update(extra or {})
    return env


# --------------------------------------------------------------------------------------------
# code that runs inside QGIS

# PYQGIS_STARTUP: executed by QGIS when Python starts, before plugins are loaded (QGIS 3.22
# executes an absolute PYQGIS_STARTUP path twice, hence the guard).
_EARLY_HOOK_BODY = r'''
import faulthandler as _fh, json as _json, os as _os, sys as _sys, threading as _th, time as _time, types as _types
_early = _types.ModuleType("eosf_qgis_early")
_sys.modules["eosf_qgis_early"] = _early
_early.fault_file = open(_os.environ["EOSF_QGIS_FAULTS"], "w")
_fh.enable(file=_early.fault_file, all_threads=True)
_early.lock = _th.Lock()
_early.started = _time.time()  # Python start in QGIS, before plugins load (benchmarks/plugin_load.py)

def _eosf_on_message(message, tag, level, _early=_early):
    line = _json.dumps({"tag": tag, "level": int(level), "message": message, "time": _time.time()})
    with _early.lock, open(_os.environ["EOSF_QGIS_MESSAGES"], "a", encoding="utf-8") as f:
        f.write(line + "\n")

_early.on_message = _eosf_on_message
# last resort when a modal dialog (e.g. QGIS's Python error dialog) blocks start-up
_early.watchdog = _th.Timer(float(_os.environ["EOSF_QGIS_TIMEOUT"]) + 5, _os._exit, (4,))
_early.watchdog.daemon = True
_early.watchdog.start()
from qgis.core import QgsApplication as _QgsApplication
_QgsApplication.messageLog().messageReceived.connect(_early.on_message)

_blocked = [n for n in _os.environ.get("EOSF_BLOCK_IMPORTS", "").split(",") if n]
if _blocked:
    import importlib.abc as _abc

    class _EosfImportBlocker(_abc.MetaPathFinder):
        """Makes the listed packages look uninstalled (tests of missing dependencies)."""
        def find_spec(self, name, path=None, target=None):
            if name.split(".")[0] in _blocked:
                raise ModuleNotFoundError(f"No module named {name!r}", name=name)
            return None

    for _name in list(_sys.modules):
        if _name.split(".")[0] in _blocked:
            del _sys.modules[_name]
    _sys.meta_path.insert(0, _EosfImportBlocker())
'''
EARLY_HOOK = ("import sys as _sys\nif 'eosf_qgis_early' not in _sys.modules:\n"
              + textwrap.indent(_EARLY_HOOK_BODY, "    "))

HARNESS = r'''
import json, os, sys, traceback, types
from qgis.PyQt.QtCore import QTimer
from qgis.core import QgsApplication, QgsProject
from qgis.utils import iface


class _Harness:
    """Drives a generator scenario inside QGIS and writes its JSON result."""

    def __init__(self):
        self.result = {"errors": [], "excepthook": [], "finished": False, "timed_out": False}
        self.path = os.environ["EOSF_QGIS_RESULT"]
        self.workdir = os.environ["EOSF_QGIS_WORKDIR"]  # artefacts (screenshots) go here
        self._previous_hook = sys.excepthook
        sys.excepthook = self._excepthook
        self._watchdog = QTimer()
        self._watchdog.setSingleShot(True)
        self._watchdog.timeout.connect(self._time_out)
        self._watchdog.start(int(float(os.environ["EOSF_QGIS_TIMEOUT"]) * 1000))
        self._timers = []

    def _excepthook(self, etype, value, tb):
        self.result["excepthook"].append("".join(traceback.format_exception(etype, value, tb)))
        self.write()
        self._previous_hook(etype, value, tb)

    def write(self):
        tmp = self.path + ".tmp"
        with open(tmp, "w", encoding="utf-8") as f:
            json.dump(self.result, f, indent=1, default=repr)
        os.replace(tmp, self.path)

    def screenshot(self, path):
        os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
        ok = iface.mainWindow().grab().save(path)
        self.result.setdefault("screenshots", []).append(path if ok else f"FAILED {path}")
        return ok

    def run(self, scenario):
        self._gen = scenario()
        self._later(0, self._step)

    def _later(self, ms, fn):
        timer = QTimer()
        timer.setSingleShot(True)
        timer.timeout.connect(fn)
        timer.start(int(ms))
        self._timers = [t for t in self._timers if t.isActive()] + [timer]

    def _step(self):
        try:
            wait = next(self._gen)
        except StopIteration:
            self.finish()
            return
        except Exception:
            self.result["errors"].append(traceback.format_exc())
            self.finish()
            return
        if isinstance(wait, tuple):
            predicate, ms = wait
            self._poll(predicate, ms, 0)
        else:
            self._later(wait, self._step)

    def _poll(self, predicate, ms, waited):
        try:
            done = bool(predicate())
        except Exception:
            done = False
        if done or waited >= ms:
            self._later(0, self._step)
        else:
            self._later(50, lambda: self._poll(predicate, ms, waited + 50))

    def finish(self):
        self.result["finished"] = True
        self.write()
        # no "save the project / lose temporary layers?" question on the way out
        QgsProject.instance().clear()
        QgsProject.instance().setDirty(False)
        self._later(0, iface.actionExit().trigger)

    def _time_out(self):
        self.result["timed_out"] = True
        self.write()
        os._exit(3)


harness = _Harness()
iface.mainWindow().resize(1600, 1000)
iface.mainWindow().move(0, 0)
'''

_RUNNER = r'''
try:
    harness.run(scenario)
except NameError:
    harness.result["errors"].append("the test body defines no scenario()")
    harness.finish()
'''


@dataclass
class QgisRun:
    """What a QGIS run left behind."""

    result: dict
    messages: List[dict]
    returncode: Optional[int]
    output: str
    timed_out: bool
    workdir: Path
    faults: str = ""

    def python_errors(self) -> List[str]:
        """Python errors QGIS reported (message log ``Python error``), exceptions that reached
        ``sys.excepthook`` and exceptions raised by the scenario itself."""
        errors = [m["message"] for m in self.messages if m["tag"] == PYTHON_ERROR_TAG]
        return errors + list(self.result.get("excepthook", [])) + list(self.result.get("errors", []))

    def messages_with(self, tag: str) -> List[str]:
        return [m["message"] for m in self.messages if m["tag"] == tag]

    def describe(self) -> str:
        """Everything useful for an assertion message."""
        log = "\n".join(f"[{m['tag']}/{m['level']}] {m['message'][:2000]}" for m in self.messages)
        return (f"returncode={self.returncode} timed_out={self.timed_out} workdir={self.workdir}\n"
                f"result={json.dumps(self.result, indent=1, default=repr)[:6000]}\n"
                f"--- message log ---\n{log[-12000:]}\n--- output ---\n{self.output[-4000:]}\n"
                f"--- faulthandler ---\n{self.faults[-4000:]}")


def run_qgis(body: str, root: Path, profile: str = "default", *, workdir: Path,
             timeout: float = 150, env: Optional[Dict[str, str]] = None,
             block_imports: Sequence[str] = (), screen: str = "1600x1000x24") -> QgisRun:
    """Start a real QGIS window (Xvfb) on ``root/profiles/<profile>`` and run ``body``."""
    workdir = Path(workdir)
    workdir.mkdir(parents=True, exist_ok=True)
    for name in ("result.json", "messages.jsonl", "faults.txt"):
        (workdir / name).unlink(missing_ok=True)
    (workdir / "early.py").write_text(EARLY_HOOK, encoding="utf-8")
    script = workdir / "script.py"
    script.write_text(HARNESS + "\n" + textwrap.dedent(body) + "\n" + _RUNNER, encoding="utf-8")
    runtime = workdir / "xdg-runtime"
    runtime.mkdir(mode=0o700, exist_ok=True)
    run_env = clean_env({
        "PYQGIS_STARTUP": str(workdir / "early.py"),
        "EOSF_QGIS_RESULT": str(workdir / "result.json"),
        "EOSF_QGIS_WORKDIR": str(workdir),
        "EOSF_QGIS_MESSAGES": str(workdir / "messages.jsonl"),
        "EOSF_QGIS_FAULTS": str(workdir / "faults.txt"),
        "EOSF_QGIS_TIMEOUT": str(timeout),
        "EOSF_BLOCK_IMPORTS": ",".join(block_imports),
        "XDG_RUNTIME_DIR": str(runtime),
    })
    run_env.update(env or {})
    cmd = ["xvfb-run", "-a", "-s", f"-screen 0 {screen}", QGIS_BIN, "--noversioncheck", "--nologo",
           "--profiles-path", str(root), "--profile", profile, "--code", str(script)]
    started = time.monotonic()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            env=run_env, cwd=workdir, start_new_session=True)
    timed_out = False
    try:
        output, _ = proc.communicate(timeout=timeout + 30)
    except subprocess.TimeoutExpired:
        timed_out = True
        os.killpg(proc.pid, signal.SIGKILL)
        output, _ = proc.communicate()
    output = f"[{time.monotonic() - started:.1f} s] {' '.join(cmd)}\n{output}"
    (workdir / "qgis-output.txt").write_text(output, encoding="utf-8")
    result_path = workdir / "result.json"
    result = json.loads(result_path.read_text(encoding="utf-8")) if result_path.exists() else {}
    messages = []
    messages_path = workdir / "messages.jsonl"
    if messages_path.exists():
        for line in messages_path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                messages.append(json.loads(line))
    faults_path = workdir / "faults.txt"
    faults = faults_path.read_text(encoding="utf-8", errors="replace") if faults_path.exists() else ""
    timed_out = timed_out or bool(result.get("timed_out")) or proc.returncode in (3, 4)  # the watchdogs
    return QgisRun(result, messages, proc.returncode, output, timed_out, workdir, faults)


# --------------------------------------------------------------------------------------------
# qgis_process

def qgis_process_env(root: Path, extra: Optional[Dict[str, str]] = None) -> Dict[str, str]:
    """Environment for ``qgis_process.bin`` on the profile ``default`` of ``root``."""
    env = clean_env({"QGIS_CUSTOM_CONFIG_PATH": str(root), "QT_QPA_PLATFORM": "offscreen"})
    env.update(extra or {})
    return env


def run_qgis_process(args: Sequence[str], root: Path, *, timeout: float = 300,
                     env: Optional[Dict[str, str]] = None,
                     cwd: Optional[Path] = None) -> subprocess.CompletedProcess:
    """``qgis_process.bin <args>`` with the plugin profile ``root/profiles/default``
    (relative paths in ``args`` are relative to ``cwd``)."""
    return subprocess.run([QGIS_PROCESS_BIN, *args], capture_output=True, text=True, timeout=timeout,
                          env=qgis_process_env(root, env), cwd=cwd)
