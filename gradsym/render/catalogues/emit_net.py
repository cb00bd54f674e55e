"""Catalogue entries of ``net --emit`` (gradsym/render/emit/net.py)."""

from __future__ import annotations

EN: dict[str, str] = {}

ZH: dict[str, str] = {}

ERRORS_ZH = {
    "--emit for net needs the network: give --input and --layers":
    "net 的 --emit 需要网络本身：请给出 --input 和 --layers",
}

HELP_ZH: dict[str, str] = {}
