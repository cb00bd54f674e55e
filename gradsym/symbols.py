"""Named symbolic tensors: a block of variables with a shape and 1-based names.

>>> from gradsym.poly import VarTable
>>> t = Tensor.create(VarTable(), "x", (2, 2))
>>> t.names()
[['x_1_1', 'x_1_2'], ['x_2_1', 'x_2_2']]
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass

import numpy as np

from gradsym.poly import VarTable
from gradsym.spec.values import nest

# Names SymPy gives a meaning of its own; a tensor letter never uses them bare.
RESERVED = frozenset(
    "I E N S O Q C beta gamma zeta lambda pi oo nan zoo exp log sqrt sin cos tan "
    "Sum Product Symbol Matrix Max Min Abs".split()
)


@dataclass(frozen=True)
class Tensor:
    """A symbolic tensor: variable ids in ``shape`` (row-major, consecutive from ``first``)."""

    letter: str
    shape: tuple[int, ...]
    first: int
    table: VarTable

    @classmethod
    def create(cls, table: VarTable, letter: str, shape: tuple[int, ...], *, scalar_name: bool = True) -> Tensor:
        """Register every element; a 0-d tensor is the bare letter (``b``)."""
        if not shape and scalar_name:
            return cls(letter, shape, table.new(letter, ()), table)
        indices = itertools.product(*(range(1, n + 1) for n in shape))
        ids = table.block(letter, indices)
        return cls(letter, shape, ids[0], table)

    @property
    def size(self) -> int:
        return math.prod(self.shape)

    @property
    def ids(self) -> np.ndarray:
        """Variable ids as an integer array of ``shape``."""
        return np.arange(self.first, self.first + self.size, dtype=np.int64).reshape(self.shape)

    def flat_ids(self) -> list[int]:
        return list(range(self.first, self.first + self.size))

    def names(self) -> object:
        """Element names as nested lists (a single name for a 0-d tensor)."""
        return nest(self.table.names[self.first : self.first + self.size], self.shape)
