"""nginx on loopback for tests: static files with byte ranges, ETag/Last-Modified, and an
access log the tests read to count requests. Standard library only.

Extra ``location`` blocks can be added to the server (throttled downloads with
``limit_rate``, ``max_ranges 0;`` to ignore ranges, ``return 503;``...).
"""
from __future__ import annotations

import http.client
import json
import os
import shutil
import signal
import subprocess
import tempfile
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import List, Optional

try:
    from . import _proc
except ImportError:  # run as a script
    import _proc  # type: ignore[no-redef]

NGINX = os.environ.get("NGINX", "/usr/sbin/nginx")
SYNC_PREFIX = "/__eo_log_sync__/"

# One JSON object per line (escape=json makes every value safe to embed).
_LOG_FORMAT = (
    '{"time":$msec,"method":"$request_method","uri":"$uri","args":"$args",'
    '"status":$status,"range":"$http_range","bytes_sent":$bytes_sent,'
    '"body_bytes_sent":$body_bytes_sent,"request_time":$request_time,"content_range":"$sent_http_content_range",'
    '"connection":$connection,"connection_requests":$connection_requests,'
    '"user_agent":"$http_user_agent","protocol":"$server_protocol"}'
)

_CONFIG = """\
daemon off;
master_process on;
worker_processes 1;
{user}
pid {tmp}/nginx.pid;
error_log {tmp}/error.log info;
events {{ worker_connections 512; }}
http {{
    types {{
        image/tiff tif tiff;
        application/json json;
        application/geo+json geojson;
        application/xml xml;
        text/plain txt md;
        text/html html;
        application/zip zip;
        application/x-netcdf nc;
        image/png png;
        image/jpeg jpg jpeg;
    }}
    default_type application/octet-stream;
    log_format eo escape=json '{log_format}';
    access_log {tmp}/access.log eo;
    client_body_temp_path {tmp}/client_body;
    proxy_temp_path {tmp}/proxy;
    fastcgi_temp_path {tmp}/fastcgi;
    uwsgi_temp_path {tmp}/uwsgi;
    scgi_temp_path {tmp}/scgi;
    sendfile on;
    tcp_nopush on;
    keepalive_timeout 65;
    server_tokens off;
    server {{
        listen 127.0.0.1:{port};
        server_name localhost;
        root {root};
        location ^~ {sync_prefix} {{ return 204; }}
{extra}
    }}
}}
"""


@dataclass(frozen=True)
class LoggedRequest:
    """One access-log line: what nginx received and what it sent."""

    method: str
    uri: str
    args: str
    status: int
    range: str
    bytes_sent: int
    body_bytes_sent: int
    request_time: float
    content_range: str
    connection: int
    connection_requests: int
    user_agent: str
    protocol: str
    time: float


