"""Copernicus Data Space products over S3 (``eodata`` bucket), with several accounts.

A product is a prefix (``Sentinel-2/MSI/L2A/2023/01/15/<name>.SAFE/``): every object under
it is fetched into ``<output>/.<name>.part/`` and the folder is renamed to ``<output>/<name>``
only when every file is complete and verified (size from the listing, MD5 from the ETag
when it is a plain MD5), so a folder with a final name is always whole. Products already in
the output folder (as the ``.SAFE`` folder or a ``.zip``) are skipped.

Like cdsodatacli, several accounts share the work: up to four sessions per account, handed
out round-robin; an account whose requests keep failing (refused keys, server errors,
broken connections) is set aside for the rest of the run and its products go to the others.

Client: a small AWS Signature V4 signer on ``requests`` (no boto3, no GDAL at run time):
pure Python like the rest of ``providers/``, per-account credentials without process-wide
GDAL configuration, the plugin's proxy/TLS settings, cancellation and progress per chunk,
and the service's error codes told apart (which decide when an account is set aside).
"""
from __future__ import annotations

import logging
import os
import queue
import shutil
import threading
from dataclasses import dataclass
from typing import Callable, Dict, Iterable, List, Mapping, Optional, Sequence, Tuple

import requests

from .. import errors
from ..net import http as eohttp
from ..net.s3 import S3Account, S3Client, _AccountError, _Cancel, _ProductError

LOG = logging.getLogger(__name__)

SESSIONS_PER_ACCOUNT = 4
MAX_ACCOUNT_ERRORS = 3
DONE, SKIPPED, FAILED, CANCELLED = "done", "skipped", "failed", "cancelled"



# ------------------------------------------------------------------------------ data
def accounts_from_env(environ: Optional[Mapping[str, str]] = None, prefix: str = "EOSF_CDSE_S3_") -> List[S3Account]:
    """Accounts from ``EOSF_CDSE_S3_ACCESS_KEY``/``EOSF_CDSE_S3_SECRET_KEY`` and numbered
    extra ones (``..._ACCESS_KEY_2``/``..._SECRET_KEY_2``, ``_3``...)."""
    env = os.environ if environ is None else environ
    out = []
    for suffix in [""] + [f"_{i}" for i in range(1, 33)]:
        access, secret = env.get(f"{prefix}ACCESS_KEY{suffix}"), env.get(f"{prefix}SECRET_KEY{suffix}")
        if access and secret:
            out.append(S3Account(f"account{suffix or '_1'}".replace("account_", "account "), access, secret))
    return out


@dataclass(frozen=True)
class S3Product:
    """A product on S3: ``bucket`` and ``prefix`` (no leading or trailing slash)."""

    bucket: str
    prefix: str
    name: str

    @classmethod
    def from_s3path(cls, s3path: str, bucket: str = "eodata", name: Optional[str] = None) -> "S3Product":
        """From a catalogue ``S3Path`` (``/eodata/Sentinel-2/.../X.SAFE``) or ``s3://eodata/...``."""
        text = s3path.strip()
        if text.startswith("s3://"):
            bucket, _, key = text[5:].partition("/")
        else:
            key = text.lstrip("/")
            if key.startswith(bucket + "/"):
                key = key[len(bucket) + 1:]
        key = key.strip("/")
        if not key or ".." in key.split("/"):
            raise errors.InvalidRequestError(f"“{s3path}” is not an S3 product path.")
        return cls(bucket, key, name or key.rsplit("/", 1)[-1])

    @property
    def stem(self) -> str:
        for suffix in (".SAFE.zip", ".SAFE", ".SEN3", ".zip"):
            if self.name.endswith(suffix):
                return self.name[: -len(suffix)]
        return self.name


@dataclass
class S3Result:
    """How a product ended: ``state`` is done / skipped / failed / cancelled."""

    product: S3Product
    state: str
    path: Optional[str] = None
    files: int = 0
    bytes_transferred: int = 0
    account: Optional[str] = None
    error: Optional[errors.EoSceneFinderError] = None
    message: str = ""

    @property
    def ok(self) -> bool:
        return self.state in (DONE, SKIPPED)


@dataclass(frozen=True)
class S3Progress:
    product: str
    account: str
    files_done: int
    files_total: int
    bytes_done: int
    products_finished: int
    products_total: int
    state: str = "downloading"




# ------------------------------------------------------------------------------ downloader
class _Slot:
    def __init__(self, account: S3Account, index: int):
        self.account = account
        self.index = index


