"""A fault-injecting HTTP/1.1 reverse proxy on loopback, put in front of the real test servers
(nginx, stac-fastapi-pgstac, the protocol servers).

Each request is read whole, forwarded to the upstream on a fresh connection (``Connection:
close``), and its response read whole; then, at ``rate``, one fault is applied to what the
client gets:

- ``reset``: the connection is reset (RST) before any byte of the response;
- ``truncate``: the head and part of the body, then the connection closes;
- ``error``: a 502, 503 or 504 from the "gateway" (the upstream is not asked);
- ``stall``: the body stops for ``stall_seconds`` half-way, then goes on;
- ``drip``: the body in 1 KiB pieces with a pause between them (a slow link);
- ``latency``: a pause before the response head.

Range requests, chunked bodies and any method pass through unchanged (the body is relayed
byte for byte when no fault applies). ``stats`` counts requests, faults by kind and bytes.
The choice of fault is drawn from a seeded random generator, so a run can be replayed.

The same proxy makes an honest server hostile (the untrusted-catalog tests): ``rewrite``
(regular expression → replacement, on response bodies and ``Location`` headers) points hrefs
and ``next`` links elsewhere, ``redirect`` (path expression → base URL) answers matching
requests with a 302 to that base. ``seen`` keeps every request's head (method, path, headers).
"""
from __future__ import annotations

import random
import re
import socket
import struct
import threading
import time
from collections import Counter
from typing import Optional, Sequence, Tuple

FAULTS = ("reset", "truncate", "error", "stall", "drip", "latency")


