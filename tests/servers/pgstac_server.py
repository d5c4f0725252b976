#!/usr/bin/env python3
"""A real STAC API for tests and benchmarks: stac-fastapi-pgstac on a throw-away
PostgreSQL 15 + PostGIS cluster, loaded with the real Planetary Computer records in
``tests/data/stac/``. Standard library only; the server stack lives in ``.venv-stac/``.

The first start initialises a cluster, runs ``pypgstac migrate`` and loads the data, then
keeps the stopped data directory under ``.build/pgstac-cache/<key>/`` (the key hashes the
data files and the pinned requirements). Later starts copy that directory: no re-load.

Outside pytest::

    python3 tests/servers/pgstac_server.py install      # create/refresh .venv-stac
    python3 tests/servers/pgstac_server.py start        # prints the API URL
    python3 tests/servers/pgstac_server.py load-items FILE.ndjson [--collection ID]
    python3 tests/servers/pgstac_server.py status
    python3 tests/servers/pgstac_server.py stop
"""
from __future__ import annotations

import argparse
import contextlib
import fcntl
import hashlib
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Dict, Iterable, Iterator, List, Mapping, Optional, Union

try:
    from . import _proc
except ImportError:  # run as a script: tests/servers/ is sys.path[0]
    import _proc  # type: ignore[no-redef]

REPO = Path(__file__).resolve().parents[2]
STAC_DATA = REPO / "tests" / "data" / "stac"
REQUIREMENTS = REPO / "requirements-stac-server.txt"
BUILD = REPO / ".build"
CACHE_ROOT = BUILD / "pgstac-cache"
LOCK_FILE = BUILD / "pgstac.lock"
STATE_FILE = Path(os.environ.get("PGSTAC_SERVER_STATE",
                                  BUILD / "pgstac-server" / "state.json"))


def _repo_path(value: str) -> Path:
    path = Path(value)
    return path if path.is_absolute() else REPO / path


STAC_VENV = _repo_path(os.environ.get("STAC_VENV", ".venv-stac"))
PG_BIN = Path(os.environ.get("PG_BIN", "/usr/lib/postgresql/15/bin"))
# PostgreSQL refuses to run as root: when we are root, the cluster runs as this user.
PG_OS_USER = os.environ.get("PG_OS_USER", "postgres")

DB_NAME = "pgstac"
DB_USER = "postgres"
DB_PASSWORD = "loopback-test-only"  # throw-away cluster bound to 127.0.0.1
# What the cached database holds, in load order.
DEFAULT_LOAD = (
    ("collections", "collections.ndjson"),
    ("items", "items_sentinel-2-l2a.ndjson"),
    ("items", "items_landsat-8-c2-l2.ndjson"),
    ("items", "items_landsat-c2-l2.ndjson"),
)
CACHE_FORMAT = "2"  # bump when the way the cached cluster is built changes
START_TIMEOUT = 60.0
BUILD_TIMEOUT = 600.0

ItemSource = Union[str, os.PathLike, Iterable[Mapping]]


# --------------------------------------------------------------------------- set-up
@contextlib.contextmanager
def _build_lock() -> Iterator[None]:
    """Serialise venv installs and cache builds between concurrent test sessions."""
    BUILD.mkdir(parents=True, exist_ok=True)
    with open(LOCK_FILE, "a+") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _base_python() -> str:
    if os.environ.get("STAC_PYTHON"):
        return os.environ["STAC_PYTHON"]
    return "/usr/bin/python3" if Path("/usr/bin/python3").exists() else sys.executable


def stac_venv_bin(name: str) -> Path:
    return STAC_VENV / "bin" / name


