"""One module per layer: the forward pass, its derivatives and the identities it proves.

A new layer goes in ``layers/<name>.py`` and provides three things:

- its **forward definition**: expressions over named symbolic tensors
  (:class:`~gradsym.symbols.Tensor`), differentiated by the shared calculus;
- the **identities it proves**: right-hand sides built independently (from grids, a
  closed form) and compared entry by entry (:func:`~gradsym.proofs.compare`);
- its **options**: a frozen configuration parsed from the caller's values.

It returns a :class:`~gradsym.derivation.Derivation` holding only data: numbers, engine
elements, catalogue keys with parameters (``title``, ``setup``: its steps) and, in a
subclass with typed attributes, the layer's own results (configuration, closed forms,
statistics). It never imports ``gradsym.render`` or ``gradsym.cli`` and leaves no
callables on the result; its sections and JSON fields go in
``gradsym/render/sections/<name>.py`` (see :mod:`gradsym.render`).

The convolution family: :mod:`~gradsym.layers.convolution` holds the public ``conv`` and
``deconv`` and picks the engine — :mod:`~gradsym.layers.conv` / :mod:`~gradsym.layers.deconv`
(concrete sizes), :mod:`~gradsym.layers.conventions` (TensorFlow/JAX layouts) or
:mod:`~gradsym.layers.general` (symbolic sizes, checked by
:mod:`~gradsym.layers.general_check`); none of those imports it back.
"""
