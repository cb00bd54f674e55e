"""``matrix --hessian`` prose: the Hessians section, its checks, errors and help."""

from __future__ import annotations

EN = {
    "section.matrix_hessian": "Hessians (second derivatives)",
    "matrix_hessian.target": "∂²J/∂{name}² has the shape of {name} twice: {shape}.",
    "matrix_hessian.closed_form": "Closed form (the closed form of ∂J/∂{name} differentiated "
    "once more with respect to {name}; diag(v) has the column v on its diagonal): "
    "∂²J/∂{name}² = {expression}",
    "matrix_hessian.verified": "   Checked element by element: every entry equals the second "
    "derivative ∂²J/∂{name}ᵢ∂{name}ⱼ of J expanded into element symbols.",
    "matrix_hessian.refuted": "   Element-by-element check FAILED: {mismatch}.",
    "matrix_hessian.no_closed_form": "No closed matrix form for ∂²J/∂{name}² ({reason}); the "
    "element-wise table below is the Hessian.",
    "matrix_hessian.reason_tensor": "{name} is a {shape} matrix: its Hessian has four indices, "
    "not a matrix",
    "matrix_hessian.reason_node": "no rule here for the derivative of {expression} with respect "
    "to the variable",
    "matrix_hessian.reason_matrix": "{expression} is a matrix, not a column, that depends on "
    "the variable",
    "matrix_hessian.reason_gradient": "∂J/∂{name} itself has no closed form",
    "matrix_hessian.symmetric": "   Symmetric: the element-wise Hessian equals its transpose "
    "(∂²J/∂{name}ᵢ∂{name}ⱼ = ∂²J/∂{name}ⱼ∂{name}ᵢ, checked exactly entry by entry).",
    "matrix_hessian.asymmetric": "   NOT symmetric: {mismatch}.",
    "matrix_hessian.table": "∂²J/∂{name}² element by element",
    "check.hessian_closed_form_matches_elementwise": "each closed Hessian form equals, entry by "
    "entry, the second derivatives of J expanded into element symbols",
    "check.hessian_is_symmetric": "each element-wise Hessian equals its transpose: "
    "∂²J/∂xᵢ∂xⱼ = ∂²J/∂xⱼ∂xᵢ",
}

ZH = {
    "section.matrix_hessian": "Hessian 矩阵（二阶导数）",
    "matrix_hessian.target": "∂²J/∂{name}² 的形状是 {name} 的形状重复两次：{shape}。",
    "matrix_hessian.closed_form": "闭式（把 ∂J/∂{name} 的闭式对 {name} 再求一次导数；diag(v) 是以列向量 v "
    "为对角线的矩阵）：∂²J/∂{name}² = {expression}",
    "matrix_hessian.verified": "   逐元素检验：每个元素都等于展开成元素符号后的 J 的二阶导数 "
    "∂²J/∂{name}ᵢ∂{name}ⱼ。",
    "matrix_hessian.refuted": "   逐元素检验失败：{mismatch}。",
    "matrix_hessian.no_closed_form": "∂²J/∂{name}² 没有闭式矩阵形式（{reason}）；下面的逐元素表就是 "
    "Hessian 矩阵。",
    "matrix_hessian.reason_tensor": "{name} 是 {shape} 矩阵：它的 Hessian 有四个下标，不是矩阵",
    "matrix_hessian.reason_node": "这里没有 {expression} 对该变量求导的规则",
    "matrix_hessian.reason_matrix": "{expression} 是依赖于该变量的矩阵，而不是列向量",
    "matrix_hessian.reason_gradient": "∂J/∂{name} 本身没有闭式",
    "matrix_hessian.symmetric": "   对称：逐元素 Hessian 等于其转置（∂²J/∂{name}ᵢ∂{name}ⱼ = "
    "∂²J/∂{name}ⱼ∂{name}ᵢ，逐元素精确检验）。",
    "matrix_hessian.asymmetric": "   不对称：{mismatch}。",
    "matrix_hessian.table": "∂²J/∂{name}² 的逐元素表",
    "check.hessian_closed_form_matches_elementwise": "每个 Hessian 闭式都逐元素等于把 J 展开成元素"
    "符号后的二阶导数",
    "check.hessian_is_symmetric": "每个逐元素 Hessian 都等于其转置：∂²J/∂xᵢ∂xⱼ = ∂²J/∂xⱼ∂xᵢ",
}

HELP_ZH = {
    "Also derive the Hessian ∂²J/∂X² of each --wrt name (scalar J): a closed matrix form "
    "where one exists (x'Ax → A + A', least squares → 2X'X, logistic loss → "
    "X'diag(σ∘(1−σ))X), the element-wise table, and the checks that they agree and are "
    "symmetric.":
    "同时推导每个 --wrt 变量的 Hessian ∂²J/∂X²（J 为标量）：存在时给出闭式矩阵形式（x'Ax → A + A'，"
    "最小二乘 → 2X'X，逻辑回归损失 → X'diag(σ∘(1−σ))X）、逐元素表，并检验二者一致且对称。",
}
