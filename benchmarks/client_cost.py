#!/usr/bin/env python3
"""Client-side cost of a search: our provider core beside plain HTTP and pystac-client.

The pages are recorded once from the tests' servers (stac-fastapi-pgstac loaded with 10,000
items derived from the real Planetary Computer Sentinel-2 items, pages of 1,000; the
loopback CDSE OData catalogue) and replayed from memory by a loopback HTTP server, so what
is measured is the client's own work (HTTP, JSON, building results), not the server's
(pgstac takes ~18 s per page of 1,000 on a small machine). Each client then runs in
alternating rounds; the script prints median seconds (wall clock, and CPU time of the
process, which other work on a busy machine disturbs less; it includes the replay server's), the ratios to the reference
client and the memory the results hold (tracemalloc, the result list kept alive; measured in separate
runs, since tracing slows everything down). Not a test:

    .venv/bin/python benchmarks/client_cost.py [--rounds 5] [--items 10000] [--only stac]

Recorded pages are kept in ``.build/bench/`` (delete it to record again).

A catalog kind is added by one :class:`Case` in :func:`cases`: how to record (a function
returning a :class:`Replay`) and its clients (name -> function(replay URL) -> list of results).
"""
from __future__ import annotations

import argparse
import gc
import gzip
import json
import os
import statistics
import sys
import threading
import time
import tracemalloc
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Callable, Dict, List, Optional, Tuple
from urllib.parse import parse_qsl, urlsplit

from _setup import REPO  # noqa: E402 - puts eo_scene_finder and the test servers on sys.path

import requests  # noqa: E402

CACHE = REPO / ".build" / "bench"
MiB = 1024 * 1024


# ------------------------------------------------------------------------------- replay
@dataclass
class Replay:
    """Recorded answers: ``routes`` maps ``path?query`` (query as recorded) to the body;
    ``pages`` (STAC) is the ordered list of search pages, served at ``/search?page=N`` with
    each page's ``next`` link rewritten to the replay server."""

    routes: Dict[str, bytes] = field(default_factory=dict)
    pages: List[bytes] = field(default_factory=list)
    content_type: str = "application/json"
    upstream: Optional[str] = None  # forward a miss there and keep the answer (OData)
    lock: threading.Lock = field(default_factory=threading.Lock)


