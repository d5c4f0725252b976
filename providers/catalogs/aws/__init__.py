"""Cloud buckets on AWS: Sentinel-1 SAFE products rebuilt from the requester-pays
``sentinel-s1-l1c`` bucket (kind ``aws``, preset ``aws-s1``), found through Earth Search."""
from __future__ import annotations

from typing import Dict

from ... import errors
from ...auth.credentials import AuthScheme, CredentialField
from ...spec import Capabilities, ConnectionCheck, EndpointField, Preset, ProviderSpec
from .provider import DEFAULTS, EARTH_SEARCH

# the standard variables of the AWS tools: AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY,
# AWS_SESSION_TOKEN, AWS_PROFILE (read from ~/.aws/credentials by the provider)
AWS_SCHEME = AuthScheme(
    "aws", "AWS account keys (requester pays)", "AWS_",
    (CredentialField("access_key", "Access key id", secret=False, env_suffix="ACCESS_KEY_ID"),
     CredentialField("secret_key", "Secret access key", env_suffix="SECRET_ACCESS_KEY"),
     CredentialField("session_token", "Session token (temporary keys only)", env_suffix="SESSION_TOKEN"),
     CredentialField("profile", "Profile of ~/.aws/credentials (instead of keys)", secret=False,
                     env_suffix="PROFILE")),
    service="AWS",
    note="The bucket is requester-pays: AWS bills the account of these keys for every file downloaded or "
         "streamed. Without keys here, AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY or AWS_PROFILE are used.")


def check_aws(connection, session, headers: Dict[str, str], result: ConnectionCheck) -> None:
    """The STAC API's landing page and its Sentinel-1 collection."""
    from ...net import http

    url = connection.option("stac_url") or connection.url or EARTH_SEARCH
    landing = http.get_json(session, url, what="The STAC API")
    if not isinstance(landing, dict):
        raise errors.MalformedResponseError("The address answered, but not with a STAC landing page.")
    collection = connection.option("collection", DEFAULTS["collection"])
    http.get_json(session, url.rstrip("/") + "/collections/" + collection, what=f"The collection {collection}")
    result.add(True, f"Reachable: STAC API “{landing.get('title') or url}” with the collection {collection}.")
    result.add(True, f"Downloads come from the requester-pays bucket {connection.option('bucket', DEFAULTS['bucket'])}:"
                     " AWS bills your account for them.")


SPECS = (
    ProviderSpec(
        kind="aws", title="AWS Sentinel-1 bucket (requester pays)", factory=".catalogs.aws.provider:AwsS1Provider",
        url=EARTH_SEARCH, url_label="STAC API searched", page_size=100,
        endpoints=(EndpointField("collection", "STAC collection", DEFAULTS["collection"]),
                   EndpointField("s3_endpoint", "S3 endpoint (empty: AWS)", DEFAULTS["s3_endpoint"]),
                   EndpointField("region", "Region", DEFAULTS["region"]),
                   EndpointField("bucket", "Bucket", DEFAULTS["bucket"]),
                   EndpointField("zip", "Zip each product (true/false)", "false")),
        auth="aws", schemes=(AWS_SCHEME,),
        capabilities=Capabilities(streaming=True, downloads=True),
        check=".catalogs.aws:check_aws",
        presets=(Preset(
            "aws-s1", "Sentinel-1 GRD, AWS requester-pays bucket", "aws", EARTH_SEARCH,
            "Sentinel-1 GRD found through Earth Search and downloaded as SAFE products rebuilt from the "
            "sentinel-s1-l1c bucket. Requester pays: AWS bills your account for every download.",
            {"collection": DEFAULTS["collection"], "region": DEFAULTS["region"], "bucket": DEFAULTS["bucket"],
             "zip": False}, order=30),)),
)