def ensure_stac_venv(python: Optional[str] = None, quiet: bool = True) -> Path:
    """Create ``.venv-stac`` and install the pinned server stack unless already done."""
    stamp = STAC_VENV / ".requirements.sha256"
    wanted = _sha256_file(REQUIREMENTS)
    with _build_lock():
        ready = (stamp.exists() and stamp.read_text().strip() == wanted
                 and stac_venv_bin("uvicorn").exists() and stac_venv_bin("pypgstac").exists())
        if not ready:
            if not stac_venv_bin("python").exists():
                subprocess.run([python or _base_python(), "-m", "venv", str(STAC_VENV)],
                               check=True)
            pip = [str(stac_venv_bin("python")), "-m", "pip", "install",
                   "--disable-pip-version-check", "-r", str(REQUIREMENTS)]
            if quiet:
                pip.insert(4, "-q")
            subprocess.run(pip, check=True)
            stamp.write_text(wanted + "\n")
        with contextlib.suppress(OSError):  # e.g. a shared venv owned by someone else
            os.utime(stamp)  # make's up-to-date check compares this file's mtime
    return STAC_VENV


def _postgres_version() -> str:
    out = subprocess.run([str(PG_BIN / "postgres"), "--version"], check=True,
                         capture_output=True, text=True)
    return out.stdout.strip()


def cache_key() -> str:
    """Hash of everything the cached cluster depends on."""
    digest = hashlib.sha256()
    digest.update(f"format={CACHE_FORMAT}\n{_postgres_version()}\n".encode())
    digest.update(REQUIREMENTS.read_bytes())
    for kind, name in DEFAULT_LOAD:
        digest.update(f"{kind}:{name}:{_sha256_file(STAC_DATA / name)}\n".encode())
    return digest.hexdigest()[:20]


def _chown_tree(path: Path, user: Optional[str]) -> None:
    if not user or os.geteuid() != 0:
        return
    import pwd

    entry = pwd.getpwnam(user)
    os.chown(path, entry.pw_uid, entry.pw_gid)
    for root, dirs, files in os.walk(path):
        for name in dirs + files:
            os.chown(os.path.join(root, name), entry.pw_uid, entry.pw_gid,
                     follow_symlinks=False)


def _clean_stale_workdirs() -> None:
    """Remove work directories left by killed sessions (their owner pid is gone)."""
    for candidate in Path(tempfile.gettempdir()).glob("eo-pgstac-*"):
        pids = []
        for pidfile in (candidate / "owner.pid", candidate / "pgdata" / "postmaster.pid"):
            try:
                pids.append(int(pidfile.read_text().split()[0]))
            except (OSError, ValueError, IndexError):
                pass
        if not pids or any(_pid_alive(pid) for pid in pids):
            continue  # in use, or not ours to judge
        shutil.rmtree(candidate, ignore_errors=True)


# --------------------------------------------------------------------------- postgres
class PostgresCluster:
    """One PostgreSQL cluster in a work directory, on a loopback port."""

    def __init__(self, workdir: Path, port: Optional[int] = None):
        self.workdir = Path(workdir)
        self.pgdata = self.workdir / "pgdata"
        self.sockdir = self.workdir / "sock"
        self.log_path = self.workdir / "postgres.log"
        self.port = port or _proc.free_port()
        self.process: Optional[_proc.ManagedProcess] = None

    def dsn(self, dbname: str = DB_NAME) -> str:
        return f"postgresql://{DB_USER}:{DB_PASSWORD}@127.0.0.1:{self.port}/{dbname}"

    def initdb(self) -> None:
        self.pgdata.mkdir(mode=0o700)
        pwfile = self.workdir / "pwfile"
        pwfile.write_text(DB_PASSWORD + "\n")
        _chown_tree(self.workdir, PG_OS_USER)
        out = subprocess.run(
            [str(PG_BIN / "initdb"), "-D", str(self.pgdata), "-U", DB_USER,
             f"--pwfile={pwfile}", "--auth-local=trust", "--auth-host=scram-sha-256",
             "--encoding=UTF8", "--locale=C", "--no-sync"],
            capture_output=True, text=True, cwd=self.workdir,
            **_proc.run_as_kwargs(PG_OS_USER))
        pwfile.unlink()
        if out.returncode:
            raise RuntimeError(f"initdb failed:\n{out.stdout}\n{out.stderr}")

    def start(self, attached: bool = True, timeout: float = START_TIMEOUT) -> None:
        self.sockdir.mkdir(exist_ok=True)
        _chown_tree(self.sockdir, PG_OS_USER)
        argv = [str(PG_BIN / "postgres"), "-D", str(self.pgdata), "-p", str(self.port),
                "-c", "listen_addresses=127.0.0.1",
                "-c", f"unix_socket_directories={self.sockdir}",
                "-c", "fsync=off", "-c", "synchronous_commit=off",
                "-c", "full_page_writes=off", "-c", "jit=off",
                "-c", "max_connections=60", "-c", "log_min_messages=warning"]
        # SIGINT = fast shutdown (SIGTERM would wait for client sessions to end).
        self.process = _proc.ManagedProcess("postgres", argv, self.log_path, cwd=self.workdir,
                                            user=PG_OS_USER, stop_signal=signal.SIGINT,
                                            attached=attached)
        _proc.wait_until(self._ready, timeout, f"PostgreSQL on port {self.port}",
                         alive=self.process.alive, log=self.log_path, interval=0.1)

    def _ready(self) -> bool:
        done = subprocess.run([str(PG_BIN / "pg_isready"), "-q", "-h", "127.0.0.1",
                               "-p", str(self.port)], check=False)
        return done.returncode == 0

    def stop(self) -> None:
        if self.process is not None:
            self.process.stop(timeout=30)
            self.process = None

    def psql(self, sql: str, dbname: str = DB_NAME) -> str:
        """Run SQL with psql; returns unaligned, tab-separated output."""
        out = subprocess.run([str(PG_BIN / "psql"), "-X", "-q", "-v", "ON_ERROR_STOP=1",
                              "-At", "-F", "\t", "-d", self.dsn(dbname), "-c", sql],
                             capture_output=True, text=True, env=_clean_env())
        if out.returncode:
            raise RuntimeError(f"psql failed ({sql[:80]}...):\n{out.stderr}")
        return out.stdout


