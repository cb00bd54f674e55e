"""A short tour of gradsym's Python API.

Derive a convolution symbolically, read its forward expressions, Jacobians, gradients and
proofs, evaluate it at numbers, round-trip it through JSON, and render it as Markdown and
LaTeX/PDF. Every step asserts what it shows.

    python examples/tour.py [OUTPUT_FOLDER]     # default: examples/out/
"""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path

import sympy

import gradsym


def main() -> None:
    folder = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).resolve().parent / "out"
    folder.mkdir(parents=True, exist_ok=True)

    # 1. Derive: a 3x3 input, a 2x2 kernel, stride 1, no padding (PyTorch semantics).
    d = gradsym.conv(input=(3, 3), kernel=(2, 2), stride=1, padding=0)
    print(repr(d))  # <Derivation conv [3, 3]: all checks hold>; print(d) shows the whole text
    print("y[0,0] =", d.forward[0, 0])  # SymPy expressions, in the output layout

    # 2. Jacobians are sparse SymPy arrays of shape output + input.
    jac = d.jacobian["input"]
    assert jac.shape == (2, 2, 3, 3)
    assert jac[0, 0, 0, 0] == sympy.Symbol("k_1_1") and jac[0, 0, 2, 2] == 0
    print("dy[0,0]/dx[0,0] =", jac[0, 0, 0, 0])

    # 3. Gradients are vector-Jacobian products with the upstream symbols g = dL/dy.
    g, k = sympy.Symbol("g_1_1"), sympy.Symbol("k_1_1")
    assert d.grad["input"][0, 0] == g * k
    print("dL/dx[1,1] =", d.grad["input"][1, 1])  # x_2_2 feeds all four outputs: four terms

    # 4. Proofs: each check is named, stated and proved entry by entry.
    for check in d.checks:
        print(f"  {'✓' if check.holds else '✗'} {check.name}")
    assert all(c.holds for c in d.checks)

    # 5. Numbers: exact (integers and fractions stay exact); g defaults to ones.
    r = d.evaluate(x="arange", k=[[1, 2], [3, 4]])
    assert r.forward.tolist() == [[37, 47], [67, 77]]
    assert r.grad["input"].tolist() == [[1, 3, 2], [4, 10, 6], [3, 7, 4]]
    assert r.grad["kernel"].tolist() == [[12, 16], [24, 28]]
    assert r.jacobian["kernel"][1, 1, 0, 1] == 6  # dy[1,1]/dk[0,1] = x[1,2] = 6
    half = d.evaluate(x="arange", k=[[1, 2], [3, 4]], g=[["1/2", 0], [0, 0]])
    assert half.grad["kernel"].tolist() == [[sympy.Rational(1, 2), 1], [2, sympy.Rational(5, 2)]]
    print("forward at x = 1..9, k = [[1,2],[3,4]]:", r.forward.tolist())

    # 6. The same values as function arguments attach the evaluation to the derivation.
    numeric = gradsym.conv(input="3x3", kernel="2x2", x="arange", k="1,2,3,4")
    assert numeric.numeric is not None and numeric.holds

    # 7. JSON: to_dict() is exactly `gradsym conv ... --format json`; from_dict reads it back.
    doc = numeric.to_dict()
    assert doc["numeric"]["forward"] == [[37, 47], [67, 77]]
    back = gradsym.from_dict(json.loads(json.dumps(doc)))
    assert back.to_dict() == doc
    assert back.forward[0, 0] == numeric.forward[0, 0]
    print("JSON round trip: from_dict(to_dict()) gives the same document")

    # 8. Errors name the option and the fix (GradsymError is a ValueError).
    try:
        gradsym.conv(input="3x3", kernel="2x2", stride=0)
    except gradsym.GradsymError as exc:
        print("error:", exc)
    else:
        raise AssertionError("stride 0 was accepted")

    # 9. Render: Markdown (GitHub, $…$ math) and LaTeX; the PDF needs pdflatex.
    markdown, latex = numeric.to_markdown(), numeric.to_latex()
    assert markdown.startswith("# gradsym conv") and "\\begin{document}" in latex
    assert "\\begin{document}" not in numeric.to_latex(standalone=False)  # a body to embed
    files = {"tour.md": markdown.encode("utf-8"), "tour.tex": latex.encode("utf-8")}
    if shutil.which("pdflatex") is None:
        print("note: pdflatex is not installed, so no PDF was made "
              "(Debian: apt-get install texlive-latex-base texlive-latex-recommended)")
    else:
        from gradsym.render.latex import compile_pdf

        files["tour.pdf"] = compile_pdf(latex, lang="en")
    for name, data in files.items():
        (folder / name).write_bytes(data)
        print(f"wrote {folder / name}")


if __name__ == "__main__":
    main()
