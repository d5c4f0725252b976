"""A strict requester-pays front for an S3 server (moto) on loopback.

moto serves S3 itself (ListObjectsV2 with ``Delimiter``/``CommonPrefixes`` and continuation
tokens, GetObject with ``Range``, ETags) and, with its IAM authentication switched on,
checks every SigV4 signature (``SignatureDoesNotMatch``, ``InvalidAccessKeyId``). moto does
not know requester pays, so this front adds what a requester-pays bucket does
(``sentinel-s1-l1c``):

- a request without a SigV4 ``Authorization`` header (anonymous, or signed another way) gets
  ``403 AccessDenied`` — requester-pays buckets refuse anonymous requests (AWS S3 user guide,
  "Using Requester Pays buckets": "anonymous access to that bucket is not allowed");
- a signed request without ``x-amz-request-payer: requester``, or with it left out of the
  signed headers, gets ``403 AccessDenied`` ("Bucket owners need not specify this parameter
  in their requests"; everybody else gets 403: sentinelhub-py issues #43/#57/#119,
  kraftek/awsdownload #15, shared/reference/providers-wave2.md §5);
- the rest goes to moto unchanged (Host header included, so moto verifies the signature).

Only reads (GET, HEAD) are forwarded: the bucket is read-only to the public. Every request
is recorded (method, path, whether it carried the payer header) for the tests.
"""
from __future__ import annotations

import http.client
import threading
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Dict, List

# The body real S3 sends with a 403 (AWS S3 API reference, "Error responses").
_DENIED = ('<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>AccessDenied</Code>'
           '<Message>Access Denied</Message><RequestId>{rid}</RequestId><HostId>{hid}</HostId></Error>')


class RequesterPaysFront:
    """``endpoint`` forwards to moto at ``target_port`` after the requester-pays checks."""

    def __init__(self, target_port: int):
        self.target_port = target_port
        self.lock = threading.Lock()
        self.log: List[Dict[str, object]] = []
        front = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def do_GET(self):  # noqa: N802
                front.handle(self)

            def do_HEAD(self):  # noqa: N802
                front.handle(self)

            def _read_only(self):
                self.send_response(405)
                self.send_header("Content-Length", "0")
                self.end_headers()

            do_PUT = do_POST = do_DELETE = _read_only  # noqa: N815

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        self.endpoint = f"http://127.0.0.1:{self.port}"
        self.thread = threading.Thread(target=self.server.serve_forever, name="s3-requester-pays", daemon=True)
        self.thread.start()

    # ------------------------------------------------------------------ checks
    @staticmethod
    def refusal(headers) -> str:
        """Why the request is refused ('' when it may go on to moto)."""
        auth = headers.get("Authorization") or ""
        if not auth.startswith("AWS4-HMAC-SHA256 ") or "Signature=" not in auth or "SignedHeaders=" not in auth:
            return "not signed with SigV4"
        signed = auth.split("SignedHeaders=", 1)[1].split(",", 1)[0].strip().lower().split(";")
        if (headers.get("x-amz-request-payer") or "").strip().lower() != "requester":
            return "no x-amz-request-payer: requester"
        if "x-amz-request-payer" not in signed:
            return "x-amz-request-payer not signed"
        return ""

    def handle(self, handler: BaseHTTPRequestHandler) -> None:
        why = self.refusal(handler.headers)
        with self.lock:
            self.log.append({"method": handler.command, "path": handler.path, "refused": why,
                             "payer": handler.headers.get("x-amz-request-payer"),
                             "range": handler.headers.get("Range")})
        if why:
            body = _DENIED.format(rid=uuid.uuid4().hex[:16].upper(), hid=uuid.uuid4().hex).encode()
            handler.send_response(403)
            handler.send_header("Content-Type", "application/xml")
            handler.send_header("Content-Length", str(len(body)))
            handler.end_headers()
            if handler.command != "HEAD":
                handler.wfile.write(body)
            return
        conn = http.client.HTTPConnection("127.0.0.1", self.target_port, timeout=60)
        try:
            headers = {k: v for k, v in handler.headers.items() if k.lower() != "connection"}
            conn.request(handler.command, handler.path, headers=headers)
            resp = conn.getresponse()
            body = resp.read()
            handler.send_response(resp.status)
            head = handler.command == "HEAD"  # a HEAD keeps the object's Content-Length
            for k, v in resp.getheaders():
                if k.lower() not in ("transfer-encoding", "connection", "server", "date") and \
                        (head or k.lower() != "content-length"):
                    handler.send_header(k, v)
            if not head:
                handler.send_header("Content-Length", str(len(body)))
            handler.end_headers()
            if not head:
                handler.wfile.write(body)
        finally:
            conn.close()

    def requests(self) -> List[Dict[str, object]]:
        with self.lock:
            return list(self.log)

    def clear(self) -> None:
        with self.lock:
            self.log.clear()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
