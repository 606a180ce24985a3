"""The web concordancer behind ``yuliao serve``: pages and a JSON API over a read-only corpus."""

from __future__ import annotations

from crawler.web.app import create_app, db_label, readonly_url

__all__ = ["create_app", "db_label", "readonly_url"]
