"""Drawing an animation's plan (:mod:`gradsym.render.animate`) as an animated GIF: one
Matplotlib figure per frame, labelled maps side by side, written with Pillow."""

from __future__ import annotations

import os
import tempfile
from typing import TYPE_CHECKING, Any

from gradsym import progress
from gradsym.render.wording import Catalogue

if TYPE_CHECKING:
    from gradsym.derivation import Derivation
from gradsym.render.animate import Map, Marks, Plan, map_title, plan_animation

COLOURS = {
    "cell": "#ffffff", "zero": "#eeeeee", "tap": "#fdd49e", "kernel": "#fbb4ae",
    "target": "#fb6a4a", "done": "#c7e9c0", "footprint": "#deebf7", "idle": "#f7f7f7",
}


class _Panel:
    """The artists of one map: a rectangle and a text per cell, and the window's outline."""

    def __init__(self, ax: Any, m: Map, phase: str, font: float, cell: float) -> None:
        import matplotlib as mpl

        self.ax, self.map, self.phase = ax, m, phase
        self.width = title_width(m, cell)
        _, rows, cols = m.texts.shape
        self.rects: dict[tuple[int, int], Any] = {}
        self.texts: dict[tuple[int, int], Any] = {}
        for r in range(rows):
            for c in range(cols):
                rect = mpl.patches.Rectangle((c - 0.5, r - 0.5), 1, 1, facecolor=COLOURS["cell"],
                                             edgecolor="#bbbbbb", linewidth=0.8)
                ax.add_patch(rect)
                self.rects[r, c] = rect
                self.texts[r, c] = ax.text(c, r, "", ha="center", va="center", fontsize=font)
        self.window = mpl.patches.Rectangle((0, 0), 1, 1, fill=False, edgecolor="#d62728",
                                            linewidth=2.2, zorder=5, visible=False)
        ax.add_patch(self.window)
        ax.set_xlim(-0.6, cols - 0.4)
        ax.set_ylim(rows - 0.4, -0.6)
        ax.set_aspect("equal")
        ax.set_xticks([])
        ax.set_yticks([])
        for spine in ax.spines.values():
            spine.set_visible(False)

    def show(self, marks: Marks | None, active: bool, t: Catalogue) -> None:
        m = self.map
        depth = marks.depth if marks is not None else 0
        texts, zero = m.texts[depth], m.zero[depth]
        taps = set(marks.taps) if marks else set()
        done = set(marks.done) if marks else set()
        footprint = set(marks.footprint) if marks else set()
        target = marks.target if marks else None
        tap_colour = COLOURS["kernel"] if m.key in ("kernel", "k_rot") else COLOURS["tap"]
        for (r, c), rect in self.rects.items():
            if (r, c) == target:
                colour = COLOURS["target"]
            elif (r, c) in taps:
                colour = tap_colour
            elif zero[r, c]:
                colour = COLOURS["zero"]
            elif (r, c) in done:
                colour = COLOURS["done"]
            elif (r, c) in footprint:
                colour = COLOURS["footprint"]
            else:
                colour = COLOURS["cell"] if active else COLOURS["idle"]
            rect.set_facecolor(colour)
            rect.set_edgecolor("#2171b5" if (r, c) in footprint else "#bbbbbb")
            rect.set_linewidth(1.6 if (r, c) in footprint else 0.8)
            text = self.texts[r, c]
            text.set_text(str(texts[r, c]))
            text.set_color("#999999" if zero[r, c] else "black" if active else "#777777")
        if marks is not None and marks.window is not None:
            row, col, height, width = marks.window
            self.window.set_bounds(col - 0.5, row - 0.5, width, height)
            self.window.set_visible(True)
        else:
            self.window.set_visible(False)
        self.ax.set_title(_wrapped(map_title(m, marks, t), self.width), fontsize=9,
                          color="black" if active else "#777777")


def title_width(m: Map, cell: float) -> int:
    """Characters of a 9-pt title that fit over a map drawn ``cell`` inches per cell."""
    return max(14, int((m.texts.shape[2] + 1.2) * cell / 0.075))


def _slice_lines(m: Map, cell: float, depth_line: bool) -> int:
    """Title lines the slice label takes: the longest labelled slice wrapped, else one depth line."""
    if m.slices is None:
        return int(depth_line)
    return max(_wrapped(label, title_width(m, cell)).count("\n") + 1 for label in m.slices)


def _wrapped(text: str, width: int) -> str:
    import textwrap

    return "\n".join(textwrap.fill(line, width) for line in text.split("\n"))


