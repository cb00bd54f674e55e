"""``matrix``: MatrixCalculus.org's notation (issue 15) — its set-up line, help and errors."""

from __future__ import annotations

EN = {
    "matrix.notation": "MatrixCalculus.org's notation is read too: x' transposes, ^ is a power, "
    ".* and ./ act element by element, logdet(X) = log(det(X)), eye(n) and ones(m, n) are "
    "constant matrices, vector(c) and matrix(c) take their size from where they stand, diag, "
    "norm1 and norm2.",
}

ZH = {
    "matrix.notation": "也接受 MatrixCalculus.org 的记法：x' 表示转置，^ 表示幂，.* 与 ./ "
    "逐元素运算，logdet(X) = log(det(X))，eye(n) 与 ones(m, n) 是常数矩阵，vector(c) 与 "
    "matrix(c) 的尺寸由所在位置决定，还有 diag、norm1 与 norm2。",
}

HELP_ZH = {
    "MatrixCalculus.org's notation too: x' ^ .* ./ logdet eye(n) ones(m,n) vector(1) diag norm1 "
    "norm2. The expression may start with '-'.":
    "也接受 MatrixCalculus.org 的记法：x' ^ .* ./ logdet eye(n) ones(m,n) vector(1) diag norm1 "
    "norm2。表达式可以以 '-' 开头。",
}
