"""The policywatch exception tree.

Every error policywatch raises on purpose derives from :class:`PolicywatchError`, so callers can catch
one type. The subclasses say which layer failed and, with it, what the user can do::

    PolicywatchError            root; never raised itself
    ├── ConfigError             config file missing, unreadable or invalid (names the file and key)
    ├── StorageError            database unreachable, schema out of date, integrity problem
    │   └── NotFound            a policy, version or change that does not exist
    ├── FetchError              a site could not be fetched or gave an unusable answer (a failed check)
    │   ├── RobotsDisallowed    robots.txt forbids the URL for our User-Agent
    │   ├── ContentTooLarge     the body exceeds ``fetch.max_bytes``
    │   └── UnusableContent     the body is not a text: an image, an archive, a scanned or locked PDF,
    │                           or a script-rendered page with no browser to render it
    ├── ArchiveError            the Wayback Machine answered badly (CDX or capture)
    │   └── ArchiveRateLimited  HTTP 429 from the archive: every archive request pauses
    ├── DeliveryError           an alert could not be delivered (SMTP or webhook); it will be retried
    ├── SourceError             an import source (an OTA collection or declarations) cannot be read
    └── ExportError             an export target cannot be written

Site, archive and delivery errors are expected in normal operation: they are recorded, never raised
out of a run. Config and storage errors stop the command with a non-zero exit.
"""

from __future__ import annotations


class PolicywatchError(Exception):
    """Root of every error policywatch raises on purpose."""


class ConfigError(PolicywatchError):
    """The configuration is missing or invalid; the message names the file and the key."""


class StorageError(PolicywatchError):
    """The database cannot be used as asked."""


class NotFound(StorageError):
    """A policy, version or change that does not exist."""


class FetchError(PolicywatchError):
    """A site could not be fetched, or answered with something that is not a policy version.

    ``reason`` is a short machine-readable word (``timeout``, ``http_500``, ``bot_wall`` ...) kept in the
    check log; ``status`` is the HTTP status when there was one.
    """

    def __init__(self, message: str, *, reason: str = "error", status: int | None = None) -> None:
        super().__init__(message)
        self.reason = reason
        self.status = status


class RobotsDisallowed(FetchError):
    """robots.txt forbids fetching the URL with our User-Agent."""

    def __init__(self, message: str) -> None:
        super().__init__(message, reason="robots_disallowed")


class ContentTooLarge(FetchError):
    """The response body is larger than ``fetch.max_bytes``."""

    def __init__(self, message: str, *, status: int | None = None) -> None:
        super().__init__(message, reason="too_large", status=status)


class UnusableContent(FetchError):
    """The answer holds no policy text we can read; ``reason`` says why.

    ``not_text`` (an image, archive or other binary body), ``pdf_no_text`` (a scan), ``pdf_encrypted``,
    ``pdf_unreadable`` or ``needs_browser`` (script-rendered, and no Chromium to render it).
    """

    def __init__(self, message: str, *, reason: str, status: int | None = None) -> None:
        super().__init__(message, reason=reason, status=status)


class ArchiveError(PolicywatchError):
    """The Wayback Machine answered with an error or with data we cannot use."""


class ArchiveRateLimited(ArchiveError):
    """The archive answered 429; all archive requests must pause."""


class DeliveryError(PolicywatchError):
    """An alert could not be delivered; ``permanent`` errors are not retried."""

    def __init__(self, message: str, *, permanent: bool = False) -> None:
        super().__init__(message)
        self.permanent = permanent


class SourceError(PolicywatchError):
    """An import source (an Open Terms Archive collection or declarations folder) cannot be read."""


class ExportError(PolicywatchError):
    """An export target cannot be written."""