def _clean_env(extra: Optional[Mapping[str, str]] = None) -> Dict[str, str]:
    """The environment for server processes, without the test venv's Python settings."""
    env = {k: v for k, v in os.environ.items()
           if k not in ("PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV", "PYTHONSTARTUP")
           and not k.startswith(("PG", "POSTGRES_"))}
    env.update(extra or {})
    return env


def _pypgstac(args: List[str], dsn: str) -> None:
    out = subprocess.run([str(stac_venv_bin("pypgstac")), *args, "--dsn", dsn],
                         capture_output=True, text=True, env=_clean_env())
    if out.returncode:
        raise RuntimeError(f"pypgstac {' '.join(args)} failed:\n{out.stdout}\n{out.stderr}")


def _build_cache(target: Path) -> None:
    """Initialise, migrate and load a cluster, stop it and keep its data directory."""
    workdir = Path(tempfile.mkdtemp(prefix="eo-pgstac-build-"))
    (workdir / "owner.pid").write_text(str(os.getpid()))
    cluster = PostgresCluster(workdir)
    try:
        cluster.initdb()
        cluster.start(timeout=BUILD_TIMEOUT)
        cluster.psql(f"CREATE DATABASE {DB_NAME}", dbname="postgres")
        _pypgstac(["migrate"], cluster.dsn())
        for kind, name in DEFAULT_LOAD:
            path = STAC_DATA / name
            if kind == "collections":
                path = workdir / name
                _write_ndjson(_loadable_collections(_read_records(STAC_DATA / name)), path)
            _pypgstac(["load", kind, str(path), "--method", "upsert"], cluster.dsn())
        cluster.psql("VACUUM ANALYZE")
        counts = _collection_counts(cluster)
        version = cluster.psql("SELECT pgstac.get_version()").strip()
        cluster.stop()
        staging = target.with_name(target.name + ".tmp")
        shutil.rmtree(staging, ignore_errors=True)
        staging.mkdir(parents=True)
        shutil.copytree(cluster.pgdata, staging / "pgdata", symlinks=True)
        (staging / "meta.json").write_text(json.dumps(
            {"pgstac_version": version, "collections": counts,
             "built": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())}, indent=1))
        staging.rename(target)
    finally:
        cluster.stop()
        shutil.rmtree(workdir, ignore_errors=True)


