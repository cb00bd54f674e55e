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
    "matrix.verified_points": "   Checked exactly at {points} random rational points, without "
    "expanding J into element symbols (too large): there the closed form, computed by exact "
    "elimination, equals the derivative of J by dual numbers through Gaussian elimination, entry "
    "by entry. Strong evidence, not a proof for every value of {name}.",
    "check.closed_form_matches_elementwise": "each closed matrix form equals, entry by entry, "
    "the element-wise derivative of the expression (symbolically for all values, or — for "
    "large determinants and inverses — exactly at random rational points; the gradient "
    "section says which)",
}

ZH = {
    "matrix.semantics": "矩阵语义：* 与 @ 都是矩阵乘法（标量乘矩阵即缩放），.T 表示转置；trace、det、"
    "inv、norm(Frobenius)、hadamard 和 sum 是矩阵函数；其他函数作用于标量（1x1 矩阵算作标量），或逐元素"
    "作用于矩阵（此时闭式用 Hadamard 积 ∘，写作 HadamardProduct；HadamardPower(U, -1) 表示逐元素取 1/U）；"
    "数加到矩阵上即加到每个元素上。所有符号都是实数。",
    "matrix.verified_points": "   在 {points} 个随机有理数点上精确检验，未把 J 展开成元素符号（规模太大）："
    "在这些点上，用精确消元计算的闭式逐元素等于用对偶数经高斯消元求得的 J 的导数。这是有力的证据，"
    "但不是对 {name} 所有取值的证明。",
    "check.closed_form_matches_elementwise": "每个闭式矩阵形式都逐元素等于表达式的逐元素导数（对所有取值"
    "符号地检验；或者对大的行列式和逆矩阵，在随机有理数点上精确检验；梯度一节写明是哪一种）",
}

HELP_ZH = {
    "Functions: trace (tr), det, inv (or X**-1), norm (Frobenius), hadamard, sum; exp log sqrt "
    "sin cos tanh sigmoid abs of a scalar, or element-wise on a matrix (closed forms with "
    "Hadamard products; a number added to a matrix goes on every entry).":
    "函数：trace(tr)、det、inv（或 X**-1）、norm(Frobenius)、hadamard、sum；exp log sqrt sin cos "
    "tanh sigmoid abs 作用于标量，或逐元素作用于矩阵（闭式用 Hadamard 积；数加到矩阵上即加到每个元素上）。",
}
