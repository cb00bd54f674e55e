"""Presentation: every caption, section, table and JSON field is built here, from data.

:mod:`~gradsym.render.layout` lays a derivation out as a renderer-neutral
:class:`~gradsym.render.document.Document` (set-up, forward, Jacobians, gradients,
proofs); a command's own sections and JSON fields come from
``render/sections/<command>.py`` (``sections(d, t, full)``, ``json_fields(d)``), which
:mod:`gradsym.render.sections` dispatches on the command. The back ends — text, Rich
(:mod:`~gradsym.render.terminal`), Markdown, LaTeX/PDF, JSON, plots — only decide how
blocks look. Prose is resolved through the message catalogue
(:mod:`~gradsym.render.messages`, looked up by :mod:`~gradsym.render.wording`) in the
requested language.

A renderer may read a layer's data (and its geometry helpers), never differentiate, and
never import :mod:`gradsym.cli`.
"""
