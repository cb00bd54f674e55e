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

ERRORS_ZH = {
    "{func} needs whole-number sizes ≥ 1":
    "{func} 的尺寸必须是 ≥ 1 的整数",
    "an element-wise quotient needs equal shapes, got {shape_text(sa)} and {shape_text(sb)}":
    "逐元素相除要求形状相同，实际为 {shape_text(sa)} 和 {shape_text(sb)}",
    "{what} needs a whole number ≥ 1 as its size, got {to_text(node)}":
    "{what} 的尺寸必须是 ≥ 1 的整数，实际为 {to_text(node)}",
    "{what} takes a number (its entries), got {to_text(node)}":
    "{what} 的参数必须是一个数（各元素的值），实际为 {to_text(node)}",
    "cannot tell the shape of the argument of {to_text(whole)}":
    "无法确定 {to_text(whole)} 的参数的形状",
    "diag needs a vector or a square matrix, but the argument of {to_text(whole)} is "
    "{rows}x{cols}":
    "diag 需要向量或方阵，但 {to_text(whole)} 的参数是 {rows}x{cols}",
    "cannot tell the size of {to_text(n)} from where it stands; write ones(m) or ones(m, n) "
    "(times the number) instead":
    "无法从所在位置确定 {to_text(n)} 的尺寸；请改写为 ones(m) 或 ones(m, n)（乘以该数）",
    "{to_text(n)} is a column, but its place needs {rows}x{want[1]}":
    "{to_text(n)} 是列向量，但所在位置需要 {rows}x{want[1]}",
}

HELP_ZH = {
    "MatrixCalculus.org's notation too: x' ^ .* ./ logdet eye(n) ones(m,n) vector(1) diag norm1 "
    "norm2. The expression may start with '-'.":
    "也接受 MatrixCalculus.org 的记法：x' ^ .* ./ logdet eye(n) ones(m,n) vector(1) diag norm1 "
    "norm2。表达式可以以 '-' 开头。",
}
