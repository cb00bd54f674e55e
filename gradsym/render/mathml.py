"""A small LaTeX-math → presentation MathML translator for the proved identities.

It knows the vocabulary of :data:`gradsym.render.latex.IDENTITIES` (fractions,
``\\operatorname``, ``\\tilde``, ``\\sum`` with limits, sized delimiters, Greek letters,
sub/superscripts); anything else becomes ``<mtext>`` with its source, never an error.

>>> tex_mathml(r"\\frac{\\partial L}{\\partial X}")
'<mfrac><mrow><mo>∂</mo><mi>L</mi></mrow><mrow><mo>∂</mo><mi>X</mi></mrow></mfrac>'
"""

from __future__ import annotations

import html
import re

SYMBOLS = {
    "alpha": ("mi", "α"), "beta": ("mi", "β"), "gamma": ("mi", "γ"), "delta": ("mi", "δ"),
    "varepsilon": ("mi", "ε"), "epsilon": ("mi", "ϵ"), "theta": ("mi", "θ"), "lambda": ("mi", "λ"),
    "mu": ("mi", "μ"), "sigma": ("mi", "σ"), "tau": ("mi", "τ"), "phi": ("mi", "φ"),
    "omega": ("mi", "ω"), "Sigma": ("mi", "Σ"), "Delta": ("mi", "Δ"),
    "partial": ("mo", "∂"), "sum": ("mo", "∑"), "star": ("mo", "⋆"), "odot": ("mo", "⊙"),
    "top": ("mi", "⊤"), "in": ("mo", "∈"), "neq": ("mo", "≠"), "ne": ("mo", "≠"),
    "Longrightarrow": ("mo", "⟹"), "Rightarrow": ("mo", "⇒"), "forall": ("mo", "∀"),
    "cdot": ("mo", "·"), "cdots": ("mo", "⋯"), "dots": ("mo", "…"), "ldots": ("mo", "…"),
    "times": ("mo", "×"), "le": ("mo", "≤"), "ge": ("mo", "≥"), "to": ("mo", "→"),
    "lvert": ("mo", "|"), "rvert": ("mo", "|"), "vert": ("mo", "|"), "ast": ("mo", "∗"),
    "infty": ("mi", "∞"), "nabla": ("mo", "∇"), "sqrt": ("mo", "√"),
}
SIZES = frozenset("bigl bigr Bigl Bigr big Big bigg Bigg left right".split())
SPACES = {",": "0.17em", ";": "0.28em", ":": "0.22em", " ": "0.25em", "quad": "1em", "qquad": "2em"}
ACCENTS = {"tilde": "~", "hat": "^", "bar": "¯"}
_TOKEN = re.compile(r"\\([A-Za-z]+|.)|(\d+(?:\.\d+)?)|(\s+)|(.)", re.S)


def tex_mathml(tex: str) -> str:
    """Presentation MathML (no ``<math>`` element) for a piece of LaTeX math."""
    tokens = [m for m in _TOKEN.finditer(tex) if not m.group(3)]
    parser = _Parser(tokens)
    return parser.row(until=None)


class _Parser:
    def __init__(self, tokens: list[re.Match[str]]) -> None:
        self.tokens = tokens
        self.pos = 0

    def peek(self) -> re.Match[str] | None:
        return self.tokens[self.pos] if self.pos < len(self.tokens) else None

    def take(self) -> re.Match[str]:
        token = self.tokens[self.pos]
        self.pos += 1
        return token

    def row(self, until: str | None) -> str:
        parts: list[str] = []
        while (token := self.peek()) is not None:
            if token.group(4) == until and until is not None:
                self.take()
                break
            if token.group(4) == "}":  # unbalanced: stop here
                self.take()
                break
            if token.group(4) in ("_", "^") and parts:
                parts[-1] = self.scripts(parts[-1])
                continue
            parts.append(self.atom())
        return "".join(parts)

    def scripts(self, base: str) -> str:
        sub = sup = None
        while (token := self.peek()) is not None and token.group(4) in ("_", "^"):
            self.take()
            arg = self.argument()
            if token.group(4) == "_":
                sub = arg
            else:
                sup = arg
        under = "<mo>∑</mo>" in base[:12]  # sums carry their limits below
        if sub is not None and sup is not None:
            return f"<msubsup><mrow>{base}</mrow><mrow>{sub}</mrow><mrow>{sup}</mrow></msubsup>"
        if sub is not None:
            tag = "munder" if under else "msub"
            return f"<{tag}><mrow>{base}</mrow><mrow>{sub}</mrow></{tag}>"
        return f"<msup><mrow>{base}</mrow><mrow>{sup}</mrow></msup>"

    def argument(self) -> str:
        token = self.peek()
        if token is None:
            return ""
        if token.group(4) == "{":
            self.take()
            return self.row(until="}")
        return self.atom()

    def text_argument(self) -> str:
        """The raw text of a ``{…}`` group (``\\operatorname{conv2d\\_backprop\\_input}``)."""
        if self.peek() is None or self.peek().group(4) != "{":  # type: ignore[union-attr]
            return self.take().group(0) if self.peek() is not None else ""
        self.take()
        depth, out = 1, []
        while self.peek() is not None:
            token = self.take()
            if token.group(4) == "{":
                depth += 1
            elif token.group(4) == "}":
                depth -= 1
                if depth == 0:
                    break
            out.append(token.group(1) if token.group(1) and not token.group(1).isalpha() else token.group(0))
        return "".join(out)

    def atom(self) -> str:
        token = self.take()
        command, number, _, char = token.groups()
        if number is not None:
            return f"<mn>{number}</mn>"
        if char is not None:
            if char == "{":
                return f"<mrow>{self.row(until='}')}</mrow>"
            if char.isalpha():
                return f"<mi>{html.escape(char)}</mi>"
            return f"<mo>{html.escape(char)}</mo>"
        if command in SPACES:
            return f'<mspace width="{SPACES[command]}"/>'
        if command in SIZES:
            following = self.peek()
            if following is None:
                return ""
            self.take()
            if following.group(1):  # \bigl\{ or \left\lvert
                name = following.group(1)
                symbol = SYMBOLS.get(name, ("mo", name))[1]
            else:
                symbol = "" if following.group(0) == "." else following.group(0)
            return f"<mo>{html.escape(symbol)}</mo>" if symbol else ""
        if command == "frac":
            top = self.argument()
            bottom = self.argument()
            return f"<mfrac><mrow>{top}</mrow><mrow>{bottom}</mrow></mfrac>"
        if command == "sqrt":
            return f"<msqrt><mrow>{self.argument()}</mrow></msqrt>"
        if command in ACCENTS:
            return f'<mover accent="true"><mrow>{self.argument()}</mrow><mo>{ACCENTS[command]}</mo></mover>'
        if command in ("operatorname", "mathrm", "text", "textbf"):
            word = self.text_argument()
            return f'<mi mathvariant="normal">{html.escape(word)}</mi>' if command != "text" else \
                f"<mtext>{html.escape(word)}</mtext>"
        if command == "mathit":
            return f"<mi>{html.escape(self.text_argument())}</mi>"
        if command in SYMBOLS:
            tag, symbol = SYMBOLS[command]
            return f"<{tag}>{symbol}</{tag}>"
        if command in ("{", "}", "|", "_", "%", "&", "#", "$"):
            return f"<mo>{html.escape(command)}</mo>"
        return f"<mtext>{html.escape(chr(92) + command)}</mtext>"