def _ensure_cache_locked() -> Path:
    key = cache_key()
    target = CACHE_ROOT / key
    if not (target / "meta.json").exists():
        CACHE_ROOT.mkdir(parents=True, exist_ok=True)
        for old in CACHE_ROOT.iterdir():  # keep one cache only
            if old.name != key:
                shutil.rmtree(old, ignore_errors=True)
        _build_cache(target)
    return target


def ensure_cache() -> Path:
    """The cached, loaded (stopped) cluster for the current data and pins."""
    with _build_lock():
        return _ensure_cache_locked()


def copy_cached_cluster(pgdata: Path) -> None:
    """Copy the cached data directory (building it first if needed) to ``pgdata``."""
    with _build_lock():  # no other session rebuilds or prunes the cache meanwhile
        shutil.copytree(_ensure_cache_locked() / "pgdata", pgdata, symlinks=True)


def _loadable_collections(records: Iterable[Mapping]) -> Iterator[Mapping]:
    """Collection records as pgstac can serve them.

    pypgstac loads a collection without ``"type"`` (the recorded STAC 1.0.0-beta.2
    ``landsat-8-c2-l2`` document has none), but the API then answers 404 for it and leaves
    it out of ``/collections``. So ``"type": "Collection"`` is added at load time only;
    the files under tests/data/stac/ stay as recorded.
    """
    for record in records:
        if "type" not in record:
            record = {**record, "type": "Collection"}
        yield record


def _write_ndjson(records: Iterable[Mapping], path: Path) -> int:
    count = 0
    with open(path, "w") as out:
        for record in records:
            out.write(json.dumps(record, separators=(",", ":")) + "\n")
            count += 1
    return count


def _collection_counts(cluster: PostgresCluster) -> Dict[str, int]:
    out = cluster.psql(
        "SELECT c.id, count(i.id) FROM pgstac.collections c "
        "LEFT JOIN pgstac.items i ON i.collection = c.id GROUP BY c.id ORDER BY c.id")
    counts = {}
    for line in out.splitlines():
        if line.strip():
            cid, count = line.split("\t")
            counts[cid] = int(count)
    return counts


