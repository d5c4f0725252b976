"""Remove secrets (tokens, keys, signatures, passwords) from text, URLs and headers
before anything reaches a log, an error message or a file."""
from __future__ import annotations

import logging
import re
from typing import Mapping, Set
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

SECRET_QUERY_KEYS = {
    "x-amz-signature", "x-amz-credential", "x-amz-security-token", "sig", "signature", "token",
    "access_token", "refresh_token", "id_token", "api_key", "apikey", "key", "password", "pass",
    "secret", "client_secret", "code", "skoid", "sktid", "skt", "ske", "sks", "skv", "se", "st",
    "sp", "sv", "sr", "spr", "sip", "ss", "srt", "totp",
}
SECRET_HEADERS = {"authorization", "x-auth-token", "access-key", "secret-key", "ocp-apim-subscription-key",
                  "cookie", "proxy-authorization", "x-api-key"}
MASK = "***"

_known_secrets: Set[str] = set()


def register_secret(value: str) -> None:
    """Remember a secret value so that it is masked wherever it appears."""
    if value and len(value) >= 4:
        _known_secrets.add(value)


def redact_url(url: str) -> str:
    if not url or "?" not in url and "@" not in url:
        return _mask_known(url or "")
    try:
        parts = urlsplit(url)
    except ValueError:
        return redact_text(url)
    netloc = parts.netloc
    if "@" in netloc:
        netloc = MASK + "@" + netloc.split("@", 1)[1]
    query = parts.query
    if query:
        pairs = parse_qsl(query, keep_blank_values=True)
        query = urlencode([(k, MASK if k.lower() in SECRET_QUERY_KEYS else v) for k, v in pairs], safe="*:/,")
    return _mask_known(urlunsplit((parts.scheme, netloc, parts.path, query, parts.fragment)))


_URL_RE = re.compile(r"(?:https?|s3)://[^\s'\"<>]+")
_KV_RE = re.compile(
    r"(?i)\b(password|passwd|token|access_token|refresh_token|secret|api[_-]?key|authorization|"
    r"x-amz-signature|sig)(\s*[=:]\s*)(\"?)(bearer\s+)?([^\s\"'&,}]+)")


def redact_text(text: str) -> str:
    if not text:
        return text or ""
    text = _URL_RE.sub(lambda m: redact_url(m.group(0)), text)
    text = _KV_RE.sub(lambda m: f"{m.group(1)}{m.group(2)}{m.group(3)}{m.group(4) or ''}{MASK}", text)
    return _mask_known(text)


def redact_headers(headers: Mapping[str, str]) -> dict:
    return {k: (MASK if k.lower() in SECRET_HEADERS else v) for k, v in headers.items()}


def _mask_known(text: str) -> str:
    for secret in _known_secrets:
        if secret in text:
            text = text.replace(secret, MASK)
    return text


class RedactingFilter(logging.Filter):
    """Masks secrets in the records of a third-party logger (urllib3 logs request lines with
    their query strings, signatures included, at DEBUG level)."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # noqa: BLE001 - a broken record is not ours to fix
            return True
        clean = redact_text(message)
        if clean != message:
            record.msg, record.args = clean, None
        return True


THIRD_PARTY_LOGGERS = ("urllib3.connectionpool", "urllib3.util.retry", "urllib3.poolmanager",
                       "requests", "pystac_client.stac_api_io")
_logging_redaction_installed = False


def install_logging_redaction() -> None:
    """Add :class:`RedactingFilter` to the loggers of the HTTP libraries (idempotent)."""
    global _logging_redaction_installed
    if _logging_redaction_installed:
        return
    for name in THIRD_PARTY_LOGGERS:
        logger = logging.getLogger(name)
        if not any(isinstance(f, RedactingFilter) for f in logger.filters):
            logger.addFilter(RedactingFilter())
    _logging_redaction_installed = True


def strip_signature(url: str) -> str:
    """``url`` without signature/token query parameters (an S3 presigned or SAS-signed href
    back to the plain href a catalog published), for anything written to disk or shown."""
    if not isinstance(url, str) or "://" not in url or ("?" not in url and "@" not in url):
        return url
    try:
        parts = urlsplit(url)
    except ValueError:
        return url
    netloc = parts.netloc.rsplit("@", 1)[-1]  # no user:password@ either
    pairs = parse_qsl(parts.query, keep_blank_values=True)
    kept = [(k, v) for k, v in pairs if k.lower() not in SECRET_QUERY_KEYS and not k.lower().startswith("x-amz-")]
    if len(kept) == len(pairs) and netloc == parts.netloc:
        return url
    query = urlencode(kept, safe="/:,") if len(kept) != len(pairs) else parts.query
    return urlunsplit((parts.scheme, netloc, parts.path, query, parts.fragment))


def strip_signatures(value):
    """A copy of a JSON-like value with every signed URL string unsigned."""
    if isinstance(value, str):
        return strip_signature(value)
    if isinstance(value, dict):
        return {k: strip_signatures(v) for k, v in value.items()}
    if isinstance(value, list):
        return [strip_signatures(v) for v in value]
    return value
