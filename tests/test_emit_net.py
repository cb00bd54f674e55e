"""``gradsym net --emit numpy|torch|jax``: the emitted network module self-tests against each
framework's autodiff, and its backward equals gradsym's own exact gradients at the same values.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from fractions import Fraction
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import gradsym
from gradsym.errors import GradsymError
from tests.conftest import load_module, write_module

NETS = [
    ("1x1x6x6", "conv 2x3x3 pad 1, relu, maxpool 2, flatten, linear 3, softmax_ce"),
    ("2x4", "linear 3, tanh, mse"),
    ("2x2x7", "conv 3x3 stride 2 bias, sigmoid, avgpool 2, l1"),
    ("2x2x4x4", "conv 2x3x3 pad 1 bias, batchnorm, relu, flatten, linear 2 nobias, softmax_ce"),
    ("2x1x3x3", "deconv 2x3x3 stride 2 pad 1 bias, avgpool 2 stride 1, flatten, batchnorm, linear 2, mse"),
    ("2x1x3x3x3", "conv 2x2x2x2, maxpool 2, flatten, tanh, l1"),
]
IDS = [layers.split(",")[0] + "…" + layers.split(",")[-1].strip() for _, layers in NETS]
# each framework's interpreter start and (JAX) compilation take seconds: the autodiff
# self-tests run on a subset that still covers every layer kind
RUNS = {"numpy": range(len(NETS)), "torch": (0, 2, 3, 4, 5), "jax": (0, 4)}
CASES = [(fw, *NETS[i]) for fw, picks in RUNS.items() for i in picks]


def _write(code: str, folder: Path) -> Path:
    return write_module(code, folder, "net")


def _load(code: str, folder: Path) -> Any:
    return load_module(code, folder, "net")


def _run(code: str, folder: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, str(_write(code, folder))], capture_output=True,
                          text=True, timeout=300, cwd=folder)


@pytest.mark.parametrize(("framework", "shape", "layers"), CASES,
                         ids=[f"{fw}-{IDS[NETS.index((s, la))]}" for fw, s, la in CASES])
def test_self_test_passes(framework: str, shape: str, layers: str, tmp_path: Path) -> None:
    if framework != "numpy":
        pytest.importorskip(framework)
    code = gradsym.net(input=shape, layers=layers).to_code(framework)
    ast.parse(code)
    imported = {a.name.split(".")[0] for node in ast.walk(ast.parse(code))
                if isinstance(node, (ast.Import, ast.ImportFrom))
                for a in (node.names if isinstance(node, ast.Import) else [ast.alias(node.module or "")])}
    assert "gradsym" not in imported
    assert imported <= {"sys", "itertools", {"numpy": "numpy", "torch": "torch", "jax": "jax"}[framework]}
    run = _run(code, tmp_path)
    name = {"numpy": "NumPy", "torch": "PyTorch", "jax": "JAX"}[framework]
    assert run.returncode == 0, run.stdout + run.stderr
    assert run.stdout.startswith(f"self-test net ({name}): ") and run.stdout.rstrip().endswith("OK")
    assert run.stdout.count("\n") == 1


def _floats(arr: Any) -> np.ndarray:
    return np.array([float(v) for v in np.asarray(arr, dtype=object).reshape(-1)],
                    dtype=float).reshape(np.shape(arr))


@pytest.mark.parametrize("seed", [0, 3])
@pytest.mark.parametrize(("shape", "layers"), NETS, ids=IDS)
def test_numpy_backward_equals_gradsyms_exact_gradients(shape: str, layers: str, seed: int,
                                                         tmp_path: Path) -> None:
    rng = np.random.default_rng(seed)
    size = int(np.prod([int(s) for s in shape.split("x")]))
    x = [Fraction(int(v), 8) for v in rng.integers(-12, 13, size)]
    d = gradsym.net(input=shape, layers=layers, x=x, at={}, seed=seed)
    assert d.numeric is not None
    module = _load(d.to_code("numpy"), tmp_path)
    named = {k: _floats(v) for k, v in d.numeric.named.items()}
    target = d.numeric.target
    target = np.array(target) if d.config["loss"] == "softmax_ce" else _floats(target)
    params = {k: v for k, v in named.items() if k != "input"}
    loss = module.forward(named["input"], params, target)
    assert float(loss) == pytest.approx(float(d.numeric.forward_values[()]), rel=1e-10, abs=1e-12)
    grads = module.backward(named["input"], params, target)
    assert set(grads) == set(d.numeric.gradients)
    for key, want in d.numeric.gradients.items():
        np.testing.assert_allclose(grads[key], _floats(want), rtol=1e-9, atol=1e-12, err_msg=key)
    acts = module.activations(named["input"], params)
    assert len(acts) == len(d.net_layers)
    for act, layer in zip(acts, d.numeric.layers):
        np.testing.assert_allclose(act, _floats(layer.input), rtol=1e-9, atol=1e-12)


def test_a_broken_backward_fails_its_self_test(tmp_path: Path) -> None:
    code = gradsym.net(input="2x4", layers="linear 3, tanh, mse").to_code("numpy")
    broken = code.replace("g = g * (1 - y * y)", "g = g * (1 - y)")
    assert broken != code
    run = _run(broken, tmp_path)
    assert run.returncode == 1 and "FAILED" in run.stdout


def test_json_round_trip_emits_the_same_module() -> None:
    from gradsym.reader import from_dict
    from gradsym.render.emit import to_code

    d = gradsym.net(input="1x1x6x6", layers=NETS[0][1])
    assert to_code(from_dict(d.to_dict()), "torch") == d.to_code("torch")


def test_cli_emits_and_refuses_a_config_without_the_network(cli: Any, tmp_path: Path) -> None:
    result = cli("net", "--input", "2x4", "--layers", "linear 3, tanh, mse", "--emit", "numpy")
    assert result.code == 0 and "def backward(x, params, target):" in result.out
    assert "gradsym net --input 2x4" in result.out
    d = gradsym.net(input="2x4", layers="linear 3, tanh, mse")
    d.config = {k: v for k, v in d.config.items() if k != "layers"}
    with pytest.raises(GradsymError, match="^emit for net needs the network: give input and layers"):
        d.to_code("numpy")