# --------------------------------------------------------------------------- the API
class PgstacServer:
    """stac-fastapi-pgstac on its own PostgreSQL cluster, loaded with the real test items.

    ``url`` is the API root; ``collections`` maps collection id to item count (read from
    the database); ``load_items``/``load_collections`` add data to the running server.
    """

    def __init__(self, port: Optional[int] = None, attached: bool = True):
        self.api_port = port
        self.attached = attached
        self.workdir: Optional[Path] = None
        self.cluster: Optional[PostgresCluster] = None
        self.api: Optional[_proc.ManagedProcess] = None
        self.url = ""
        self.startup_seconds = 0.0

    # lifecycle -------------------------------------------------------------------
    def start(self, timeout: float = START_TIMEOUT) -> "PgstacServer":
        ensure_stac_venv()
        ensure_cache()  # a first build is not part of the start-up budget
        started = time.monotonic()
        _clean_stale_workdirs()
        self.workdir = Path(tempfile.mkdtemp(prefix="eo-pgstac-"))
        (self.workdir / "owner.pid").write_text(str(os.getpid()))
        try:
            copy_cached_cluster(self.workdir / "pgdata")
            _chown_tree(self.workdir, PG_OS_USER)
            self.cluster = PostgresCluster(self.workdir)
            self.cluster.start(attached=self.attached, timeout=timeout)
            self._start_api(timeout - (time.monotonic() - started))
        except BaseException:
            self.stop()
            raise
        self.startup_seconds = time.monotonic() - started
        return self

    def _start_api(self, timeout: float) -> None:
        assert self.cluster is not None and self.workdir is not None
        sock = None
        if self.api_port:
            bind = ["--host", "127.0.0.1", "--port", str(self.api_port)]
            port = self.api_port
        else:  # hand uvicorn a bound socket: no race for a free port
            sock = _proc.listening_socket()
            bind = ["--fd", str(sock.fileno())]
            port = sock.getsockname()[1]
        db = {"PGUSER": DB_USER, "PGPASSWORD": DB_PASSWORD, "PGHOST": "127.0.0.1",
              "PGPORT": str(self.cluster.port), "PGDATABASE": DB_NAME}
        legacy = {"POSTGRES_USER": DB_USER, "POSTGRES_PASS": DB_PASSWORD,
                  "POSTGRES_HOST_READER": "127.0.0.1", "POSTGRES_HOST_WRITER": "127.0.0.1",
                  "POSTGRES_PORT": str(self.cluster.port), "POSTGRES_DBNAME": DB_NAME}
        env = _clean_env({**db, **legacy, "DB_MIN_CONN_SIZE": "1", "DB_MAX_CONN_SIZE": "8",
                          "STAC_FASTAPI_TITLE": "EO Scene Finder test STAC API"})
        argv = [str(stac_venv_bin("python")), "-m", "uvicorn",
                "stac_fastapi.pgstac.app:create_app", "--factory", *bind,
                "--log-level", "info", "--no-server-header"]
        log = self.workdir / "stac-api.log"
        try:
            self.api = _proc.ManagedProcess(
                "stac-fastapi-pgstac", argv, log, env=env, cwd=self.workdir,
                pass_fds=[sock.fileno()] if sock else [], attached=self.attached)
        finally:
            if sock is not None:
                sock.close()
        self.url = f"http://127.0.0.1:{port}"
        _proc.wait_until(lambda: _proc.http_status("127.0.0.1", port, "/") == 200,
                         max(timeout, 5.0), f"stac-fastapi-pgstac at {self.url}",
                         alive=self.api.alive, log=log, interval=0.1)

    def stop(self) -> None:
        """Stop the API and the database and delete the work directory."""
        if self.api is not None:
            self.api.stop()
            self.api = None
        if self.cluster is not None:
            self.cluster.stop()
            self.cluster = None
        if self.workdir is not None:
            shutil.rmtree(self.workdir, ignore_errors=True)
            self.workdir = None

    def __enter__(self) -> "PgstacServer":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    # data ------------------------------------------------------------------------
    @property
    def dsn(self) -> str:
        assert self.cluster is not None, "server not started"
        return self.cluster.dsn()

    @property
    def api_log(self) -> Path:
        assert self.workdir is not None
        return self.workdir / "stac-api.log"

    @property
    def collections(self) -> Dict[str, int]:
        """Collection id -> number of items, as stored in the database now."""
        assert self.cluster is not None, "server not started"
        return _collection_counts(self.cluster)

    def load_collections(self, source: ItemSource, method: str = "upsert") -> None:
        """Load collection records (ndjson/JSON file, or dicts) into the running server."""
        records = _read_records(Path(source)) if isinstance(source, (str, os.PathLike)) \
            else source
        with self._ndjson(_loadable_collections(records), None) as path:
            _pypgstac(["load", "collections", str(path), "--method", method], self.dsn)

    def load_items(self, source: ItemSource, collection: Optional[str] = None,
                   method: str = "upsert") -> int:
        """Load items (ndjson or FeatureCollection file, or dicts) into ``collection``
        (when given, it replaces each item's ``collection``); returns how many."""
        if collection is not None and collection not in self.collections:
            raise ValueError(f"collection {collection!r} does not exist; "
                             "load_collections() it first")
        with self._ndjson(source, collection) as path:
            with open(path, "rb") as handle:
                count = sum(1 for line in handle if line.strip())
            _pypgstac(["load", "items", str(path), "--method", method], self.dsn)
        return count

    def load_queryables(self, properties: Mapping[str, Mapping], collections: Iterable[str]) -> None:
        """Declare typed queryables (``{"eo:cloud_cover": {"type": "number"}}``) for
        ``collections``, as Planetary Computer does: pgstac sorts and compares a property it
        has no queryable for as text ("10.07" before "2.03")."""
        assert self.workdir is not None
        fd, tmp = tempfile.mkstemp(suffix=".json", dir=self.workdir)
        with os.fdopen(fd, "w") as handle:
            json.dump({"type": "object", "properties": dict(properties)}, handle)
        try:
            _pypgstac(["load_queryables", tmp, "--collection_ids", json.dumps(list(collections))], self.dsn)
        finally:
            os.unlink(tmp)

    @contextlib.contextmanager
    def _ndjson(self, source: ItemSource, collection: Optional[str]) -> Iterator[Path]:
        if isinstance(source, (str, os.PathLike)):
            path = Path(source)
            if collection is None and path.suffix != ".json":
                yield path  # already ndjson, pass as is
                return
            records: Iterable[Mapping] = _read_records(path)
        else:
            records = source
        assert self.workdir is not None
        if collection is not None:
            records = ({**record, "collection": collection} for record in records)
        fd, tmp = tempfile.mkstemp(suffix=".ndjson", dir=self.workdir)
        os.close(fd)
        try:
            _write_ndjson(records, Path(tmp))
            yield Path(tmp)
        finally:
            os.unlink(tmp)


