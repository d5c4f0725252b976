"""S3 over ``requests``: an AWS Signature V4 signer and a small client (list, get, errors told
apart), pure Python, with the plugin's proxy/TLS settings."""
from __future__ import annotations

import datetime as _dt
import hashlib
import hmac
import os
import re
import threading
import time
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from typing import Callable, Dict, List, Mapping, Optional, Tuple
from urllib.parse import quote, urlsplit

import requests

from .. import errors
from . import http as eohttp
from .redact import redact_text, register_secret
from .untrusted import parse_xml


_S3_NS = "{http://s3.amazonaws.com/doc/2006-03-01/}"
_EMPTY_SHA256 = hashlib.sha256(b"").hexdigest()
LISTING_ATTEMPTS = 4        # a listing is a read: tried again after a drop, a cut answer or a 5xx
LISTING_PAUSE = 0.5         # doubled after each failure
_ACCOUNT_ERROR_CODES = {"InvalidAccessKeyId", "SignatureDoesNotMatch", "AccessDenied", "ExpiredToken",
                        "InvalidToken", "AuthorizationHeaderMalformed", "AccountProblem", "SlowDown",
                        "ServiceUnavailable", "InternalError", "RequestTimeTooSkewed"}
@dataclass(frozen=True)
class S3Account:
    """One set of S3 keys (CDSE: long-term keys made in the S3 credentials manager)."""

    name: str
    access_key: str
    secret_key: str = field(repr=False)
    session_token: str = field(default="", repr=False)  # temporary credentials (AWS STS)

    def __post_init__(self):
        register_secret(self.secret_key)
        if self.session_token:
            register_secret(self.session_token)


@dataclass
class S3Object:
    key: str
    size: int
    etag: str


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
        if self.account.session_token:
            headers["x-amz-security-token"] = self.account.session_token
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
    """Signed requests to one S3 endpoint with one account (one HTTP session).

    ``signed_headers`` go, signed, with every request (``x-amz-request-payer: requester``
    for a requester-pays bucket)."""

    def __init__(self, endpoint: str, account: S3Account, region: str = "default",
                 session: Optional[requests.Session] = None, timeout: Optional[tuple] = None,
                 signed_headers: Optional[Mapping[str, str]] = None):
        self.endpoint = endpoint.rstrip("/")
        self.account = account
        self.signer = SigV4Signer(account, region)
        self.signed_headers = dict(signed_headers or {})
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
        signed = self.signer.headers(method, url, self.signed_headers)
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
        return self.list_level(bucket, prefix, delimiter="")[0]

    def list_level(self, bucket: str, prefix: str, delimiter: str = "/") -> Tuple[List[S3Object], List[str]]:
        """The objects directly under ``prefix`` and its sub-folders (``CommonPrefixes``),
        with ``delimiter``; every object under it without one."""
        out: List[S3Object] = []
        folders: List[str] = []
        token = None
        while True:
            query = [("list-type", "2"), ("prefix", prefix)]
            if delimiter:
                query.append(("delimiter", delimiter))
            if token:
                query.append(("continuation-token", token))
            body = self._listing_page(self._url(bucket, "", query), f"Listing {prefix}")
            try:
                root = parse_xml(body)
            except ET.ParseError as err:
                raise _AccountError(errors.MalformedResponseError(
                    "The S3 endpoint answered a listing that is not XML.")) from err
            for item in root.iter(_S3_NS + "Contents"):
                key = item.findtext(_S3_NS + "Key") or ""
                try:
                    size = int(item.findtext(_S3_NS + "Size") or 0)
                except ValueError as err:
                    raise _ProductError(errors.MalformedResponseError(
                        f"The S3 endpoint listed {key or 'an object'} with a size that is not a number.")) from err
                etag = (item.findtext(_S3_NS + "ETag") or "").strip('"')
                out.append(S3Object(key, size, etag))
            for item in root.iter(_S3_NS + "CommonPrefixes"):
                folder = item.findtext(_S3_NS + "Prefix")
                if folder:
                    folders.append(folder)
            if (root.findtext(_S3_NS + "IsTruncated") or "false").lower() == "true":
                token = root.findtext(_S3_NS + "NextContinuationToken")
                if not token:
                    break
            else:
                break
        return out, folders

    def _listing_page(self, url: str, what: str) -> bytes:
        """The body of one listing page (signed anew for each try); a dropped connection, a
        cut answer or a 5xx is tried again, :data:`LISTING_ATTEMPTS` times in all."""
        for attempt in range(1, LISTING_ATTEMPTS + 1):
            last = attempt == LISTING_ATTEMPTS
            try:
                response = self._send("GET", url)
            except _AccountError:
                if last:
                    raise
            else:
                try:
                    if response.status_code == 200:
                        try:
                            return response.content
                        except requests.exceptions.RequestException as err:
                            if last:
                                raise _AccountError(eohttp.map_transport_error(err, url, "The S3 endpoint")) from err
                    elif response.status_code < 500 or last:
                        self._raise(response, what)
                finally:
                    response.close()
            time.sleep(LISTING_PAUSE * 2 ** (attempt - 1))
        raise AssertionError("unreachable")  # pragma: no cover

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
        root = parse_xml(response.content or b"")
        return (root.findtext("Code") or root.findtext(_S3_NS + "Code") or "",
                redact_text(root.findtext("Message") or root.findtext(_S3_NS + "Message") or ""))
    except (ET.ParseError, ValueError):
        return "", ""


