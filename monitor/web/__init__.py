"""The change-history browser: web UI, JSON API and Atom feeds (``policywatch serve``)."""

from monitor.web.app import create_app

__all__ = ["create_app"]
