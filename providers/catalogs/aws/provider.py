"""Sentinel-1 GRD from the requester-pays AWS bucket ``sentinel-s1-l1c`` (kind ``aws``).

Search: the STAC API of the connection (Earth Search v1 by default), collection
``sentinel-1-grd`` only; its items name the product (``s1:product_identifier``). The
search's limit is the cap aws_imagery_pack calls ``images_limit``: results in search order,
with a warning when it cut.

Download: the SAFE product is rebuilt from the bucket. Every request (listings included) is
SigV4-signed and carries ``x-amz-request-payer: requester``, without which S3 answers 403.
The product folder is listed (``Delimiter=/``, then each sub-folder); a product lacking one
of its parts is refused before anything is written. Each file is a job of the download
engine (parallel, resumable, MD5-verified when the ETag is one) written into
``.<ID>.SAFE.part/`` under its SAFE name (:mod:`.safe`); when every file is there the folder
is renamed to ``<ID>.SAFE`` (or zipped into ``<ID>.zip`` with the ``.SAFE`` folder at its
root), so a final name always holds a whole product.

Streaming: measurement TIFFs open as ``/vsis3/<bucket>/<key>`` with ``AWS_REQUEST_PAYER``
and the keys set for that bucket only (GDAL path-specific options).
"""
from __future__ import annotations

import configparser
import dataclasses
import logging
import os
import re
import threading
from typing import Any, Dict, List, Mapping, Optional
from urllib.parse import quote, urlsplit

from ... import errors
from ...auth.headers import HeadersProvider
from ...base import Connection, SearchResults, SearchWarning
from ...download.assembly import FolderAssembly
from ...download.jobs import DownloadJob, safe_name
from ...net.untrusted import path_inside
from ...model import Checksum, CollectionInfo, Scene, SearchRequest
from ...net.s3 import S3Account, S3Client, SigV4Signer, _AccountError, _ProductError
from ..stac.api import StacApiProvider
from . import safe

LOG = logging.getLogger(__name__)

EARTH_SEARCH = "https://earth-search.aws.element84.com/v1"
DEFAULTS: Dict[str, Any] = {"stac_url": EARTH_SEARCH, "collection": "sentinel-1-grd", "s3_endpoint": "",
                            "region": "eu-central-1", "bucket": "sentinel-s1-l1c", "zip": False}
REQUESTER_PAYS = {"x-amz-request-payer": "requester"}
BILLING_NOTICE = ("The {bucket} bucket is requester-pays: AWS bills your account for the transfer (and the "
                  "requests) of every file downloaded or streamed from it.")
NO_KEYS = ("No AWS credentials: the {bucket} bucket is requester-pays and needs an AWS account's keys. Add "
           "them to the connection (Connections…), or set AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY, or "
           "AWS_PROFILE with a profile of ~/.aws/credentials.")



def aws_account(credentials: Any = None, environ: Optional[Mapping[str, str]] = None) -> Optional[S3Account]:
    """The AWS keys to sign with, looked for as the AWS tools do: the connection's keys
    (keyring), ``AWS_ACCESS_KEY_ID`` / ``AWS_SECRET_ACCESS_KEY`` (``AWS_SESSION_TOKEN``), then
    the profile ``AWS_PROFILE`` (or ``default``) of the shared credentials file
    (``AWS_SHARED_CREDENTIALS_FILE``, default ``~/.aws/credentials``). None when there are none."""
    env = os.environ if environ is None else environ
    creds = dict(credentials or {}) if isinstance(credentials, Mapping) or credentials is None else {}
    if creds.get("access_key") and creds.get("secret_key"):
        return S3Account("AWS", creds["access_key"], creds["secret_key"], creds.get("session_token") or "")
    if env.get("AWS_ACCESS_KEY_ID") and env.get("AWS_SECRET_ACCESS_KEY"):
        return S3Account("AWS", env["AWS_ACCESS_KEY_ID"], env["AWS_SECRET_ACCESS_KEY"],
                         env.get("AWS_SESSION_TOKEN") or "")
    named = creds.get("profile") or env.get("AWS_PROFILE") or env.get("AWS_DEFAULT_PROFILE")
    path = env.get("AWS_SHARED_CREDENTIALS_FILE") or os.path.join(os.path.expanduser("~"), ".aws", "credentials")
    parser = configparser.RawConfigParser()
    try:
        parser.read(path, encoding="utf-8")
    except (OSError, configparser.Error) as err:
        raise errors.InvalidRequestError(f"The AWS credentials file {path} cannot be read: {err}") from err
    profile = named or "default"
    if parser.has_section(profile):
        section = parser[profile]
        access, secret = section.get("aws_access_key_id"), section.get("aws_secret_access_key")
        if access and secret:
            return S3Account(f"AWS profile {profile}", access.strip(), secret.strip(),
                             (section.get("aws_session_token") or "").strip())
    if named:
        raise errors.InvalidRequestError(
            f"The AWS profile “{named}” has no aws_access_key_id / aws_secret_access_key in {path}.")
    return None


