"""Catalogue entries of ``net --emit`` (gradsym/render/emit/net.py)."""

from __future__ import annotations

EN: dict[str, str] = {}

ZH: dict[str, str] = {}

HELP_ZH: dict[str, str] = {}