class S3Downloader:
    """Downloads products from S3 with several accounts (``sessions_per_account`` each,
    round-robin), setting an account aside after ``max_account_errors`` failures in a row."""

    def __init__(self, endpoint: str, bucket: str = "eodata", region: str = "default",
                 accounts: Sequence[S3Account] = (), *, sessions_per_account: int = SESSIONS_PER_ACCOUNT,
                 max_account_errors: int = MAX_ACCOUNT_ERRORS, attempts: int = 4, chunk_size: int = 1 << 20,
                 session_factory: Callable[[], requests.Session] = eohttp.new_session):
        if not accounts:
            raise errors.InvalidRequestError(
                "No S3 keys: add the S3 access and secret keys of at least one account "
                "(Connections…, or EOSF_CDSE_S3_ACCESS_KEY / EOSF_CDSE_S3_SECRET_KEY).")
        self.endpoint = endpoint
        self.bucket = bucket
        self.region = region
        self.accounts = list(accounts)
        self.sessions_per_account = max(1, min(SESSIONS_PER_ACCOUNT, int(sessions_per_account)))
        self.max_account_errors = max(1, int(max_account_errors))
        self.attempts = max(1, int(attempts))
        self.chunk_size = chunk_size
        self.session_factory = session_factory
        self.lock = threading.Lock()
        self.set_aside: Dict[str, str] = {}  # account name -> why
        self.errors_in_a_row: Dict[str, int] = {}
        self.active: Dict[str, int] = {}  # account -> sessions busy now
        self.max_active: Dict[str, int] = {}
        self.products_by_account: Dict[str, int] = {}

    # ------------------------------------------------------------------ presence
    @staticmethod
    def present(product: S3Product, output_folder: str) -> Optional[str]:
        """The path of the product if it is already in ``output_folder`` (``.SAFE`` folder,
        or ``.zip``), else None."""
        for candidate in (product.name, product.stem + ".SAFE", product.name + ".zip", product.stem + ".zip"):
            path = os.path.join(output_folder, candidate)
            if os.path.isdir(path) and os.listdir(path):
                return path
            if os.path.isfile(path) and os.path.getsize(path) > 0:
                return path
        return None

    # ------------------------------------------------------------------ run
    def run(self, products: Iterable[S3Product], output_folder: str,
            progress_cb: Optional[Callable[[S3Progress], None]] = None,
            cancel_event: Optional[threading.Event] = None) -> List[S3Result]:
        products = list(products)
        output_folder = os.path.abspath(output_folder)
        os.makedirs(output_folder, exist_ok=True)
        cancel = cancel_event or threading.Event()
        results: List[Optional[S3Result]] = [None] * len(products)
        work: "queue.Queue[Tuple[int, int]]" = queue.Queue()
        seen = set()
        for i, product in enumerate(products):
            if product.prefix in seen:
                results[i] = S3Result(product, SKIPPED, message="Listed twice; downloaded once.")
                continue
            seen.add(product.prefix)
            where = self.present(product, output_folder)
            if where:
                results[i] = S3Result(product, SKIPPED, path=where, message="Already in the output folder.")
                continue
            work.put((i, 0))
        finished = [sum(r is not None for r in results)]
        total = len(products)
        # slots interleaved across accounts: account 1 session 1, account 2 session 1, ...
        slots = [_Slot(acc, s) for s in range(self.sessions_per_account) for acc in self.accounts]
        remaining = [work.qsize()]
        cond = threading.Condition(self.lock)

        def report(**kw):
            if progress_cb is not None:
                try:
                    progress_cb(S3Progress(products_finished=finished[0], products_total=total, **kw))
                except Exception:  # noqa: BLE001 - a broken progress display must not stop downloads
                    LOG.exception("S3 progress callback failed")

        def finish(idx: int, result: S3Result) -> None:
            with cond:
                results[idx] = result
                finished[0] += 1
                remaining[0] -= 1
                cond.notify_all()
            report(product=result.product.name, account=result.account or "", files_done=result.files,
                   files_total=result.files, bytes_done=result.bytes_transferred, state=result.state)

        def worker(slot: _Slot) -> None:
            client = S3Client(self.endpoint, slot.account, self.region, session=self.session_factory())
            name = slot.account.name
            try:
                while True:
                    with cond:
                        if name in self.set_aside:
                            return
                    if cancel.is_set():
                        return
                    try:
                        idx, attempt = work.get(timeout=0.2)
                    except queue.Empty:
                        with cond:
                            if remaining[0] <= 0:
                                return
                        continue
                    product = products[idx]
                    with cond:
                        if name in self.set_aside:
                            work.put((idx, attempt))
                            return
                        self.active[name] = self.active.get(name, 0) + 1
                        self.max_active[name] = max(self.max_active.get(name, 0), self.active[name])
                    try:
                        result = self._download(client, product, output_folder, cancel, report)
                    except _AccountError as err:
                        with cond:
                            self.errors_in_a_row[name] = self.errors_in_a_row.get(name, 0) + 1
                            if self.errors_in_a_row[name] >= self.max_account_errors and name not in self.set_aside:
                                self.set_aside[name] = err.error.user_message
                                LOG.warning("S3 account %s set aside after %d errors: %s", name,
                                            self.errors_in_a_row[name], err.error.user_message)
                            usable = [a.name for a in self.accounts if a.name not in self.set_aside]
                        if attempt + 1 < self.attempts and usable:
                            work.put((idx, attempt + 1))
                        else:
                            finish(idx, S3Result(product, FAILED, account=name, error=err.error,
                                                 message=err.error.user_message))
                        continue
                    except _ProductError as err:
                        with cond:
                            self.errors_in_a_row[name] = 0
                        finish(idx, S3Result(product, FAILED, account=name, error=err.error,
                                             message=err.error.user_message))
                        continue
                    except _Cancel:
                        finish(idx, S3Result(product, CANCELLED, account=name, message="Cancelled."))
                        continue
                    finally:
                        with cond:
                            self.active[name] -= 1
                    with cond:
                        self.errors_in_a_row[name] = 0
                        self.products_by_account[name] = self.products_by_account.get(name, 0) + 1
                    result.account = name
                    finish(idx, result)
            finally:
                client.session.close()

        threads = [threading.Thread(target=worker, args=(slot,), name=f"eosf-s3-{slot.account.name}-{slot.index}",
                                    daemon=True) for slot in slots]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        # whatever is left: every account was set aside, or the run was cancelled
        while True:
            try:
                idx, _attempt = work.get_nowait()
            except queue.Empty:
                break
            if results[idx] is None:
                if cancel.is_set():
                    results[idx] = S3Result(products[idx], CANCELLED, message="Cancelled.")
                else:
                    why = "; ".join(f"{k}: {v}" for k, v in self.set_aside.items())
                    results[idx] = S3Result(products[idx], FAILED, error=errors.AuthenticationError(
                        f"Every S3 account was set aside after repeated errors ({why})."),
                        message="Every S3 account was set aside after repeated errors.")
        return [r for r in results]  # type: ignore[misc]

    def _download(self, client: S3Client, product: S3Product, output_folder: str,
                  cancel: threading.Event, report) -> S3Result:
        objects = client.list_objects(product.bucket, product.prefix + "/")
        single = False
        if not objects:
            objects = [o for o in client.list_objects(product.bucket, product.prefix) if o.key == product.prefix]
            single = bool(objects)
        if not objects:
            raise _ProductError(errors.NotFoundError(f"{product.name} is not on S3 ({product.bucket}/{product.prefix})."))
        total_files = len(objects)
        done_files = [0]
        bytes_done = [0]

        def on_bytes(n: int) -> None:
            bytes_done[0] += n
        transferred = 0
        if single:
            dest = os.path.join(output_folder, product.name)
            transferred = client.get_object(product.bucket, objects[0].key, dest, objects[0], on_bytes,
                                            cancel, self.chunk_size)
            return S3Result(product, DONE, path=dest, files=1, bytes_transferred=transferred)
        part_dir = os.path.join(output_folder, "." + product.name + ".part")
        base = product.prefix + "/"
        for obj in objects:
            rel = obj.key[len(base):]
            if not rel or rel.endswith("/"):
                total_files -= 1  # folder placeholder
                continue
            if ".." in rel.split("/") or rel.startswith("/"):
                raise _ProductError(errors.MalformedResponseError(f"Unsafe object name in {product.name}: {rel}"))
            dest = os.path.join(part_dir, *rel.split("/"))
            if os.path.isfile(dest) and os.path.getsize(dest) == obj.size:
                done_files[0] += 1
                continue  # from an interrupted earlier run
            transferred += client.get_object(product.bucket, obj.key, dest, obj, on_bytes, cancel, self.chunk_size)
            done_files[0] += 1
            report(product=product.name, account=client.account.name, files_done=done_files[0],
                   files_total=total_files, bytes_done=bytes_done[0])
        final = os.path.join(output_folder, product.name)
        if os.path.isdir(final):
            shutil.rmtree(final)
        os.replace(part_dir, final)
        return S3Result(product, DONE, path=final, files=done_files[0], bytes_transferred=transferred)