class RequesterPaysHeaders(HeadersProvider):
    """SigV4 headers (with ``x-amz-request-payer: requester``) for GETs of one S3 endpoint."""

    def __init__(self, account: S3Account, region: str):
        self.signer = SigV4Signer(account, region)

    def headers(self, url: Optional[str] = None) -> Dict[str, str]:
        return self.signer.headers("GET", url or "", REQUESTER_PAYS)


class _CappedResults(SearchResults):
    """Search results that warn once when the limit cut them (aws_imagery_pack's images_limit)."""

    def __init__(self, factory, limit: Optional[int], on_cut):
        super().__init__(factory, limit=limit)
        self._on_cut = on_cut

    def pages(self):
        for page in super().pages():
            if self.truncated:
                self._on_cut(self._limit)
            yield page


class AwsS1Provider(StacApiProvider):
    """Sentinel-1 products found through a STAC API, downloaded as SAFE products rebuilt from
    the requester-pays bucket (see the module docstring)."""

    kind = "aws"

    def __init__(self, connection: Connection, credentials: Any = None, **kwargs: Any):
        options = {k: v for k, v in (connection.options or {}).items() if k not in ("signing", "signing_url")}
        stac_url = connection.option("stac_url") or connection.url or EARTH_SEARCH
        super().__init__(Connection(name=connection.name, kind=connection.kind, url=str(stac_url), options=options,
                                    preset=connection.preset), **kwargs)
        self.collection = str(connection.option("collection", DEFAULTS["collection"]))
        self.bucket = str(connection.option("bucket", DEFAULTS["bucket"]))
        self.region = str(connection.option("region", DEFAULTS["region"]))
        self.s3_endpoint = str(connection.option("s3_endpoint") or f"https://s3.{self.region}.amazonaws.com").rstrip("/")
        self.zip = connection.flag("zip")
        self._credentials = credentials
        self._account: Optional[S3Account] = None
        self._account_lock = threading.Lock()
        self.what = f"The STAC API of “{connection.name}”"

    # ------------------------------------------------------------------ credentials
    def account(self) -> S3Account:
        """The AWS keys (see :func:`aws_account`); a plain error when there are none."""
        with self._account_lock:
            if self._account is None:
                self._account = aws_account(self._credentials)
            if self._account is None:
                raise errors.AuthenticationError(NO_KEYS.format(bucket=self.bucket))
            return self._account

    def download_notice(self) -> str:
        """Said before the first download: who pays for the transfer."""
        return BILLING_NOTICE.format(bucket=self.bucket)

    # ------------------------------------------------------------------ search
    def list_collections(self) -> List[CollectionInfo]:
        return [self.get_collection(self.collection)]

    def search(self, request: SearchRequest) -> SearchResults:
        # the bucket's folder names keep a 4-character suffix that STAC item ids drop
        ids = tuple(re.sub(r"^(S1[A-D]_\w+_[0-9A-F]{6})_[0-9A-F]{4}$", r"\1", i) for i in request.ids)
        narrowed = dataclasses.replace(request, collections=(self.collection,), ids=ids)

        def cut(limit: Optional[int]) -> None:
            message = (f"The search stopped at {limit} products (its limit, in search order); more match: narrow "
                       "the area or the dates, or raise the limit.")
            if all(w.message != message for w in self.warnings):
                self.warnings.append(SearchWarning(message))

        self.warnings = []
        return _CappedResults(lambda: self._pages(narrowed), narrowed.limit, cut)

    # ------------------------------------------------------------------ objects
    def _split_s3(self, href: str):
        bucket, _, key = href[len("s3://"):].partition("/")
        return bucket, key

    def object_url(self, key: str, bucket: Optional[str] = None) -> str:
        """The path-style HTTPS URL of ``key`` on the S3 endpoint."""
        return f"{self.s3_endpoint}/{quote(bucket or self.bucket)}/{quote(key, safe='/~')}"

    def resolve_href(self, href: str, asset: Any = None) -> str:
        if href.startswith("s3://"):
            return self.object_url(*reversed(self._split_s3(href)))
        return super().resolve_href(href, asset)

    def request_headers(self, url: str) -> Dict[str, str]:
        if url and url.startswith(self.s3_endpoint + "/"):
            return RequesterPaysHeaders(self.account(), self.region).headers(url)
        return {}

    def gdal_path(self, href: str) -> str:
        if not href.startswith("s3://"):
            return super().gdal_path(href)
        bucket, key = self._split_s3(href)
        self.configure_gdal(bucket)
        return f"/vsis3/{bucket}/{key}"

    def gdal_options(self, bucket: Optional[str] = None) -> Dict[str, str]:
        """GDAL's ``/vsis3/`` settings for ``bucket``: requester pays, the keys, the endpoint."""
        account = self.account()
        options = {"AWS_REQUEST_PAYER": "requester", "AWS_ACCESS_KEY_ID": account.access_key,
                   "AWS_SECRET_ACCESS_KEY": account.secret_key, "AWS_REGION": self.region,
                   "AWS_DEFAULT_REGION": self.region, "AWS_NO_SIGN_REQUEST": "NO"}
        if account.session_token:
            options["AWS_SESSION_TOKEN"] = account.session_token
        if self.connection.option("s3_endpoint"):
            parts = urlsplit(self.s3_endpoint)
            options.update({"AWS_S3_ENDPOINT": parts.netloc, "AWS_HTTPS": "YES" if parts.scheme == "https" else "NO",
                            "AWS_VIRTUAL_HOSTING": "FALSE"})
        return options

    def configure_gdal(self, bucket: str) -> None:
        """Set :meth:`gdal_options` for ``/vsis3/<bucket>/`` only (never process-wide: other
        buckets and the user's own S3 settings are untouched)."""
        from osgeo import gdal

        setter = getattr(gdal, "SetPathSpecificOption", None)
        if setter is None:
            raise errors.InvalidRequestError(
                "Streaming from a requester-pays bucket needs GDAL 3.6 or newer (path-specific options); "
                "download the product instead.")
        for key, value in self.gdal_options(bucket).items():
            setter(f"/vsis3/{bucket}/", key, value)

    # ------------------------------------------------------------------ products
    def product_name(self, scene: Scene) -> safe.ProductName:
        """The product's full id (with its unique suffix): ``s1:product_identifier``, else
        the folder of its manifest in the bucket."""
        pid = scene.properties.get("s1:product_identifier")
        if not pid:
            manifest = next((a.href for a in scene.assets.values() if a.href.endswith("/manifest.safe")), "")
            pid = manifest.rstrip("/").rsplit("/", 2)[-2] if manifest.count("/") >= 2 else scene.id
        return safe.ProductName.parse(str(pid))

    def _s3_client(self) -> S3Client:
        return S3Client(self.s3_endpoint, self.account(), self.region, session=self.session,
                        signed_headers=REQUESTER_PAYS)

    def list_product(self, name: safe.ProductName) -> Dict[str, Any]:
        """``{relative key: S3Object}`` of the product's files; every part a SAFE needs must be
        there (:data:`.safe.REQUIRED_PARTS`, and each polarisation's measurement, annotation,
        calibration and noise files), else a plain error naming what is missing."""
        client = self._s3_client()
        base = name.prefix() + "/"
        try:
            top, folders = client.list_level(self.bucket, base)
            objects = list(top)
            for folder in folders:
                objects.extend(client.list_objects(self.bucket, folder))
        except (_AccountError, _ProductError) as err:
            raise err.error from None
        files = {o.key[len(base):]: o for o in objects if o.key.startswith(base) and not o.key.endswith("/")
                 and not o.key.endswith("_$folder$")}
        if not files:
            raise errors.NotFoundError(f"{name.product_id} is not in the {self.bucket} bucket ({base}).")
        missing = [part for part in safe.REQUIRED_PARTS
                   if not any(rel == part or (part.endswith("/") and rel.startswith(part) and "/" not in rel[len(part):])
                              for rel in files)]
        pols = {"DV": ("vv", "vh"), "DH": ("hh", "hv"), "SV": ("vv",), "SH": ("hh",)}.get(name.polarisation, ())
        swaths = sorted({m.group(1) for rel in files for m in [re.match(r"measurement/([a-z0-9]+)-", rel)] if m}) or \
            [name.mode.lower()]
        for swath in swaths:
            for pol in pols:
                for needed in (f"measurement/{swath}-{pol}.tiff", f"annotation/{swath}-{pol}.xml",
                               f"annotation/calibration/calibration-{swath}-{pol}.xml",
                               f"annotation/calibration/noise-{swath}-{pol}.xml"):
                    if needed not in files and needed not in missing:
                        missing.append(needed)
        if missing:
            raise errors.NotFoundError(
                f"{name.product_id}: the bucket's copy is incomplete (missing {', '.join(missing)}); the product "
                "is skipped and nothing of it is written.")
        return files

    def _filename_map(self, name: safe.ProductName, files: Dict[str, Any]) -> Optional[Dict[str, str]]:
        """The product's ``productInfo.json`` ``filenameMap`` (SAFE name → key), when it has one."""
        if "productInfo.json" not in files:
            return None
        url = self.object_url(f"{name.prefix()}/productInfo.json")
        try:
            response = self.session.get(url, headers=self.request_headers(url), timeout=(10, 60))
        except Exception as err:  # noqa: BLE001 - the computed names are the fallback
            LOG.info("productInfo.json of %s unreadable: %s", name.product_id, err)
            return None
        try:
            if response.status_code != 200:
                return None
            mapping = response.json().get("filenameMap")
        except ValueError:
            return None
        finally:
            response.close()
        return mapping if isinstance(mapping, dict) else None

    def product_jobs(self, scene: Scene, output_folder: str, *, unpack: bool = False) -> List[DownloadJob]:
        """The jobs that rebuild the scene's SAFE product in ``<output>/<collection>/`` (see
        the module docstring); one skipped job when the product is already there."""
        name = self.product_name(scene)
        collection_dir = os.path.join(os.path.abspath(output_folder), safe_name(scene.collection or self.collection))
        final_dir = os.path.join(collection_dir, name.product_id + ".SAFE")
        zip_path = os.path.join(collection_dir, name.product_id + ".zip")
        key_base = f"{scene.connection or ''}|{scene.collection or ''}|{scene.id}|"
        product_url = self.object_url(name.prefix() + "/")
        for present in (final_dir, zip_path):
            if os.path.isdir(present) and os.listdir(present) or os.path.isfile(present) and os.path.getsize(present):
                return [DownloadJob(url=product_url, dest_path=present, key=key_base + "product",
                                    label=os.path.basename(present), manifest_dir=output_folder,
                                    skip_reason="Already in the output folder.")]
        files = self.list_product(name)
        names = safe.safe_names(name, sorted(files), self._filename_map(name, files))
        staging = os.path.join(collection_dir, "." + name.product_id + ".SAFE.part")
        group = FolderAssembly(name.product_id, staging, final_dir, zip_path if self.zip else None)
        headers = RequesterPaysHeaders(self.account(), self.region)
        jobs = []
        for rel, safe_path in sorted(names.items(), key=lambda kv: kv[1]):
            obj = files[rel]
            etag = obj.etag if re.fullmatch(r"[0-9a-fA-F]{32}", obj.etag or "") else None
            jobs.append(DownloadJob(
                url=self.object_url(obj.key), dest_path=path_inside(staging, safe_path), size=obj.size,
                checksum=Checksum("md5", etag.lower()) if etag else None, headers_provider=headers,
                key=key_base + safe_path, label=f"{name.product_id} · {safe_path}", manifest_dir=output_folder,
                group=group))
        return jobs
