"""A loopback Google Cloud Storage: the JSON listing API and anonymous object downloads.

What it does, and where the behaviour comes from:

- ``GET /storage/v1/b/<bucket>/o?prefix=&delimiter=&pageToken=&maxResults=``: objects in
  lexicographic order; with a delimiter, the names that go on past it are rolled up into
  ``prefixes``; ``maxResults`` caps items and prefixes *combined* (default 1000) and
  ``nextPageToken`` continues (Cloud Storage JSON API reference, "Objects: list"). ``size`` is
  a string and ``md5Hash`` base64 (same reference, "Objects resource";
  shared/reference/providers-wave2.md §4). ``page_size`` forces a small page to test
  ``nextPageToken``.
- a bucket in ``refuse_listing`` answers the listing with 401 and the JSON error body of an
  anonymous caller without ``storage.objects.list`` (a preflight script quoted in
  providers-wave2.md §4 saw 401 on ``gcp-public-data-landsat``); its objects stay readable;
- ``GET|HEAD /<bucket>/<key>``: the object (``Range`` → 206 with ``Content-Range``, an
  unsatisfiable range → 416), 404 ``NoSuchKey`` (XML API error body) for a missing key;
- objects named ``…_$folder$`` exist as the zero-byte placeholders older tools left in these
  buckets (bdc-collectors skips them).

``corrupt`` serves some objects with flipped bytes (same size, another MD5), as a broken
transfer would. Only reads: anything else is 405. Requests are recorded for the tests.
"""
from __future__ import annotations

import base64
import hashlib
import json
import re
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Dict, List, Optional, Set
from urllib.parse import parse_qs, quote, unquote, urlsplit

_DENIED = {"error": {"code": 401, "message": "Anonymous caller does not have storage.objects.list access to the Google "
                                             "Cloud Storage bucket. Permission 'storage.objects.list' denied on resource "
                                             "(or it may not exist).",
                     "errors": [{"message": "Anonymous caller does not have storage.objects.list access to the Google "
                                            "Cloud Storage bucket. Permission 'storage.objects.list' denied on resource "
                                            "(or it may not exist).", "domain": "global", "reason": "required",
                                 "locationType": "header", "location": "Authorization"}]}}
_NO_SUCH_KEY = ("<?xml version='1.0' encoding='UTF-8'?><Error><Code>NoSuchKey</Code>"
                "<Message>The specified key does not exist.</Message></Error>")


