"""Progress reports (issue 8): every slow engine loop tells a listener how far it is.

Each command is run small with a listener installed; it must report the stages of its own
slow loops (not only the stages of the conv engine it may call), each with 0 ≤ done ≤ total.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

import gradsym
from gradsym import progress
from gradsym.layers import general, general_build

# (command, stages that command's own loops must report)
CASES: list[tuple[str, Callable[[], Any], set[str]]] = [
    ("deconv", lambda: gradsym.deconv(input="3x3", kernel="2x2", x="arange", k="1,2,3,4"),
     {"forward pass", "proof: full convolution", "proof: input gradient", "proof: kernel gradient"}),
    ("chain", lambda: gradsym.chain(input="3x3", kernel="2x2", depth=2, padding=1, expand=True,
                                    x="random", k="random", seed=1),
     {"deriving layers", "expanding layers", "evaluating layers"}),
    ("batchnorm", lambda: gradsym.batchnorm(3, 2, x="1,2,3,4,5,7", gamma="2,-1", beta="0,1", g="1,0,2,1,1,3"),
     {"deriving features", "evaluating"}),
    ("mlp", lambda: gradsym.mlp("2,2,2", "tanh", at=["x=1,2", "w_1=[[1,0],[2,1]]", "w_2=[[1,-1],[0,2]]"]),
     {"forward pass", "backward pass", "proof: differentiation", "numeric check"}),
    ("general", lambda: general_build.cross_check(general.derive_conv_general(1, False)),
     {"cross-check with the concrete engine"}),
    ("expr", lambda: gradsym.expr("sum(sigmoid(a) * b)", shape=["a=2", "b=2"], at=["a=1,2", "b=3,4"]),
     {"differentiating", "numeric check"}),
    ("expr polynomial", lambda: gradsym.expr("sum(a*b)", shape=["a=2", "b=2"], at=["a=1,2", "b=3,4"]),
     {"differentiating", "numeric check"}),
    ("matrix", lambda: gradsym.matrix("(X*w - y).T*(X*w - y)", shape=["X=3x2", "w=2x1", "y=3x1"],
                                      wrt=["X", "w", "y"]),
     {"differentiating", "proof: entry by entry"}),
    ("pool max", lambda: gradsym.pool(input="4x4", size=2, x="arange", g="1,2,3,4"),
     {"forward pass and routing", "proof: argmax routing"}),
    ("pool avg", lambda: gradsym.pool(input="4x4", size=2, mode="avg"),
     {"forward pass"}),
]


@pytest.mark.parametrize(("name", "run", "stages"), CASES, ids=[c[0] for c in CASES])
def test_reports_stages(name: str, run: Callable[[], Any], stages: set[str]) -> None:
    seen: list[tuple[str, int, int]] = []
    with progress.listening(lambda stage, done, total: seen.append((stage, done, total))):
        run()
    assert stages <= {stage for stage, _, _ in seen}, f"{name}: saw {sorted({s for s, _, _ in seen})}"
    bad = [(stage, done, total) for stage, done, total in seen if not 0 <= done <= total]
    assert not bad, f"{name}: out of range {bad[:5]}"
    assert all(isinstance(stage, str) and stage for stage, _, _ in seen)


def test_no_reports_reach_a_removed_listener() -> None:
    seen: list[tuple[str, int, int]] = []
    with progress.listening(lambda *a: seen.append(a)):
        pass
    gradsym.pool(input="4x4", size=2, mode="avg")
    assert seen == [] and not progress.active()
