"""``matrix`` prose for closed forms through element-wise functions, Hessians and exact checks
at random points (merged over the catalogue's own ``matrix.*`` keys)."""

from __future__ import annotations

EN = {
    "matrix.semantics": "Matrix semantics: * and @ are both the matrix product (a scalar times "
    "a matrix scales it), .T transposes; trace, det, inv, norm (Frobenius), hadamard and sum "
    "are matrix functions; other functions act on scalars (a 1x1 matrix counts as one), or "
    "element by element on a matrix (closed forms then use Hadamard products ∘, written "
    "HadamardProduct, and HadamardPower(U, -1) for 1/U entry by entry); a number added to a "
    "matrix goes on every entry. Every symbol is real.",
}

ZH = {
    "matrix.semantics": "矩阵语义：* 与 @ 都是矩阵乘法（标量乘矩阵即缩放），.T 表示转置；trace、det、"
    "inv、norm(Frobenius)、hadamard 和 sum 是矩阵函数；其他函数作用于标量（1x1 矩阵算作标量），或逐元素"
    "作用于矩阵（此时闭式用 Hadamard 积 ∘，写作 HadamardProduct；HadamardPower(U, -1) 表示逐元素取 1/U）；"
    "数加到矩阵上即加到每个元素上。所有符号都是实数。",
}

HELP_ZH = {
    "Functions: trace (tr), det, inv (or X**-1), norm (Frobenius), hadamard, sum; exp log sqrt "
    "sin cos tanh sigmoid abs of a scalar, or element-wise on a matrix (closed forms with "
    "Hadamard products; a number added to a matrix goes on every entry).":
    "函数：trace(tr)、det、inv（或 X**-1）、norm(Frobenius)、hadamard、sum；exp log sqrt sin cos "
    "tanh sigmoid abs 作用于标量，或逐元素作用于矩阵（闭式用 Hadamard 积；数加到矩阵上即加到每个元素上）。",
}
