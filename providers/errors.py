"""One exception hierarchy for everything the plugin reports to a user.

Every error carries a message a user understands (``user_message``), an optional
technical ``details`` text (shown on demand, already redacted) and a ``level``
(``"warning"`` or ``"critical"``) that the panel and the Processing algorithms use
to decide how to show it. Keep the original exception as ``__cause__``
(``raise XError(...) from err``).
"""
from __future__ import annotations

from typing import Optional


class EoSceneFinderError(Exception):
    """Root of the plugin's errors; knows how it is shown to a user."""

    level = "critical"
    default_message = "Something went wrong."

    def __init__(self, user_message: Optional[str] = None, details: Optional[str] = None):
        self.user_message = user_message or self.default_message
        self.details = details
        super().__init__(self.user_message)

    def __str__(self) -> str:  # what logs and Processing show
        if self.details:
            return f"{self.user_message} ({self.details})"
        return self.user_message


class CancelledError(EoSceneFinderError):
    """The user cancelled while the provider was waiting (not a failure to report)."""


class InvalidRequestError(EoSceneFinderError):
    """The user's input (AOI, dates, cloud cover, filter...) cannot be searched."""

    level = "warning"
    default_message = "The search parameters are not valid."


class MissingDependencyError(EoSceneFinderError):
    """A Python package the plugin needs is not installed."""

    default_message = "A required Python package is missing."


class ServiceError(EoSceneFinderError):
    """Anything that went wrong talking to a remote service; ``status`` is the HTTP status and
    ``server_message`` what the server said about it (redacted), when there was an answer."""

    def __init__(self, user_message: Optional[str] = None, details: Optional[str] = None,
                 url: Optional[str] = None, status: Optional[int] = None,
                 server_message: Optional[str] = None):
        self.url = url
        self.status = status
        self.server_message = server_message
        super().__init__(user_message, details)


class UnreachableError(ServiceError):
    default_message = "The service could not be reached (connection refused, DNS or TLS failure)."


class ServiceTimeoutError(ServiceError):
    default_message = "The service did not answer in time."


class AuthenticationError(ServiceError):
    default_message = "The service refused the credentials (HTTP 401/403)."


class NotFoundError(ServiceError):
    default_message = "The service says this does not exist (HTTP 404)."


class RateLimitedError(ServiceError):
    default_message = "The service asks us to slow down (HTTP 429)."

    def __init__(self, *args, retry_after: Optional[float] = None, **kwargs):
        self.retry_after = retry_after
        super().__init__(*args, **kwargs)


class BadRequestError(ServiceError):
    """The service rejected the request; ``server_message`` is what it said."""

    default_message = "The service rejected the request."


class ServerError(ServiceError):
    default_message = "The service had an internal error (HTTP 5xx)."


class MalformedResponseError(ServiceError):
    default_message = "The service answered with something that is not what its protocol promises."


class DownloadError(EoSceneFinderError):
    default_message = "The download failed."


class ChecksumMismatchError(DownloadError):
    default_message = "The downloaded file does not match its published checksum."


class DiskFullError(DownloadError):
    default_message = "There is not enough free disk space."


class OfflineProductError(DownloadError):
    level = "warning"
    default_message = "The product is in the long-term archive and must be ordered first."


# what a parser of server documents may raise on wrong types (a field that is a list
# instead of a text, a number instead of an object...): turned into MalformedResponseError
DOCUMENT_ERRORS = (TypeError, ValueError, AttributeError, KeyError, IndexError, RecursionError, OverflowError)


def tolerant_record(what: str):
    """Decorate a server-record parser so that a record of the wrong shape raises a
    :class:`MalformedResponseError` saying which service sent it, never a Python error."""
    import functools

    def wrap(parse):
        @functools.wraps(parse)
        def guarded(*args, **kwargs):
            try:
                return parse(*args, **kwargs)
            except EoSceneFinderError:
                raise
            except DOCUMENT_ERRORS as err:
                from .net.redact import redact_text  # a record may carry tokens (signed hrefs)

                raise MalformedResponseError(f"{what} sent a record that could not be read; it was skipped.",
                                             details=redact_text(f"{type(err).__name__}: {str(err)[:200]}")) from err
        return guarded
    return wrap
