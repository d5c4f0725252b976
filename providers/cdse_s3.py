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

import datetime as _dt
import hashlib
import hmac
import logging
import os
import queue
import re
import shutil
import threading
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from typing import Callable, Dict, Iterable, List, Mapping, Optional, Sequence, Tuple
from urllib.parse import quote, urlsplit

import requests

from . import errors
from . import http as eohttp
from .redact import register_secret, redact_text

LOG = logging.getLogger(__name__)

SESSIONS_PER_ACCOUNT = 4
MAX_ACCOUNT_ERRORS = 3
DONE, SKIPPED, FAILED, CANCELLED = "done", "skipped", "failed", "cancelled"
_S3_NS = "{http://s3.amazonaws.com/doc/2006-03-01/}"
_EMPTY_SHA256 = hashlib.sha256(b"").hexdigest()
_ACCOUNT_ERROR_CODES = {"InvalidAccessKeyId", "SignatureDoesNotMatch", "AccessDenied", "ExpiredToken",
                        "InvalidToken", "AuthorizationHeaderMalformed", "AccountProblem", "SlowDown",
                        "ServiceUnavailable", "InternalError", "RequestTimeTooSkewed"}


# ------------------------------------------------------------------------------ data
@dataclass(frozen=True)
class S3Account:
    """One set of S3 keys (CDSE: long-term keys made in the S3 credentials manager)."""

    name: str
    access_key: str
    secret_key: str = field(repr=False)

    def __post_init__(self):
        register_secret(self.secret_key)


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
class S3Object:
    key: str
    size: int
    etag: str


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


# ------------------------------------------------------------------------------ SigV4
def _sign(key: bytes, msg: str) -> bytes:
    return hmac.new(key, msg.encode("utf-8"), hashlib.sha256).digest()


def _uri_encode(text: str, safe: str = "~") -> str:
    return quote(text, safe=safe)


class SigV4Signer:
    """AWS Signature Version 4 for S3 requests (header authorisation, unsigned payload)."""

    def __init__(self, account: S3Account, region: str = "default", service: str = "s3"):
        self.account = account
        self.region = region
        self.service = service

    def headers(self, method: str, url: str, extra: Optional[Mapping[str, str]] = None,
                now: Optional[_dt.datetime] = None) -> Dict[str, str]:
        now = now or _dt.datetime.now(_dt.timezone.utc)
        amz_date = now.strftime("%Y%m%dT%H%M%SZ")
        day = now.strftime("%Y%m%d")
        parts = urlsplit(url)
        host = parts.netloc
        path = parts.path or "/"
        query_pairs = []
        if parts.query:
            for item in parts.query.split("&"):
                k, _, v = item.partition("=")
                query_pairs.append((k, v))
        canonical_query = "&".join(f"{k}={v}" for k, v in sorted(query_pairs))
        headers = {"host": host, "x-amz-content-sha256": "UNSIGNED-PAYLOAD", "x-amz-date": amz_date}
        for k, v in (extra or {}).items():
            if k.lower().startswith("x-amz-"):
                headers[k.lower()] = v.strip()
        signed = sorted(headers)
        canonical = "\n".join([
            method.upper(), path, canonical_query,
            "".join(f"{k}:{headers[k]}\n" for k in signed), ";".join(signed), "UNSIGNED-PAYLOAD"])
        scope = f"{day}/{self.region}/{self.service}/aws4_request"
        to_sign = "\n".join(["AWS4-HMAC-SHA256", amz_date, scope,
                             hashlib.sha256(canonical.encode("utf-8")).hexdigest()])
        key = _sign(("AWS4" + self.account.secret_key).encode("utf-8"), day)
        key = _sign(key, self.region)
        key = _sign(key, self.service)
        key = _sign(key, "aws4_request")
        signature = hmac.new(key, to_sign.encode("utf-8"), hashlib.sha256).hexdigest()
        out = {k: v for k, v in headers.items() if k != "host"}
        out["Authorization"] = (f"AWS4-HMAC-SHA256 Credential={self.account.access_key}/{scope}, "
                                f"SignedHeaders={';'.join(signed)}, Signature={signature}")
        return out


# ------------------------------------------------------------------------------ client
class _AccountError(Exception):
    """A failure that counts against the account (refused keys, server trouble)."""

    def __init__(self, error: errors.EoSceneFinderError):
        super().__init__(str(error))
        self.error = error


class _ProductError(Exception):
    """A failure of the product itself (missing, checksum mismatch): not the account's fault."""

    def __init__(self, error: errors.EoSceneFinderError):
        super().__init__(str(error))
        self.error = error


class _Cancel(Exception):
    pass