def draw_frames(plan: Plan, target: str, lang: str = "en", *, dpi: int = 80,
                fps: int = 2) -> list[list[str]]:
    """Draw every frame of ``plan`` into the GIF file ``target``; return the texts each frame
    showed (figure title, caption, map titles), read back from the drawn artists."""
    from matplotlib.animation import PillowWriter

    from gradsym.render.plot import _pyplot, cjk_font

    plt = _pyplot()
    import matplotlib as mpl

    font = cjk_font() if lang == "zh" else None
    if lang == "zh" and font is None:
        lang = "en"
    t = Catalogue(lang)
    family = ["DejaVu Sans", font] if font else ["DejaVu Sans"]
    rows = [plan.forward_maps, plan.backward_maps]
    side = max(max(m.texts.shape[1:]) for row in rows for m in row)
    font_size = 8.0 if side <= 8 else 6.5 if side <= 14 else 5.0
    cell = 0.42 if side <= 8 else 0.3 if side <= 14 else 0.2
    widths = [[max(m.texts.shape[2], 2) for m in row] for row in rows]
    heights = [max(max(m.texts.shape[1] for m in row), 1) for row in rows]
    width = max(sum(w) + 1.5 * len(w) for w in widths) * cell + 0.6
    depth_line = [any(m.texts.shape[0] > 1 for m in row) for row in rows]
    lines = [max(_wrapped(m.title, title_width(m, cell)).count("\n") + 1 + _slice_lines(m, cell, depth_line[r])
                 for m in row) for r, row in enumerate(rows)]
    # room above each row for its titles (0.17 in a line), below the caption
    heights = [h + (n - 1) * 0.17 / cell for h, n in zip(heights, lines)]
    # long captions (channel layouts) wrap to the figure's width; each extra line takes 0.2 in
    caption_width = int(max(width, 6.0) / 0.075)
    extra = 0.2 * (max(_wrapped(f.caption, caption_width).count("\n") for f in plan.frames) if plan.frames else 0)
    height = (sum(heights) + 4.0) * cell + 1.6 + extra
    drawn: list[list[str]] = []
    with mpl.rc_context({"font.family": family, "font.size": 9}):  # type: ignore[arg-type]
        fig = plt.figure(figsize=(max(width, 6.0), height), dpi=dpi)
        try:
            outer = fig.add_gridspec(2, 1, height_ratios=heights, top=1 - (1.3 + extra + 0.17 * lines[0]) / height,
                                     bottom=0.35 / height, hspace=0.55, left=0.03, right=0.97)
            panels: list[_Panel] = []
            for r, row in enumerate(rows):
                sub = outer[r].subgridspec(1, len(row), width_ratios=widths[r], wspace=0.35)
                for c, m in enumerate(row):
                    panels.append(_Panel(fig.add_subplot(sub[0, c]), m, ("forward", "backward")[r],
                                         font_size, cell))
            title = fig.suptitle(plan.title, fontsize=11, y=1 - 0.25 / height)
            caption = fig.text(0.5, 1 - (0.75 + extra / 2) / height, "", ha="center", va="center", fontsize=9)
            writer = PillowWriter(fps=fps)
            total = len(plan.frames)
            with writer.saving(fig, target, dpi):
                for n, frame in enumerate(plan.frames):
                    progress.report("drawing the animation", n, total)
                    for panel in panels:
                        active = panel.phase == frame.phase
                        panel.show(frame.marks.get(panel.map.key) if active else None, active, t)
                    caption.set_text(_wrapped(frame.caption, caption_width))
                    writer.grab_frame()
                    drawn.append([title.get_text(), caption.get_text()]
                                 + [p.ax.get_title() for p in panels])
                progress.report("drawing the animation", total, total)
        finally:
            plt.close(fig)
    return drawn


def animate_gif(d: Derivation, lang: str = "en", *, dpi: int = 80) -> bytes:
    """The animation of ``d`` as GIF bytes.

    >>> import gradsym
    >>> gif = animate_gif(gradsym.conv(input=(3,), kernel=(2,)))  # doctest: +SKIP
    >>> gif[:6]  # doctest: +SKIP
    b'GIF89a'
    """
    return gif_bytes(plan_animation(d, lang), lang, dpi=dpi)


def gif_bytes(plan: Plan, lang: str = "en", *, dpi: int = 80) -> bytes:
    """Draw a planned animation; the GIF's bytes."""
    return render_plan(plan, lang, dpi=dpi)[0]


def render_gif(d: Derivation, lang: str = "en", *, dpi: int = 80) -> tuple[bytes, list[list[str]]]:
    """GIF bytes and, per frame, the texts drawn on it (see :func:`draw_frames`)."""
    return render_plan(plan_animation(d, lang), lang, dpi=dpi)


def render_plan(plan: Plan, lang: str = "en", *, dpi: int = 80) -> tuple[bytes, list[list[str]]]:
    """Draw ``plan`` through a temporary file (PillowWriter writes to a path)."""
    try:
        import matplotlib  # noqa: F401
        import PIL  # noqa: F401
    except ImportError:
        from gradsym.errors import SpecError

        raise SpecError(Catalogue("en")("error.animate.matplotlib")) from None
    folder = tempfile.mkdtemp(prefix="gradsym-gif-")
    path = os.path.join(folder, "animation.gif")
    try:
        drawn = draw_frames(plan, path, lang, dpi=dpi)
        with open(path, "rb") as stream:
            data = stream.read()
    finally:
        if os.path.exists(path):
            os.unlink(path)
        os.rmdir(folder)
    return data, drawn


__all__ = ["animate_gif", "draw_frames", "gif_bytes", "render_gif", "render_plan"]
