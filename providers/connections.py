"""Presets, connection strings and the provider registry.

A user names a catalog in one of these ways (:func:`resolve_connection`):

- the name of a saved connection;
- a preset id (``earth-search``, ``planetary-computer``, ``dinamis``, ``isdeform``,
  ``cdse-stac``, ``demo``), optionally with option overrides: ``earth-search?page_size=200``;
- a bare ``http(s)`` URL or a local path: a ``.json`` document or a Catalog/Collection without
  item-search conformance is a static catalog, a landing page with item-search conformance is a
  STAC API (one GET decides);
- ``KIND+URL?option=value&...``, e.g.
  ``stac-api+http://127.0.0.1:8081/?page_size=500&signing=dinamis&signing_url=http://...``.

Connection strings never carry secrets: a query key that looks like one (``token``,
``password``, ``key``, ``secret``...) is refused, and credentials go to the connection
manager (OS keyring) or the ``EOSF_*`` environment variables instead.
"""
from __future__ import annotations

import os
import re
import threading
from pathlib import Path
from typing import Any, Dict, Mapping, Optional, Tuple
from urllib.parse import parse_qsl, urlencode, urlsplit

from . import errors
from .base import Connection, Provider
from .catalogs import kinds, spec_for, specs
from .catalogs.stac import DEMO_CATALOG  # noqa: F401  (the bundled demo catalog's path)
from .spec import Preset