def _read_records(path: Path) -> Iterator[Mapping]:
    if path.suffix == ".json":
        data = json.loads(path.read_text())
        if isinstance(data, dict) and "features" in data:
            yield from data["features"]
        elif isinstance(data, list):
            yield from data
        else:
            yield data
        return
    with open(path) as handle:
        for line in handle:
            if line.strip():
                yield json.loads(line)


# --------------------------------------------------------------------------- CLI
def _cli_state() -> Optional[dict]:
    try:
        return json.loads(STATE_FILE.read_text())
    except (OSError, ValueError):
        return None


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
        return True
    except ProcessLookupError:
        return False


def _cli_server_from_state(state: dict) -> PgstacServer:
    server = PgstacServer(attached=False)
    server.workdir = Path(state["workdir"])
    server.cluster = PostgresCluster(server.workdir, port=state["db_port"])
    server.url = state["url"]
    return server


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    inst = sub.add_parser("install", help="create/refresh the server venv")
    inst.add_argument("--python", default=None, help="base interpreter for the venv")
    inst.add_argument("--quiet", action="store_true", help="less pip output")
    start = sub.add_parser("start", help="start in the background and print the URL")
    start.add_argument("--port", type=int, default=None, help="API port (default: free)")
    sub.add_parser("stop", help="stop the background server")
    sub.add_parser("status", help="print URL and item counts")
    sub.add_parser("url", help="print the URL of the running server")
    load = sub.add_parser("load-items", help="load items into the running server")
    load.add_argument("path")
    load.add_argument("--collection", default=None)
    loadc = sub.add_parser("load-collections", help="load collections into it")
    loadc.add_argument("path")
    args = parser.parse_args(argv)

    state = _cli_state()
    running = bool(state) and _pid_alive(state["api_pid"]) and _pid_alive(state["db_pid"])

    if args.command == "install":
        ensure_stac_venv(python=args.python, quiet=args.quiet)
        print(STAC_VENV)
        return 0
    if args.command == "start":
        if running:
            print(state["url"])
            return 0
        if state:  # leftovers of a crashed run
            _cli_stop(state)
        server = PgstacServer(port=args.port, attached=False).start()
        assert server.api and server.cluster and server.cluster.process
        STATE_FILE.parent.mkdir(parents=True, exist_ok=True)
        STATE_FILE.write_text(json.dumps({
            "url": server.url, "dsn": server.dsn, "workdir": str(server.workdir),
            "api_pid": server.api.pid, "db_pid": server.cluster.process.pid,
            "db_port": server.cluster.port}, indent=1))
        print(server.url)
        return 0
    if args.command == "stop":
        if state:
            _cli_stop(state)
        return 0
    if not running:
        print("pgstac server is not running (start it first)", file=sys.stderr)
        return 1
    server = _cli_server_from_state(state)
    if args.command == "url":
        print(server.url)
    elif args.command == "status":
        print(json.dumps({"url": server.url, "collections": server.collections}, indent=1))
    elif args.command == "load-items":
        count = server.load_items(args.path, collection=args.collection)
        print(f"loaded {count} items")
    elif args.command == "load-collections":
        server.load_collections(args.path)
    return 0


def _cli_stop(state: dict) -> None:
    _proc.stop_pid(state["api_pid"], signal.SIGTERM)
    _proc.stop_pid(state["db_pid"], signal.SIGINT, timeout=30)
    shutil.rmtree(state["workdir"], ignore_errors=True)
    STATE_FILE.unlink(missing_ok=True)


if __name__ == "__main__":
    sys.exit(main())