class _ReplayHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    replay: Replay

    def log_message(self, *args):  # quiet
        pass

    def _answer(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        if length:
            self.rfile.read(length)
        parts = urlsplit(self.path)
        replay = self.replay
        body: Optional[bytes] = None
        if parts.path.rstrip("/") == "/search" and replay.pages:
            number = int(dict(parse_qsl(parts.query)).get("page", "0"))
            body = replay.pages[number] if number < len(replay.pages) else None
        else:
            key = self.path
            body = replay.routes.get(key)
            if body is None and replay.upstream:
                answer = requests.get(replay.upstream + self.path, timeout=600)
                if answer.status_code == 200:
                    body = answer.content.replace(replay.upstream.encode(), self._base().encode())
                    with replay.lock:
                        replay.routes[key] = body
                else:
                    self._send(answer.status_code, answer.content)
                    return
        if body is None:
            self._send(404, b'{"code": "NotFound", "description": "not recorded"}')
            return
        self._send(200, body)

    def _base(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}"

    def _send(self, status: int, body: bytes) -> None:
        self.send_response(status)
        self.send_header("Content-Type", self.replay.content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_GET = _answer
    do_POST = _answer


def serve(replay: Replay) -> Tuple[ThreadingHTTPServer, str]:
    handler = type("Handler", (_ReplayHandler,), {"replay": replay})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}"


# ---------------------------------------------------------------------------------- STAC
STAC_COLLECTION = "bench-sentinel-2-l2a"


def _stac_record(items: int, page_size: int) -> List[bytes]:
    """Search pages (raw bodies) from pgstac loaded with ``items`` derived items."""
    cache = CACHE / f"stac-{items}-{page_size}.json.gz"
    if cache.exists():
        return [p.encode() for p in json.loads(gzip.decompress(cache.read_bytes()))]
    from servers.pgstac_server import PgstacServer
    from ui_search import derived_items

    print(f"Recording {items} items from pgstac (once; ~20 s a page)…", flush=True)
    server = PgstacServer().start()
    try:
        coll = json.loads((REPO / "tests/data/stac/collections.ndjson").read_text().splitlines()[0])
        server.load_collections([dict(coll, id=STAC_COLLECTION)])
        server.load_items(derived_items(items))
        pages: List[str] = []
        session = requests.Session()
        url: Optional[str] = f"{server.url}/search?collections={STAC_COLLECTION}&limit={page_size}"
        while url:
            answer = session.get(url, timeout=900)
            answer.raise_for_status()
            text = answer.content.decode("utf-8")
            page = json.loads(text)
            if not page.get("features"):
                break
            pages.append(text)
            print(f"  page {len(pages)}: {len(page['features'])} items, {len(answer.content) / MiB:.1f} MiB",
                  flush=True)
            url = next((lk["href"] for lk in page.get("links") or [] if lk.get("rel") == "next"), None)
    finally:
        server.stop()
    CACHE.mkdir(parents=True, exist_ok=True)
    cache.write_bytes(gzip.compress(json.dumps(pages).encode(), compresslevel=1))
    return [p.encode() for p in pages]


def _rewrite_next(raw: bytes, base: str, number: int, last: bool) -> bytes:
    """The page with its ``next`` link pointing at the replay server's next page, and the
    pgstac links (absolute to the recording server) dropped from the page itself."""
    page = json.loads(raw)
    links = [lk for lk in page.get("links") or [] if lk.get("rel") not in ("next", "previous", "prev", "self", "root")]
    links.append({"rel": "root", "href": base + "/", "type": "application/json"})
    if not last:
        links.append({"rel": "next", "href": f"{base}/search?page={number + 1}", "type": "application/geo+json",
                      "method": "GET"})
    page["links"] = links
    # separators as pgstac's own (compact) output, so the bytes stay what a server sends
    return json.dumps(page, separators=(",", ":")).encode()


def stac_replay(args) -> Replay:
    pages = _stac_record(args.items, args.page_size)
    replay = Replay(content_type="application/geo+json")
    replay.pages = pages  # rewritten once the server's address is known (see prepare)
    return replay


def stac_prepare(replay: Replay, base: str) -> None:
    replay.pages = [_rewrite_next(raw, base, i, i == len(replay.pages) - 1) for i, raw in enumerate(replay.pages)]
    conforms = ["https://api.stacspec.org/v1.0.0/core", "https://api.stacspec.org/v1.0.0/item-search",
                "https://api.stacspec.org/v1.0.0/collections"]
    landing = {"type": "Catalog", "id": "replay", "stac_version": "1.0.0", "description": "replayed pages",
               "conformsTo": conforms,
               "links": [{"rel": "self", "href": base + "/", "type": "application/json"},
                         {"rel": "root", "href": base + "/", "type": "application/json"},
                         {"rel": "data", "href": base + "/collections", "type": "application/json"},
                         {"rel": "search", "href": base + "/search", "type": "application/geo+json", "method": "GET"},
                         {"rel": "search", "href": base + "/search", "type": "application/geo+json",
                          "method": "POST"}]}
    replay.routes["/"] = json.dumps(landing).encode()
    replay.routes["/conformance"] = json.dumps({"conformsTo": conforms}).encode()


def stac_plain(base: str) -> list:
    session = requests.Session()
    out: list = []
    url: Optional[str] = f"{base}/search?collections={STAC_COLLECTION}&limit=1000"
    while url:
        page = session.get(url, timeout=120).json()
        out.extend(page["features"])
        url = next((lk["href"] for lk in page.get("links") or [] if lk.get("rel") == "next"), None)
    return out


def stac_pystac_client(base: str) -> list:
    from pystac_client import Client

    client = Client.open(base)
    return list(client.search(collections=[STAC_COLLECTION], limit=1000).items_as_dicts())


def stac_core(base: str) -> list:
    from eo_scene_finder.providers.base import Connection
    from eo_scene_finder.providers.catalogs.stac.api import StacApiProvider
    from eo_scene_finder.providers.model import SearchRequest

    provider = StacApiProvider(Connection("bench", "stac-api", base, options={"page_size": 1000}))
    return list(provider.search(SearchRequest.create(collections=[STAC_COLLECTION])).scenes())


# --------------------------------------------------------------------------------- OData
def odata_replay(args) -> Replay:
    """The loopback CDSE catalogue (no simulated latency) behind a recording proxy: the first
    (unmeasured) round of each client records its requests, later rounds are replayed."""
    import datetime as dt
    import tempfile
    from pathlib import Path

    from cdse_search import START, base_filter, end_for, iso  # noqa: F401
    from fixtures.cdse_servers import start_cdse_server

    tmp = tempfile.mkdtemp(prefix="bench-cdse-")
    server = start_cdse_server(Path(tmp))
    server.configure(latency_ms=0, latency_ms_per_year=0)
    end = end_for(server, args.items)
    replay = Replay(upstream=server.base)
    replay.cdse = server  # type: ignore[attr-defined]
    replay.window = (START, end - dt.timedelta(microseconds=1))  # type: ignore[attr-defined]
    replay.filter = f"{base_filter()} and ContentDate/Start ge {iso(START)} and ContentDate/Start lt {iso(end)}"  # type: ignore[attr-defined]
    return replay


_odata: Dict[str, Replay] = {}


def odata_prepare(replay: Replay, base: str) -> None:
    _odata["replay"] = replay


def odata_plain(base: str) -> list:
    """``$top=1000`` + ``$skip`` paging (the service allows it up to 10,000)."""
    from urllib.parse import urlencode

    flt = _odata["replay"].filter  # type: ignore[attr-defined]
    session = requests.Session()
    out: list = []
    skip = 0
    while True:
        url = base + "/odata/v1/Products?" + urlencode(
            [("$filter", flt), ("$orderby", "ContentDate/Start asc"), ("$top", "1000"), ("$skip", str(skip)),
             ("$expand", "Attributes"), ("$expand", "Assets")])
        answer = session.get(url, timeout=120)
        if answer.status_code != 200:
            break
        values = answer.json()["value"]
        out.extend(values)
        if len(values) < 1000:
            break
        skip += 1000
    return out


def odata_core(base: str) -> list:
    from eo_scene_finder.providers.catalogs.odata.provider import CdseODataProvider
    from eo_scene_finder.providers.model import SearchRequest
    from servers.odata_server import FRANCE

    replay = _odata["replay"]
    connection = replay.cdse.connection()  # type: ignore[attr-defined]
    connection.url = base + "/odata/v1"
    for key, value in list(connection.options.items()):
        if isinstance(value, str) and value.startswith(replay.upstream):
            connection.options[key] = base + value[len(replay.upstream):]
    start, end = replay.window  # type: ignore[attr-defined]
    request = SearchRequest.create(aoi={"type": "Polygon", "coordinates": [FRANCE]}, start=start, end=end,
                                   collections=["SENTINEL-2"])
    return list(CdseODataProvider(connection).search(request).scenes())


def odata_close(replay: Replay) -> None:
    replay.cdse.proc.stop()  # type: ignore[attr-defined]


# --------------------------------------------------------------------------------- cases
@dataclass
class Case:
    """One catalog kind: how to record it, its clients (the first is the reference the
    ratios are taken to), and what to do once the server address is known / at the end."""

    name: str
    record: Callable[[argparse.Namespace], Replay]
    clients: Dict[str, Callable[[str], list]]
    reference: str
    prepare: Callable[[Replay, str], None] = lambda replay, base: None
    close: Callable[[Replay], None] = lambda replay: None


def cases() -> List[Case]:
    return [
        Case("stac", stac_replay,
             {"plain requests + json": stac_plain,
              "pystac-client items_as_dicts()": stac_pystac_client,
              "EO Scene Finder core (search().scenes())": stac_core},
             reference="pystac-client items_as_dicts()", prepare=stac_prepare),
        Case("cdse-odata", odata_replay,
             {"plain requests + json ($top/$skip)": odata_plain,
              "EO Scene Finder core (search().scenes())": odata_core},
             reference="plain requests + json ($top/$skip)", prepare=odata_prepare, close=odata_close),
    ]


def held_memory(client: Callable[[str], list], base: str) -> Tuple[int, int]:
    """Bytes the result list holds (allocated during the run and still alive), and its length."""
    gc.collect()
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    result = client(base)
    gc.collect()
    held = tracemalloc.get_traced_memory()[0] - before
    tracemalloc.stop()
    n = len(result)
    del result
    gc.collect()
    return held, n


def run_case(case: Case, args) -> None:
    replay = case.record(args)
    server, base = serve(replay)
    try:
        case.prepare(replay, base)
        counts = {}
        for name, client in case.clients.items():  # warm-up (and OData recording) round
            counts[name] = len(client(base))
        times: Dict[str, List[float]] = {name: [] for name in case.clients}
        cpu: Dict[str, List[float]] = {name: [] for name in case.clients}
        for rnd in range(args.rounds):
            order = list(case.clients.items())
            if rnd % 2:
                order.reverse()
            for name, client in order:
                gc.collect()
                t0, c0 = time.perf_counter(), time.process_time()
                result = client(base)
                times[name].append(time.perf_counter() - t0)
                cpu[name].append(time.process_time() - c0)
                del result
        memory = {name: held_memory(client, base) for name, client in case.clients.items()}
    finally:
        server.shutdown()
        case.close(replay)
    ref = statistics.median(times[case.reference])
    ref_cpu = statistics.median(cpu[case.reference])
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"\n{case.name}: {max(counts.values()):,} results, {args.rounds} alternating rounds, "
          f"{os.cpu_count()} CPU cores (load {load:.1f}), replayed from memory on loopback; "
          f"ratios to {case.reference}")
    print(f"| {'client':<44} | {'results':>7} | {'median s':>8} | {'ratio':>5} | {'CPU s':>5} | {'ratio':>5} "
          f"| {'memory held':>11} |")
    print("|" + "-" * 46 + "|---------|----------|-------|-------|-------|-------------|")
    for name in case.clients:
        med, med_cpu = statistics.median(times[name]), statistics.median(cpu[name])
        held, n = memory[name]
        print(f"| {name:<44} | {counts[name]:>7,} | {med:>8.2f} | {med / ref:>5.2f} | {med_cpu:>5.2f} | "
              f"{med_cpu / ref_cpu:>5.2f} | {held / MiB:>7.0f} MiB |")
    sys.stdout.flush()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--items", type=int, default=10_000)
    parser.add_argument("--page-size", type=int, default=1000)
    parser.add_argument("--only", action="append", help="run only these cases (stac, cdse-odata)")
    args = parser.parse_args()
    for case in cases():
        if args.only and case.name not in args.only:
            continue
        run_case(case, args)
    return 0


if __name__ == "__main__":
    sys.exit(main())