class _Presets(Mapping):
    """Every preset the catalog kinds declare, ``{id: Preset}`` in list order (built on
    first use from the specs)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._items: Optional[Dict[str, Preset]] = None

    def _all(self) -> Dict[str, Preset]:
        with self._lock:
            if self._items is None:
                found = [p for spec in specs().values() for p in spec.presets]
                self._items = {p.id: p for p in sorted(found, key=lambda p: p.order)}
            return self._items

    def __getitem__(self, key: str) -> Preset:
        return self._all()[key]

    def __iter__(self):
        return iter(self._all())

    def __len__(self) -> int:
        return len(self._all())


PRESETS: Mapping[str, Preset] = _Presets()


def provider_kinds() -> Tuple[str, ...]:
    """Every kind that has a working provider (from the catalog specs)."""
    return kinds()


def open_provider(connection: Connection, credentials: Any = None) -> Provider:
    """The provider for a connection (by its kind). ``credentials`` is a mapping or object
    with the connection's secrets (e.g. ``access_key``/``secret_key``, ``token_provider``,
    ``subscription_key``); providers that take none ignore it."""
    return spec_for(connection.kind).open(connection, credentials=credentials)


# ------------------------------------------------------------------------------ resolving
_SECRET_EXACT = {"key", "sig", "pass", "pwd", "auth", "code", "se", "st", "sp", "skoid", "sktid", "skt", "ske",
                 "sks", "skv", "sv", "sr"}
_SECRET_WORDS = ("password", "passwd", "token", "secret", "apikey", "api_key", "api-key", "access_key",
                 "access-key", "subscription", "signature", "credential", "totp", "authorization",
                 "x-amz-", "private", "cookie", "session")

_INT_OPTIONS = {"page_size", "duration_seconds", "max_concurrency", "timeout"}


def looks_secret(name: str) -> bool:
    """Whether a query / option name looks like it carries a secret."""
    low = (name or "").strip().lower()
    if low.endswith(("_url", "-url", "_endpoint", "_id", "_uri", "_domain", "_domains", "_size", "_pattern", "_seconds")):
        return False  # an endpoint such as token_url, a client_id or a page_size is no secret
    return low in _SECRET_EXACT or any(word in low for word in _SECRET_WORDS) or low.endswith("_key") \
        or low.endswith("-key")


def _no_secrets(keys, where: str) -> None:
    bad = [k for k in keys if looks_secret(k)]
    if bad:
        raise errors.InvalidRequestError(
            f"The connection string {where} contains “{bad[0]}”, which looks like a secret. Connection "
            "strings are stored and shared in plain text: put credentials in the connection manager "
            "(kept in the OS keyring) or in the EOSF_* environment variables instead.")


def _option_value(name: str, value: str) -> Any:
    if name in _INT_OPTIONS:
        try:
            return int(value)
        except ValueError as err:
            raise errors.InvalidRequestError(f"The option {name}={value!r} must be a whole number.") from err
    low = value.lower()
    if low in ("true", "yes", "on"):
        return True
    if low in ("false", "no", "off"):
        return False
    return value


def _split_options(text: str, where: str) -> Tuple[str, Dict[str, Any]]:
    """``base?opt=v&...`` -> (base, options) (secrets refused)."""
    if "?" not in text:
        return text, {}
    base, query = text.split("?", 1)
    pairs = parse_qsl(query, keep_blank_values=True)
    _no_secrets([k for k, _v in pairs], where)
    return base, {k: _option_value(k, v) for k, v in pairs}


def _check_url_secrets(url: str, where: str) -> None:
    parts = urlsplit(url)
    if "@" in parts.netloc:
        raise errors.InvalidRequestError(
            f"The connection string {where} contains a user name or password in the URL. Put "
            "credentials in the connection manager (kept in the OS keyring) or in the EOSF_* "
            "environment variables instead.")
    if parts.query:
        _no_secrets([k for k, _v in parse_qsl(parts.query, keep_blank_values=True)], where)


def _where(raw: str) -> str:
    """The connection string as it may appear in a message: no query, no user info."""
    base = raw.split("?", 1)[0]
    base = re.sub(r"//[^/@]*@", "//", base)
    return f"“{base}”"


def _name_for(url: str) -> str:
    parts = urlsplit(url)
    if parts.scheme in ("http", "https"):
        return (parts.netloc + parts.path).rstrip("/")
    return url


def detect_kind(url: str, session=None) -> str:
    """``static`` or ``stac-api`` for a bare URL or path (one GET for an http URL that does
    not end in ``.json``)."""
    if not url.startswith(("http://", "https://")):
        return "static"
    path = urlsplit(url).path.lower()
    if path.endswith(".json"):
        return "static"
    from .net import http
    own = session is None
    session = session or http.new_session()
    try:
        doc = http.get_json(session, url, what=f"The catalog at {url}")
    finally:
        if own:
            session.close()
    if not isinstance(doc, dict):
        raise errors.MalformedResponseError(f"{url} did not answer with a STAC document.")
    conforms = [str(u) for u in doc.get("conformsTo") or []]
    if any(re.search(r"/item-search/?$", u) for u in conforms):
        return "stac-api"
    links = doc.get("links") or []
    if any(isinstance(l, dict) and l.get("rel") == "search" and "json" in str(l.get("type", "json"))
           for l in links) and doc.get("conformsTo") is not None:
        return "stac-api"
    if doc.get("type") in ("Catalog", "Collection") or "links" in doc:
        return "static"
    raise errors.MalformedResponseError(
        f"{url} is neither a STAC API landing page nor a STAC catalog or collection.")


def resolve_connection(text: str, saved: Optional[Mapping[str, Connection]] = None, *,
                       probe: bool = True, session=None) -> Connection:
    """A connection from what a user typed (see the module docstring for the forms).

    ``probe`` allows one GET to tell a STAC API from a static catalog for a bare URL; with
    ``probe=False`` a bare URL not ending in ``.json`` is taken as a STAC API.
    """
    raw = (text or "").strip()
    if not raw:
        raise errors.InvalidRequestError("No catalog given: name a saved connection, a preset or a URL.")
    saved = saved or {}
    # 1. saved connection names (exact, then case-insensitive)
    if raw in saved:
        return saved[raw]
    lowered = {name.lower(): conn for name, conn in saved.items()}
    if raw.lower() in lowered:
        return lowered[raw.lower()]
    # 2. presets, optionally with overrides
    head, options = (raw.split("?", 1)[0], None)
    preset = PRESETS.get(head.lower()) or next(
        (p for p in PRESETS.values() if p.title.lower() == head.lower()), None)
    if preset is not None:
        _base, options = _split_options(raw, _where(raw))
        url = options.pop("url", None)
        name = options.pop("name", None)
        return preset.connection(name=name, url=url, **options)
    # 3. KIND+URL?options
    match = re.match(r"^([a-z][a-z0-9-]*)\+(.+)$", raw)
    if match and match.group(1) in set(provider_kinds()):
        kind, rest = match.group(1), match.group(2)
        base, options = _split_options(rest, _where(raw))
        _check_url_secrets(base, _where(raw))
        name = options.pop("name", None) or _name_for(base)
        if kind == "static" and not base.startswith(("http://", "https://")):
            base = str(Path(base).expanduser())
        return Connection(name=str(name), kind=kind, url=base, options=options)
    # 4. bare URL
    if re.match(r"^https?://", raw, re.IGNORECASE):
        _check_url_secrets(raw, _where(raw))
        kind = detect_kind(raw, session) if probe else (
            "static" if urlsplit(raw).path.lower().endswith(".json") else "stac-api")
        return Connection(name=_name_for(raw), kind=kind, url=raw)
    # 5. local path (a NUL character cannot be in one: os.stat refuses it with a ValueError)
    path = Path(os.path.expanduser(raw)) if "\x00" not in raw else None
    if path is not None and path.exists():
        return Connection(name=path.name if path.is_file() else str(path), kind="static", url=str(path.resolve()))
    raise errors.InvalidRequestError(
        f"{_where(raw)} is not a saved connection, a preset ({', '.join(PRESETS)}), an http(s) URL or an "
        "existing catalog file.")


def connection_string(connection: Connection) -> str:
    """The ``KIND+URL?options`` text that :func:`resolve_connection` turns back into
    ``connection`` (options only; there are never secrets in a connection)."""
    opts = {k: ("true" if v is True else "false" if v is False else v)
            for k, v in sorted(connection.options.items()) if v not in (None, "")}
    _no_secrets(opts, f"of “{connection.name}”")
    if connection.name != _name_for(connection.url):
        opts["name"] = connection.name
    query = urlencode(opts, safe="/:,")
    return f"{connection.kind}+{connection.url}" + (f"?{query}" if query else "")