class ChaosProxy:
    def __init__(self, upstream: Tuple[str, int], rate: float = 0.08, faults: Sequence[str] = FAULTS,
                 seed: int = 1, host: str = "127.0.0.1", stall_seconds: float = 1.0,
                 latency_seconds: float = 0.3, spare_paths: Sequence[str] = (),
                 rewrite: Sequence[Tuple[bytes, bytes]] = (), redirect: Sequence[Tuple[str, str]] = ()):
        self.upstream = upstream
        self.rate = rate
        self.faults = tuple(faults)
        self.host = host
        self.stall_seconds = stall_seconds
        self.latency_seconds = latency_seconds
        self.spare_paths = tuple(spare_paths)  # never faulted (e.g. a health check)
        self.rewrite = [(re.compile(pattern), repl) for pattern, repl in rewrite]
        self.redirect = [(re.compile(pattern), base.rstrip("/")) for pattern, base in redirect]
        self.seen: list = []
        self._random = random.Random(seed)
        self._lock = threading.Lock()
        self.stats: Counter = Counter()
        self._sock: Optional[socket.socket] = None
        self._threads = []
        self._stop = threading.Event()

    # ------------------------------------------------------------------ life
    @property
    def port(self) -> int:
        return self._sock.getsockname()[1]

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def start(self) -> "ChaosProxy":
        self._sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._sock.bind((self.host, 0))
        self._sock.listen(64)
        self._sock.settimeout(0.2)
        thread = threading.Thread(target=self._accept, name="chaos-proxy", daemon=True)
        thread.start()
        self._threads.append(thread)
        return self

    def stop(self) -> None:
        self._stop.set()
        if self._sock is not None:
            self._sock.close()

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()

    def _accept(self) -> None:
        while not self._stop.is_set():
            try:
                client, _ = self._sock.accept()
            except socket.timeout:
                continue
            except OSError:
                return
            threading.Thread(target=self._serve, args=(client,), daemon=True).start()

    # ------------------------------------------------------------------ one connection
    def _draw(self, path: str) -> Optional[str]:
        if any(path.startswith(p) for p in self.spare_paths):
            return None
        with self._lock:
            if self._random.random() >= self.rate:
                return None
            return self._random.choice(self.faults)

    def _count(self, key: str, n: int = 1) -> None:
        with self._lock:
            self.stats[key] += n

    def _serve(self, client: socket.socket) -> None:
        client.settimeout(60)
        try:
            while True:
                request = _read_request(client)
                if request is None:
                    return
                head, body = request
                self._count("requests")
                path = head.split(b" ", 2)[1].decode("latin-1", "replace")
                with self._lock:
                    self.seen.append(_head_record(head))
                target = next((base for pattern, base in self.redirect if pattern.search(path)), None)
                if target is not None:
                    client.sendall(b"HTTP/1.1 302 Found\r\nLocation: " + (target + path).encode("latin-1")
                                   + b"\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
                    client.close()
                    return
                fault = self._draw(path)
                if fault:
                    self._count(f"fault:{fault}")
                if fault == "reset":
                    client.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                    client.close()
                    return
                if fault == "error":
                    status = self._random.choice((b"502 Bad Gateway", b"503 Service Unavailable",
                                                  b"504 Gateway Timeout"))
                    payload = b"chaos proxy: upstream unavailable"
                    client.sendall(b"HTTP/1.1 " + status + b"\r\nContent-Type: text/plain\r\nContent-Length: "
                                   + str(len(payload)).encode() + b"\r\nConnection: close\r\n\r\n" + payload)
                    client.close()
                    return
                response = self._forward(head, body)
                if response is None:
                    client.sendall(b"HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
                    client.close()
                    return
                resp_head, resp_body = response
                if self.rewrite:
                    resp_head, resp_body = self._rewritten(resp_head, resp_body)
                if fault == "latency":
                    time.sleep(self.latency_seconds)
                client.sendall(resp_head)
                if fault == "truncate" and len(resp_body) > 1:
                    cut = self._random.randrange(0, len(resp_body))
                    client.sendall(resp_body[:cut])
                    self._count("bytes", len(resp_head) + cut)
                    client.close()
                    return
                if fault == "stall":
                    half = len(resp_body) // 2
                    client.sendall(resp_body[:half])
                    time.sleep(self.stall_seconds)
                    client.sendall(resp_body[half:])
                elif fault == "drip":
                    for i in range(0, len(resp_body), 1024):
                        client.sendall(resp_body[i:i + 1024])
                        time.sleep(0.001)
                else:
                    client.sendall(resp_body)
                self._count("bytes", len(resp_head) + len(resp_body))
                client.close()  # one request per connection (the head says Connection: close)
                return
        except OSError:
            return
        finally:
            try:
                client.close()
            except OSError:
                pass

    def _rewritten(self, head: bytes, body: bytes):
        """``head`` and ``body`` with the ``rewrite`` replacements (a chunked body is joined
        first; the length is set anew)."""
        lines = head.rstrip(b"\r\n").split(b"\r\n")
        chunked = any(line.lower().startswith(b"transfer-encoding:") and b"chunked" in line.lower()
                      for line in lines[1:])
        if chunked:
            body = _dechunk(body)
        for pattern, repl in self.rewrite:
            body = pattern.sub(repl, body)
        kept = [lines[0]]
        for line in lines[1:]:
            name = line.split(b":", 1)[0].strip().lower()
            if name in (b"content-length", b"transfer-encoding"):
                continue
            if name == b"location":
                for pattern, repl in self.rewrite:
                    line = pattern.sub(repl, line)
            kept.append(line)
        kept.append(b"Content-Length: " + str(len(body)).encode())
        return b"\r\n".join(kept) + b"\r\n\r\n", body

    def _forward(self, head: bytes, body: bytes):
        lines = head.split(b"\r\n")
        dropped = (b"connection:", b"keep-alive:", b"proxy-connection:") + ((b"accept-encoding:",) if self.rewrite else ())
        kept = [lines[0]] + [line for line in lines[1:] if line and not line.lower().startswith(dropped)]
        upstream_head = b"\r\n".join(kept + [b"Connection: close", b"", b""])
        try:
            with socket.create_connection(self.upstream, timeout=60) as up:
                up.sendall(upstream_head + body)
                chunks = []
                while True:
                    data = up.recv(1 << 16)
                    if not data:
                        break
                    chunks.append(data)
        except OSError:
            return None
        raw = b"".join(chunks)
        split = raw.find(b"\r\n\r\n")
        if split < 0:
            return None
        resp_lines = raw[:split].split(b"\r\n")
        resp_lines = [resp_lines[0]] + [line for line in resp_lines[1:] if not line.lower().startswith(
            (b"connection:", b"keep-alive:"))] + [b"Connection: close"]
        return b"\r\n".join(resp_lines) + b"\r\n\r\n", raw[split + 4:]


def _head_record(head: bytes) -> dict:
    lines = head.decode("latin-1").rstrip("\r\n").split("\r\n")
    method, path = (lines[0].split(" ") + ["", ""])[:2]
    headers = {}
    for line in lines[1:]:
        name, _, value = line.partition(":")
        headers[name.strip()] = value.strip()
    return {"method": method, "path": path, "headers": headers}


def _dechunk(body: bytes) -> bytes:
    out, pos = [], 0
    while True:
        end = body.find(b"\r\n", pos)
        if end < 0:
            break
        size = int(body[pos:end].split(b";")[0] or b"0", 16)
        if size == 0:
            break
        out.append(body[end + 2:end + 2 + size])
        pos = end + 2 + size + 2
    return b"".join(out)


def _read_request(sock: socket.socket):
    """One request (head, body) from ``sock``; None at the end of the connection."""
    buf = b""
    while b"\r\n\r\n" not in buf:
        data = sock.recv(1 << 16)
        if not data:
            return None
        buf += data
        if len(buf) > 1 << 20:
            return None
    head, rest = buf.split(b"\r\n\r\n", 1)
    length = 0
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value.strip() or 0)
    while len(rest) < length:
        data = sock.recv(1 << 16)
        if not data:
            return None
        rest += data
    return head + b"\r\n\r\n", rest[:length]
