"""Parse what users type into frozen, validated options — one module per family (pure: no
SymPy, no I/O). Every parse error is a :class:`~gradsym.errors.SpecError` naming the option.

- :mod:`gradsym.spec.values`: shapes, per-dimension options, padding, value lists.
- :mod:`gradsym.spec.conv`: the convolution family (conv, deconv, sizes, chain, ``--general``):
  :class:`ConvOptions` as given, parsed once into a :class:`ConvConfig`.
- :mod:`gradsym.spec.linear`, :mod:`~gradsym.spec.mlp`, :mod:`~gradsym.spec.pool`,
  :mod:`~gradsym.spec.batchnorm`: one frozen config per layer.
- :mod:`gradsym.spec.expr`: ``expr``/``matrix`` declarations (``--shape``), ``--wrt``, ``--at``.

A new layer puts the parsing of its options here, in a module of its own.

>>> parse_shape("3x3", "--input")
(3, 3)
"""

from gradsym.spec.batchnorm import BatchNormConfig, batchnorm_config, parse_eps
from gradsym.spec.conv import (
    CONVENTIONS,
    ConvConfig,
    ConvOptions,
    conv_config,
    positive_count,
    require,
)
from gradsym.spec.expr import Declared, at_items, declare, parse_wrt
from gradsym.spec.linear import LinearConfig, linear_config
from gradsym.spec.mlp import ACTIVATIONS, MlpConfig, mlp_config, parse_layers
from gradsym.spec.pool import MODES, PoolConfig, pool_config, pool_output_size
from gradsym.spec.values import (
    MAX_DIMS,
    MAX_EXTENT,
    MAX_VALUE_TEXT,
    WORDS,
    Number,
    Values,
    nest,
    parse_number,
    parse_padding,
    parse_per_dim,
    parse_seed,
    parse_shape,
    parse_values,
)

__all__ = [
    "ACTIVATIONS", "CONVENTIONS", "MAX_DIMS", "MAX_EXTENT", "MAX_VALUE_TEXT", "MODES", "WORDS",
    "BatchNormConfig", "ConvConfig", "Declared", "at_items", "declare", "parse_wrt", "ConvOptions", "LinearConfig", "MlpConfig", "Number",
    "PoolConfig", "Values", "batchnorm_config", "conv_config", "linear_config", "mlp_config",
    "nest", "parse_eps", "parse_layers", "parse_number", "parse_padding", "parse_per_dim",
    "parse_seed", "parse_shape", "parse_values", "pool_config", "pool_output_size",
    "positive_count", "require",
]