class S3Client:
    """Signed requests to one S3 endpoint with one account (one HTTP session)."""

    def __init__(self, endpoint: str, account: S3Account, region: str = "default",
                 session: Optional[requests.Session] = None, timeout: Optional[tuple] = None):
        self.endpoint = endpoint.rstrip("/")
        self.account = account
        self.signer = SigV4Signer(account, region)
        self.session = session or eohttp.new_session()
        self.timeout = timeout or eohttp.default_timeout()

    def _url(self, bucket: str, key: str = "", query: Optional[List[Tuple[str, str]]] = None) -> str:
        url = f"{self.endpoint}/{_uri_encode(bucket)}"
        if key:
            url += "/" + _uri_encode(key, safe="/~")
        if query:
            url += "?" + "&".join(f"{_uri_encode(k)}={_uri_encode(v)}" for k, v in query)
        return url

    def _send(self, method: str, url: str, headers: Optional[Dict[str, str]] = None, stream: bool = False):
        signed = self.signer.headers(method, url)
        all_headers = dict(headers or {})
        all_headers.update(signed)
        try:
            return self.session.request(method, url, headers=all_headers, stream=stream, timeout=self.timeout)
        except requests.exceptions.RequestException as err:
            raise _AccountError(eohttp.map_transport_error(err, url, "The S3 endpoint")) from err

    def _raise(self, response: requests.Response, what: str) -> None:
        code, message = _s3_error(response)
        status = response.status_code
        text = f"{what}: HTTP {status}" + (f" {code}" if code else "") + (f" ({message})" if message else "")
        if status in (401, 403) or code in ("InvalidAccessKeyId", "SignatureDoesNotMatch", "AccessDenied"):
            raise _AccountError(errors.AuthenticationError(
                f"The S3 endpoint refused the keys of “{self.account.name}” ({code or status}).",
                details=redact_text(text), status=status))
        if status == 404 or code in ("NoSuchKey", "NoSuchBucket"):
            raise _ProductError(errors.NotFoundError(f"{what}: not found on S3.", details=redact_text(text), status=status))
        if status == 429 or status >= 500 or code in _ACCOUNT_ERROR_CODES:
            raise _AccountError(errors.ServerError(f"{what}: the S3 endpoint answered {code or status}.",
                                                   details=redact_text(text), status=status))
        raise _ProductError(errors.BadRequestError(f"{what}: the S3 endpoint refused the request ({code or status}).",
                                                   details=redact_text(text), status=status, server_message=message))

    def list_objects(self, bucket: str, prefix: str) -> List[S3Object]:
        """Every object under ``prefix`` (ListObjectsV2, following continuation tokens)."""
        out: List[S3Object] = []
        token = None
        while True:
            query = [("list-type", "2"), ("prefix", prefix)]
            if token:
                query.append(("continuation-token", token))
            response = self._send("GET", self._url(bucket, "", query))
            try:
                if response.status_code != 200:
                    self._raise(response, f"Listing {prefix}")
                try:
                    root = ET.fromstring(response.content)
                except ET.ParseError as err:
                    raise _AccountError(errors.MalformedResponseError(
                        "The S3 endpoint answered a listing that is not XML.")) from err
            finally:
                response.close()
            for item in root.iter(_S3_NS + "Contents"):
                key = item.findtext(_S3_NS + "Key") or ""
                size = int(item.findtext(_S3_NS + "Size") or 0)
                etag = (item.findtext(_S3_NS + "ETag") or "").strip('"')
                out.append(S3Object(key, size, etag))
            if (root.findtext(_S3_NS + "IsTruncated") or "false").lower() == "true":
                token = root.findtext(_S3_NS + "NextContinuationToken")
                if not token:
                    break
            else:
                break
        return out

    def get_object(self, bucket: str, key: str, dest: str, expected: S3Object,
                   on_bytes: Callable[[int], None], cancel: threading.Event, chunk_size: int) -> int:
        """Download one object to ``dest`` (resuming ``dest.part``), verify size and MD5
        ETag, rename. Returns the bytes transferred."""
        part = dest + ".part"
        offset = os.path.getsize(part) if os.path.exists(part) else 0
        if offset > expected.size:
            os.remove(part)
            offset = 0
        transferred = 0
        if offset < expected.size or expected.size == 0:
            headers = {"Range": f"bytes={offset}-"} if offset else {}
            response = self._send("GET", self._url(bucket, key), headers, stream=True)
            try:
                if response.status_code == 416 and offset == expected.size:
                    pass
                elif response.status_code not in (200, 206):
                    self._raise(response, key.rsplit("/", 1)[-1])
                else:
                    mode = "ab"
                    if response.status_code == 200 and offset:
                        mode, offset = "wb", 0  # the range was ignored: start over
                    os.makedirs(os.path.dirname(dest), exist_ok=True)
                    with open(part, mode) as fh:
                        try:
                            for chunk in response.iter_content(chunk_size):
                                if cancel.is_set():
                                    raise _Cancel()
                                fh.write(chunk)
                                transferred += len(chunk)
                                on_bytes(len(chunk))
                        except requests.exceptions.RequestException as err:
                            raise _AccountError(errors.ServiceError(
                                f"The S3 transfer of {key.rsplit('/', 1)[-1]} broke off.",
                                details=redact_text(str(err)))) from err
            finally:
                response.close()
        size = os.path.getsize(part) if os.path.exists(part) else 0
        if size != expected.size:
            raise _AccountError(errors.ServiceError(
                f"{key.rsplit('/', 1)[-1]}: got {size} of {expected.size} bytes from S3."))
        if re.fullmatch(r"[0-9a-fA-F]{32}", expected.etag or ""):
            md5 = hashlib.md5()
            with open(part, "rb") as fh:
                for block in iter(lambda: fh.read(1 << 20), b""):
                    md5.update(block)
            if md5.hexdigest().lower() != expected.etag.lower():
                os.remove(part)
                raise _ProductError(errors.ChecksumMismatchError(
                    f"{key.rsplit('/', 1)[-1]} does not match its S3 checksum (MD5)."))
        os.replace(part, dest)
        return transferred


def _s3_error(response: requests.Response) -> Tuple[str, str]:
    try:
        root = ET.fromstring(response.content or b"")
        return (root.findtext("Code") or root.findtext(_S3_NS + "Code") or "",
                redact_text(root.findtext("Message") or root.findtext(_S3_NS + "Message") or ""))
    except (ET.ParseError, ValueError):
        return "", ""


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