class NginxServer:
    """nginx serving ``root`` on 127.0.0.1 (``url``), run in the foreground as a child.

    ``extra_locations`` is nginx configuration pasted inside the ``server`` block, e.g.
    ``location /slow/ { limit_rate 50k; }``. Without one for ``/``, nginx serves ``root``.
    """

    def __init__(self, root: os.PathLike, extra_locations: str = "",
                 port: Optional[int] = None, attached: bool = True):
        self.root = Path(root).resolve()
        self.extra_locations = extra_locations
        self.attached = attached
        self.tmp = Path(tempfile.mkdtemp(prefix="eo-nginx-"))
        self.port = port or _proc.free_port()
        self.process: Optional[_proc.ManagedProcess] = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def access_log(self) -> Path:
        return self.tmp / "access.log"

    @property
    def error_log(self) -> Path:
        return self.tmp / "error.log"

    def _write_config(self) -> Path:
        user = "user root root;" if os.geteuid() == 0 else ""  # workers read test-owned dirs
        indented = "\n".join("        " + line for line in self.extra_locations.splitlines())
        config = _CONFIG.format(user=user, tmp=self.tmp, port=self.port, root=self.root,
                                log_format=_LOG_FORMAT, sync_prefix=SYNC_PREFIX,
                                extra=indented)
        path = self.tmp / "nginx.conf"
        path.write_text(config)
        return path

    def start(self, timeout: float = 15.0) -> "NginxServer":
        """Start nginx; if the port was taken meanwhile, retry on another free port."""
        for attempt in range(5):
            config = self._write_config()
            test = subprocess.run([NGINX, "-t", "-q", "-p", str(self.tmp), "-c",
                                         str(config), "-e", str(self.error_log)],
                                        capture_output=True, text=True)
            if test.returncode:
                raise RuntimeError(f"nginx rejected its configuration:\n{test.stderr}\n"
                                   f"--- {config} ---\n{config.read_text()}")
            self.process = _proc.ManagedProcess(
                "nginx", [NGINX, "-p", str(self.tmp), "-c", str(config),
                          "-e", str(self.error_log)],
                self.tmp / "nginx.stdout", stop_signal=signal.SIGQUIT, attached=self.attached)
            try:
                _proc.wait_until(lambda: _proc.http_status(
                    "127.0.0.1", self.port, SYNC_PREFIX + "ready") == 204, timeout,
                    f"nginx at {self.url}", alive=self.process.alive, log=self.error_log)
                return self
            except RuntimeError:
                self.process.stop()
                if "Address already in use" not in _proc.tail(self.error_log) or attempt == 4:
                    raise
                self.port = _proc.free_port()
        return self

    def stop(self) -> None:
        """Stop nginx (graceful, then SIGKILL); the log stays readable."""
        if self.process is not None:
            self.process.stop(timeout=10)
            self.process = None

    def restart(self, extra_locations: Optional[str] = None) -> "NginxServer":
        """Stop and start again on the same port (optionally with new locations)."""
        self.stop()
        if extra_locations is not None:
            self.extra_locations = extra_locations
        return self.start()

    def close(self) -> None:
        """Stop and delete the temporary directory (config, logs)."""
        self.stop()
        shutil.rmtree(self.tmp, ignore_errors=True)

    # ------------------------------------------------------------------ access log
    def clear_log(self) -> None:
        """Forget all requests logged so far (nginx appends, so truncation is safe)."""
        self.sync_log()
        with open(self.access_log, "w"):
            pass

    def sync_log(self, timeout: float = 5.0) -> None:
        """Wait until every request nginx has answered so far is in the access log.

        nginx writes a log line after it has sent the response, so a client can see the
        bytes before the line exists. nginx runs one worker that handles events in order:
        once a marker request sent now is logged, all earlier requests are too.
        """
        if self.process is None or not self.process.alive():
            return
        marker = SYNC_PREFIX + uuid.uuid4().hex
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        try:
            conn.request("GET", marker)
            conn.getresponse().read()
        finally:
            conn.close()
        _proc.wait_until(lambda: marker in self._read_log_text(), timeout,
                         "nginx access log sync", log=self.error_log, interval=0.01)

    def _read_log_text(self) -> str:
        try:
            return self.access_log.read_text()
        except FileNotFoundError:
            return ""

    def requests(self, sync: bool = True) -> List[LoggedRequest]:
        """The requests logged since the last ``clear_log()``, oldest first (without the
        log-sync markers). ``sync`` first waits for requests still being logged."""
        if sync:
            self.sync_log()
        found = []
        for line in self._read_log_text().splitlines():
            if not line.strip():
                continue
            fields = json.loads(line)
            if fields["uri"].startswith(SYNC_PREFIX):
                continue
            found.append(LoggedRequest(**fields))
        return found


if __name__ == "__main__":  # manual use: serve a directory until Ctrl-C
    import sys

    server = NginxServer(sys.argv[1] if len(sys.argv) > 1 else ".").start()
    print(server.url, flush=True)
    try:
        while server.process and server.process.alive():
            time.sleep(1)
    except KeyboardInterrupt:
        pass
    finally:
        server.close()
