"""OData catalogues: the Copernicus Data Space Ecosystem (``cdse``) and CREODIAS
(``creodias``), which speak the same interface."""
from __future__ import annotations

from typing import Dict

from ...auth.credentials import PASSWORD_FIELD, REFRESH_FIELD, TOTP_FIELD, USER_FIELD, AuthScheme, CredentialField
from ...spec import Capabilities, ConnectionCheck, EndpointField, Preset, ProviderSpec
from .query import CDSE_ENDPOINTS, CREODIAS_ENDPOINTS

CDSE_SCHEME = AuthScheme(
    "cdse", "Copernicus Data Space account", "EOSF_CDSE_",
    (USER_FIELD, PASSWORD_FIELD, TOTP_FIELD,
     CredentialField("s3_access_key", "S3 access key (optional, for S3 downloads)",
                     secret=False, env_suffix="S3_ACCESS_KEY",
                     help="From the CDSE S3 credentials manager. More accounts: "
                          "EOSF_CDSE_S3_ACCESS_KEY_2 / _SECRET_KEY_2, ..."),
     CredentialField("s3_secret_key", "S3 secret key", env_suffix="S3_SECRET_KEY"),
     REFRESH_FIELD),
    required=("username", "password"), service="Copernicus Data Space", session="password-grant",
    token_url=CDSE_ENDPOINTS["token_url"], client_id=CDSE_ENDPOINTS["client_id"])
# CREODIAS: realm ``Creodias-new``, client ``CLOUDFERRO_PUBLIC`` (eodag
# resources/providers/creodias.yml, ``auth: oidc_config_url``, ``client_id``); the two-factor
# code is mandatory (CREODIAS "EOData Catalogue API Manual"; eodag's providers.rst: "You will
# also need `totp` in credentials"); the token goes in the download URL as ``?token=``
# (creodias.yml ``token_provision: qs``, ``token_qs_key: 'token'``).
CREODIAS_SCHEME = AuthScheme(
    "creodias", "CREODIAS account", "EOSF_CREODIAS_",
    (USER_FIELD, PASSWORD_FIELD,
     CredentialField("totp", "Two-factor code or TOTP secret (required)", env_suffix="TOTP",
                     help="CREODIAS requires two-factor authentication. A 6-digit code is used once "
                          "and not stored; the TOTP secret (the base32 text behind the QR code) lets "
                          "the plugin log in again by itself."),
     REFRESH_FIELD),
    required=("username", "password"), service="CREODIAS", session="password-grant",
    token_url=CREODIAS_ENDPOINTS["token_url"], client_id=CREODIAS_ENDPOINTS["client_id"],
    totp_required=True, token_query="token",
    note="CREODIAS needs the two-factor code or, better, the TOTP secret: without it no token "
         "(and no download) is possible. Downloads also need the data terms accepted in the "
         "CREODIAS account.")


def _endpoints(defaults: Dict[str, str]):
    return (EndpointField("token_url", "Token URL", defaults["token_url"]),
            EndpointField("client_id", "Client id", defaults["client_id"]),
            EndpointField("download_url", "Download URL", defaults["download_url"]),
            EndpointField("token_domains", "Token domains (redirects keep the login)", defaults["token_domains"]))


def check_odata(connection, session, headers: Dict[str, str], result: ConnectionCheck) -> None:
    """One product from ``/Products?$top=1``."""
    from ...net import http

    data = http.get_json(session, connection.url.rstrip("/") + "/Products", params={"$top": 1}, headers=headers,
                         what="The catalogue")
    count = len(data.get("value") or []) if isinstance(data, dict) else 0
    result.add(True, f"Reachable: the OData catalogue answered ({count} product in a test query).")


_CAPABILITIES = Capabilities(downloads=True, cache=True, attribute_filters=True, ordering=False)

SPECS = (
    ProviderSpec(
        kind="cdse", title="Copernicus Data Space (OData)", factory=".catalogs.odata.provider:CdseODataProvider",
        url=CDSE_ENDPOINTS["url"], page_size=1000, endpoints=_endpoints(CDSE_ENDPOINTS),
        auth="cdse", schemes=(CDSE_SCHEME,),
        capabilities=Capabilities(downloads=True, cache=True, attribute_filters=True, s3_transfer=True),
        transfer_label="Copernicus Data Space eodata, several accounts",
        check=".catalogs.odata:check_odata",
        presets=(Preset(
            "cdse", "Copernicus Data Space Ecosystem (OData)", "cdse", CDSE_ENDPOINTS["url"],
            "Every Sentinel mission and the complementary data of CDSE; searches past the 10,000-result "
            "limit; downloads need a free CDSE account (HTTPS) or S3 keys.", order=20),)),
    ProviderSpec(
        kind="creodias", title="CREODIAS (OData)", factory=".catalogs.odata.provider:CreodiasODataProvider",
        url=CREODIAS_ENDPOINTS["url"], page_size=1000, endpoints=_endpoints(CREODIAS_ENDPOINTS),
        auth="creodias", schemes=(CREODIAS_SCHEME,), capabilities=_CAPABILITIES,
        check=".catalogs.odata:check_odata",
        presets=(Preset(
            "creodias", "CREODIAS (OData)", "creodias", CREODIAS_ENDPOINTS["url"],
            "The CREODIAS copy of the Copernicus catalogue (same OData interface); downloads need a "
            "CREODIAS account with its two-factor code or TOTP secret.", order=21),)),
)
