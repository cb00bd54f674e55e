"""Convolution against PyTorch: forward, every Jacobian and every gradient, exactly.

Hypothesis draws 1-D/2-D/3-D configurations with stride, padding, dilation, groups,
channels, batch and bias; gradsym evaluates its symbolic results at small integers,
PyTorch computes the same in float64 (exact for such small integers).
"""

from __future__ import annotations

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import gradsym
from tests.conftest import require

torch = require("torch")


@st.composite
def conv_configs(draw: st.DrawFn) -> dict:
    nd = draw(st.integers(1, 3))
    kernel = tuple(draw(st.integers(1, 3)) for _ in range(nd))
    dilation = tuple(draw(st.integers(1, 2)) for _ in range(nd))
    padding = tuple(draw(st.integers(0, 2)) for _ in range(nd))
    stride = tuple(draw(st.integers(1, 3)) for _ in range(nd))
    limit = 6 if nd < 3 else 4
    spatial = tuple(
        draw(st.integers(max(1, d * (k - 1) + 1 - 2 * p), max(1, d * (k - 1) + 1 - 2 * p) + limit))
        for k, d, p in zip(kernel, dilation, padding, strict=True)
    )
    groups = draw(st.integers(1, 2))
    channels = draw(st.booleans()) or groups > 1
    config = dict(input=spatial, kernel=kernel, stride=stride, padding=padding, dilation=dilation,
                  bias=draw(st.booleans()))
    if channels:
        config.update(groups=groups, in_channels=groups * draw(st.integers(1, 2)),
                      out_channels=groups * draw(st.integers(1, 2)), batch=draw(st.integers(1, 2)))
    return config


def as_tensor(values: np.ndarray, grad: bool = False):
    return torch.tensor(np.array(values.tolist(), dtype=np.float64), requires_grad=grad)


def torch_conv(config: dict, x, w, b):
    nd = len(config["input"])
    fn = {1: torch.nn.functional.conv1d, 2: torch.nn.functional.conv2d, 3: torch.nn.functional.conv3d}[nd]
    channels = "in_channels" in config
    if not channels:  # plain layout: add batch and channel axes
        x, w = x[None, None], w[None, None]
        b = b.reshape(1) if b is not None else None
    y = fn(x, w, b, stride=config["stride"], padding=config["padding"],
           dilation=config["dilation"], groups=config.get("groups", 1))
    return y if channels else y[0, 0]


def dense_numeric(d, role: str) -> np.ndarray:
    jac = d.jacobians[role]
    out = np.zeros(jac.shape or (1,), dtype=np.float64).reshape(-1)
    width = int(np.prod(jac.wrt_shape)) if jac.wrt_shape else 1
    for (o, w), value in d.numeric.jacobian_values[role].items():
        out[o * width + w] = float(value)
    return out.reshape(jac.shape)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(config=conv_configs(), seed=st.integers(0, 10_000))
def test_conv_matches_torch(config: dict, seed: int) -> None:
    d = gradsym.conv(**config, x="random", k="random", b="random" if config["bias"] else None,
                     g="random", seed=seed)
    ev = d.numeric
    x = as_tensor(ev.values["input"], True)
    w = as_tensor(ev.values["kernel"], True)
    b = as_tensor(ev.values["bias"], True) if config["bias"] else None
    y = torch_conv(config, x, w, b)
    assert np.array_equal(y.detach().numpy(), np.array(ev.forward_values.tolist(), dtype=np.float64))
    y.backward(as_tensor(ev.values["upstream"]))
    assert np.array_equal(x.grad.numpy(), np.array(ev.grad_values["input"].tolist(), dtype=np.float64))
    assert np.array_equal(w.grad.numpy(), np.array(ev.grad_values["kernel"].tolist(), dtype=np.float64))
    if b is not None:
        assert np.array_equal(b.grad.numpy().reshape(-1),
                              np.array(ev.grad_values["bias"].tolist(), dtype=np.float64).reshape(-1))
    # full Jacobians, entry by entry
    jx, jw = torch.autograd.functional.jacobian(lambda xx, ww: torch_conv(config, xx, ww, b), (x, w))
    assert np.array_equal(jx.numpy(), dense_numeric(d, "input"))
    assert np.array_equal(jw.numpy(), dense_numeric(d, "kernel"))
    assert all(c.holds for c in d.all_checks()), [c.name for c in d.all_checks() if not c.holds]
    names = [c.name for c in d.all_checks()]
    assert "grad_input_equals_full_conv_rot180_kernel" in names
    assert ("grad_bias_equals_upstream_sum" in names) == config["bias"]


def test_symbolic_jacobian_has_exactly_the_nonzero_pattern_of_torch() -> None:
    """Sparse entries = entries that are not identically zero (stride 2, padding 1, dilation 2)."""
    config = dict(input=(7, 6), kernel=(2, 3), stride=(2, 1), padding=(1, 2), dilation=(2, 1))
    d = gradsym.conv(**config)
    rng = np.random.default_rng(0)
    x = torch.tensor(rng.normal(size=(7, 6)), requires_grad=True)
    w = torch.tensor(rng.normal(size=(2, 3)), requires_grad=True)
    jx = torch.autograd.functional.jacobian(lambda xx: torch_conv({**config, "bias": False}, xx, w, None), x)
    torch_pattern = {tuple(i) for i in np.argwhere(jx.numpy() != 0).tolist()}
    doc = d.to_dict()["jacobian"]["input"]
    ours = {tuple(o + w_) for o, w_, _ in doc["nonzeros"]}
    assert ours == torch_pattern
