"""A loopback HTTP server that records every request it gets (method, path with its query,
headers) and answers each with a small JSON document: the "other host" that a hostile
catalog points its asset hrefs, ``next`` links and redirects at, so a test can check that
no credential ever reaches it. It listens on 127.0.0.9, a loopback address no test server
of a catalog uses."""
from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import List

# an empty STAC page and an empty OData page at once: a client following a link gets an
# answer it can read, and stops
BODY = b'{"type": "FeatureCollection", "features": [], "links": [], "value": []}'


class RecordingServer:
    def __init__(self, host: str = "127.0.0.9"):
        self.requests: List[dict] = []
        lock = threading.Lock()
        log = self.requests

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args) -> None:  # quiet
                pass

            def _answer(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                if length:
                    self.rfile.read(length)
                with lock:
                    log.append({"method": self.command, "path": self.path, "headers": dict(self.headers.items())})
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(BODY)))
                self.end_headers()
                if self.command != "HEAD":
                    self.wfile.write(BODY)

            do_GET = do_POST = do_HEAD = _answer

        self._server = ThreadingHTTPServer((host, 0), Handler)
        self._server.daemon_threads = True
        self.base = f"http://{host}:{self._server.server_address[1]}"

    def __enter__(self) -> "RecordingServer":
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc) -> None:
        self._server.shutdown()
        self._server.server_close()

    def leaks(self, secrets) -> List[str]:
        """What of ``secrets`` (or an auth header at all) reached this server, in any request's
        path, query, headers or cookies."""
        found = []
        for request in self.requests:
            text = request["path"] + "\n" + "\n".join(f"{k}: {v}" for k, v in request["headers"].items())
            found += [f"{request['path']}: {name}" for name in request["headers"]
                      if name.lower() in ("authorization", "x-auth-token", "cookie", "proxy-authorization")]
            found += [f"{request['path']}: a secret ({s[:4]}…)" for s in secrets if s and s in text]
        return found