class GcsServer:
    """``url`` serves ``buckets`` ({bucket: {key: bytes}})."""

    def __init__(self, buckets: Dict[str, Dict[str, bytes]], page_size: int = 1000):
        self.buckets = buckets
        self.page_size = page_size
        self.refuse_listing: Set[str] = set()
        self.corrupt: Set[str] = set()  # "bucket/key" served with flipped bytes (a transfer gone bad)
        self.lock = threading.Lock()
        self.log: List[Dict[str, object]] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def do_GET(self):  # noqa: N802
                server.handle(self)

            def do_HEAD(self):  # noqa: N802
                server.handle(self)

            def _read_only(self):
                self.send_response(405)
                self.send_header("Content-Length", "0")
                self.end_headers()

            do_PUT = do_POST = do_DELETE = _read_only  # noqa: N815

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, name="gcs-server", daemon=True)
        self.thread.start()

    # ------------------------------------------------------------------ helpers
    def requests(self) -> List[Dict[str, object]]:
        with self.lock:
            return list(self.log)

    def clear(self) -> None:
        with self.lock:
            self.log.clear()

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    @staticmethod
    def _send(handler, status: int, body: bytes, content_type: str, extra: Optional[dict] = None) -> None:
        handler.send_response(status)
        handler.send_header("Content-Type", content_type)
        for k, v in (extra or {}).items():
            handler.send_header(k, v)
        handler.send_header("Content-Length", str(len(body)))  # a HEAD gets the object's length too
        handler.end_headers()
        if handler.command != "HEAD":
            handler.wfile.write(body)

    # ------------------------------------------------------------------ routes
    def handle(self, handler: BaseHTTPRequestHandler) -> None:
        parts = urlsplit(handler.path)
        with self.lock:
            self.log.append({"method": handler.command, "path": handler.path, "range": handler.headers.get("Range")})
        listing = re.fullmatch(r"/storage/v1/b/([^/]+)/o", parts.path)
        if listing:
            return self._list(handler, unquote(listing.group(1)), parse_qs(parts.query, keep_blank_values=True))
        bucket, _, key = unquote(parts.path.lstrip("/")).partition("/")
        data = self.buckets.get(bucket, {}).get(key)
        if data is None:
            return self._send(handler, 404, _NO_SUCH_KEY.encode(), "application/xml; charset=UTF-8")
        if f"{bucket}/{key}" in self.corrupt:
            data = bytes(b ^ 0xFF for b in data)
        headers = {"Accept-Ranges": "bytes", "x-goog-hash": "md5=" + base64.b64encode(hashlib.md5(data).digest()).decode()}
        match = re.fullmatch(r"bytes=(\d+)-(\d*)", handler.headers.get("Range") or "")
        if match:
            start = int(match.group(1))
            end = int(match.group(2)) if match.group(2) else len(data) - 1
            if start >= len(data):
                return self._send(handler, 416, b"", "text/plain", {"Content-Range": f"bytes */{len(data)}"})
            end = min(end, len(data) - 1)
            headers["Content-Range"] = f"bytes {start}-{end}/{len(data)}"
            return self._send(handler, 206, data[start:end + 1], "application/octet-stream", headers)
        self._send(handler, 200, data, "application/octet-stream", headers)

    def _list(self, handler, bucket: str, query: Dict[str, List[str]]) -> None:
        if bucket not in self.buckets:
            body = {"error": {"code": 404, "message": "The specified bucket does not exist."}}
            return self._send(handler, 404, json.dumps(body).encode(), "application/json; charset=UTF-8")
        if bucket in self.refuse_listing:
            return self._send(handler, 401, json.dumps(_DENIED).encode(), "application/json; charset=UTF-8")
        prefix = (query.get("prefix") or [""])[0]
        delimiter = (query.get("delimiter") or [""])[0]
        token = (query.get("pageToken") or [""])[0]
        limit = min(self.page_size, int((query.get("maxResults") or ["1000"])[0]))
        after = base64.urlsafe_b64decode(token.encode()).decode() if token else ""
        entries = []  # (name, is_prefix), sorted, prefixes rolled up
        seen_prefixes = set()
        for name in sorted(self.buckets[bucket]):
            if not name.startswith(prefix):
                continue
            rest = name[len(prefix):]
            if delimiter and delimiter in rest:
                folder = prefix + rest.split(delimiter, 1)[0] + delimiter
                if folder not in seen_prefixes:
                    seen_prefixes.add(folder)
                    entries.append((folder, True))
            else:
                entries.append((name, False))
        entries = [e for e in entries if e[0] > after]
        page, more = entries[:limit], len(entries) > limit
        body: Dict[str, object] = {"kind": "storage#objects"}
        prefixes = [name for name, is_prefix in page if is_prefix]
        items = []
        for name, is_prefix in page:
            if is_prefix:
                continue
            data = self.buckets[bucket][name]
            items.append({"kind": "storage#object", "id": f"{bucket}/{name}/1", "name": name, "bucket": bucket,
                          "generation": "1", "size": str(len(data)), "contentType": "application/octet-stream",
                          "md5Hash": base64.b64encode(hashlib.md5(data).digest()).decode(),
                          "updated": "2019-06-02T03:04:05.000Z",
                          "mediaLink": f"{self.url}/download/storage/v1/b/{bucket}/o/{quote(name, safe='')}?alt=media",
                          "selfLink": f"{self.url}/storage/v1/b/{bucket}/o/{quote(name, safe='')}"})
        if prefixes:
            body["prefixes"] = prefixes
        if items:
            body["items"] = items
        if more:
            body["nextPageToken"] = base64.urlsafe_b64encode(page[-1][0].encode()).decode()
        self._send(handler, 200, json.dumps(body).encode(), "application/json; charset=UTF-8")
