"""Per-command message catalogues, merged into :mod:`gradsym.render.messages`.

A command's prose may live in a module of its own here, ``<command>.py``, defining any of
the dicts ``EN`` (catalogue keys → English; keyed errors as ``error.<key>``), ``ZH`` (the
same keys → Chinese) and ``HELP_ZH`` (help texts → Chinese).
Every module of this package is merged when the catalogue is first imported.
"""
