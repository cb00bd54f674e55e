"""A fully connected layer ``Y = X Wᵀ + b`` (``torch.nn.Linear``), derived and proved.

Forward, from the definition, for every sample n and output feature o:

    y[n, o] = Σ_i x[n, i] · w[o, i] (+ b[o])

with X of shape (batch, in_features), W of shape (out_features, in_features) as
in PyTorch, and the upstream gradient G = dL/dY of shape (batch, out_features).
The Jacobians come from differentiating the expanded expressions; the proofs
build their right-hand sides independently, as matrix products over the symbol
grids: dL/dX = G·W, dL/dW = Gᵀ·X, dL/db = Σ_n G[n, :].
"""

from __future__ import annotations

from typing import Any

import numpy as np

from gradsym.budget import admit, given, linear_cost
from gradsym.calculus import jacobian, vjp
from gradsym.derivation import Derivation, NumericModel
from gradsym.numeric import object_array
from gradsym.poly import Poly, VarTable, product
from gradsym.proofs import Check, compare
from gradsym.spec.linear import LinearConfig as LinearConfig
from gradsym.spec.linear import linear_config as linear_config
from gradsym.symbols import Tensor

# ---------------------------------------------------------------------------
# Forward, from the definition


def linear_forward(x: np.ndarray, w: np.ndarray, b: np.ndarray | None) -> list[Poly]:
    """Expand y[n, o] = Σ_i x[n, i]·w[o, i] (+ b[o]) over id grids; flat, row-major."""
    out: list[Poly] = []
    for x_row in x.tolist():
        for o, w_row in enumerate(w.tolist()):
            poly = Poly({product(xv, wv): 1 for xv, wv in zip(x_row, w_row)})
            if b is not None:
                poly[(int(b[o]),)] = 1
            out.append(poly)
    return out


# ---------------------------------------------------------------------------
# Right-hand sides of the proofs: matrix products over id grids


def matmul_ids(left: np.ndarray, right: np.ndarray) -> list[Poly]:
    """The symbolic matrix product of two grids of variable ids, flat row-major.

    >>> [sorted(p) for p in matmul_ids(np.array([[0, 1]]), np.array([[2], [3]]))]
    [[(0, 2), (1, 3)]]
    """
    if left.shape[1] != right.shape[0]:
        raise ValueError(f"cannot multiply {left.shape} by {right.shape}")
    out: list[Poly] = []
    columns = right.T.tolist()
    for row in left.tolist():
        for col in columns:
            poly = Poly()
            for a, c in zip(row, col):
                poly.add_term(product(a, c), 1)
            out.append(poly)
    return out


def column_sums(grid: np.ndarray) -> list[Poly]:
    """Σ over the rows of a grid of ids, one polynomial per column."""
    out = []
    for col in grid.T.tolist():
        poly = Poly()
        for v in col:
            poly.add_term((v,), 1)
        out.append(poly)
    return out


def linear_checks(
    x: np.ndarray, w: np.ndarray, g: np.ndarray, grads: dict[str, list[Poly]]
) -> list[Check]:
    """dL/dX = G·W, dL/dW = Gᵀ·X, dL/db = Σ_n G, each proved entry by entry."""
    checks = [
        compare("grad_input_equals_upstream_weight", "dL/dX = G·W",
                grads["input"], matmul_ids(g, w)),
        compare("grad_weight_equals_upstream_t_input", "dL/dW = Gᵀ·X",
                grads["weight"], matmul_ids(g.T, x)),
    ]
    if "bias" in grads:
        checks.append(compare("grad_bias_equals_upstream_sum", "dL/db = Σ_n G[n, :]",
                              grads["bias"], column_sums(g)))
    return checks


# ---------------------------------------------------------------------------
# Numbers: an independent plain-NumPy forward pass


def numeric_linear(x: np.ndarray, w: np.ndarray, b: np.ndarray | None) -> np.ndarray:
    """Exact X·Wᵀ (+ b) on object arrays."""
    out = np.dot(x, w.T)
    if b is not None:
        out = out + b.reshape(1, -1)
    return out


# ---------------------------------------------------------------------------
# The derivation


def derive_linear(cfg: LinearConfig) -> Derivation:
    """Forward, Jacobians, VJPs and the three proofs of a linear layer."""
    table = VarTable()
    tensors = {
        "input": Tensor.create(table, "x", (cfg.batch, cfg.in_features)),
        "weight": Tensor.create(table, "w", (cfg.out_features, cfg.in_features)),
    }
    if cfg.bias:
        tensors["bias"] = Tensor.create(table, "b", (cfg.out_features,))
    tensors["upstream"] = Tensor.create(table, "g", (cfg.batch, cfg.out_features))
    x, w, g = tensors["input"].ids, tensors["weight"].ids, tensors["upstream"].ids
    b = tensors["bias"].ids if cfg.bias else None
    forward = linear_forward(x, w, b)
    out_shape = tensors["upstream"].shape
    jacobians = {
        role: jacobian(forward, out_shape, tensor.first, tensor.shape)
        for role, tensor in tensors.items()
        if role != "upstream"
    }
    upstream_ids = tensors["upstream"].flat_ids()
    grads = {role: vjp(jac, upstream_ids) for role, jac in jacobians.items()}
    return Derivation(
        command="linear",
        config=cfg.to_json(),
        table=table,
        symbols=tensors,
        forward=object_array(forward, out_shape),
        jacobians=jacobians,
        grads={role: object_array(polys, tensors[role].shape) for role, polys in grads.items()},
        checks=linear_checks(x, w, g, grads),
        model=NumericModel(
            {"x": "input", "w": "weight", "b": "bias", "g": "upstream"},
            lambda pt: numeric_linear(pt["input"], pt["weight"], pt.get("bias")),
        ),
        title=("title.linear", {}),
        setup=[
            ("setup.linear", {
                "in_features": cfg.in_features, "out_features": cfg.out_features,
                "batch": cfg.batch, "bias": "b" if cfg.bias else "0",
            }),
            ("setup.upstream", {}),
        ],
    )


# ---------------------------------------------------------------------------
# The public function


def linear(
    in_features: int | None = None,
    out_features: int | None = None,
    *,
    batch: int | None = None,
    bias: bool = False,
    x: Any = None,
    w: Any = None,
    b: Any = None,
    g: Any = None,
    seed: int | None = None,
    max_terms: int | None = None,
) -> Derivation:
    """Derive a fully connected layer ``Y = X·Wᵀ + b`` and prove its gradients.

    X is (batch, in_features), W is (out_features, in_features) as in
    ``torch.nn.Linear``; the upstream gradient G = dL/dY defaults to ones.

    >>> d = linear(in_features=2, out_features=1, x=[[1, 2]], w=[[3, 4]])
    >>> d.forward[0, 0], d.numeric.forward[0, 0]
    (w_1_1*x_1_1 + w_1_2*x_1_2, 11)
    >>> d.grad["weight"][0, 1]
    g_1_1*x_1_2
    """
    cfg = linear_config(in_features, out_features, batch=batch, bias=bias or b is not None)
    admit(linear_cost(cfg.batch, cfg.in_features, cfg.out_features, values=given(x, w, b, g)),
          max_terms)
    return derive_linear(cfg).with_values(seed=seed, x=x, w=w, b=b, g=g)
