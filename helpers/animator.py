"""`Animator`: a live training plot that updates one picture in place.

Design (after fastprogress): the figure is made once, `add()` only appends to the lines' data,
and at most a few redraws per second are rendered to PNG and pushed through one display handle
(`display(..., display_id=True)` then `.update()`), which JupyterLab, Colab and VS Code all
honour -- no `clear_output`, so no flicker and no scroll jumps. Points added between redraws are
never lost: the next redraw, or the end of the cell, shows them.

Pacing: the first point is drawn at once (a lone point as a dot, so the first frame is never
empty axes), then a frame every `min_interval` seconds, slowed down only when frames are costly
(at most MAX_DRAW_SHARE of the time goes to drawing) and never further apart than MAX_INTERVAL,
so a student sees the curve grow at a steady rate even on a slow 2-core machine.

Each PNG carries a small text chunk (FRAME_KEY) saying what it shows: which Animator, points
per series and the last x. The browser test (tests/test_browser.py) reads it to check the page ends on the final
epoch.

Outside a notebook it prints a short text line now and then; under nbgrader's autograder
(`NBGRADER_EXECUTION` set) it does nothing at all.
"""

import io
import itertools
import json
import sys
import time

from .plotting import DEFAULT_FMTS, set_axes
from .runtime import in_notebook, is_autograding

LEGEND_WIDTH = 1.1  # inches added to the figure's width for a legend beside the axes


class Animator:
    """Plot data incrementally: `animator.add(x, (y1, y2, ...))`; `None` skips a series.

    Same constructor as the lecture notes' d2l.Animator. Extra keywords:
    `min_interval` -- seconds between redraws at least (default 0.25 in a notebook, 3 in text);
    `mode` -- "notebook", "text" or "off"; chosen automatically when omitted.
    """

    # A redraw may take at most this share of the time between redraws, so that plotting costs
    # a few percent of a training run even when rendering is slow. 2.5%, not 5%: the frame's
    # IOPub message and the first frame's set-up come on top (benchmarks/bench_animator.py).
    MAX_DRAW_SHARE = 0.025
    # ...but a frame at least this often (seconds): the full re-render that follows a change of
    # axis limits can take 0.1-0.2 s on a busy 2-core CPU, and pacing on that alone left the
    # first points on screen for 5 s before the next frame.
    MAX_INTERVAL = 1.0
    FRAME_KEY = "dlbook-animator"  # PNG text chunk: what the frame shows (for tests)
    _serials = itertools.count(1)  # tells one Animator's frames from another's in a page

    def __init__(
        self,
        xlabel=None,
        ylabel=None,
        legend=None,
        xlim=None,
        ylim=None,
        xscale="linear",
        yscale="linear",
        fmts=DEFAULT_FMTS,
        nrows=1,
        ncols=1,
        figsize=(3.5, 2.5),
        *,
        min_interval=None,
        mode=None,
    ):
        self.legend = list(legend) if legend else []
        self.X: list[list[float]] = []
        self.Y: list[list[float]] = []
        self.fmts = fmts
        self.mode = mode or ("off" if is_autograding() else "notebook" if in_notebook() else "text")
        if min_interval is None:
            # A picture a few times a second; a terminal line every few seconds stays quiet.
            min_interval = 0.25 if self.mode == "notebook" else 3.0
        self.min_interval = min_interval
        self.draws = 0  # how many times a picture (or text line) was produced; for tests
        self._axes_config = (xlabel, ylabel, xlim, ylim, xscale, yscale)
        if (nrows, ncols) != (1, 1):
            # d2l's signature has nrows/ncols, but its Animator (like this one) only ever draws
            # into the first panel; extra panels would stay empty on screen.
            raise ValueError(
                f"Animator draws one plot, so nrows=1 and ncols=1 (got {nrows}, "
                f"{ncols}); make one Animator per plot instead."
            )
        self._figsize = figsize
        self._fig = self._lines = self._handle = None
        self.status, self._status_handle = "", None
        self._last_draw = float("-inf")
        self._draw_cost = 0.0  # a running average of one frame's cost (seconds)
        self._dirty = False
        self._hooked = False
        self._serial = next(self._serials)
        if self.mode == "notebook":
            # Import matplotlib now, before training starts (about 1 s the first time), not on
            # the first point: the first frame then follows the first batches at once.
            import matplotlib.backends.backend_agg  # noqa: F401 (imports matplotlib.figure too)

    # -- public API ---------------------------------------------------------------------
    def add(self, x, y) -> None:
        """Append the point (x, y_i) to series i; y may be a scalar or a sequence, None skips."""
        if self.mode == "off":
            return
        if not hasattr(y, "__len__"):
            y = [y]
        n = len(y)
        if not hasattr(x, "__len__"):
            x = [x] * n
        if not self.X:
            self.X = [[] for _ in range(n)]
            self.Y = [[] for _ in range(n)]
        for i, (a, b) in enumerate(zip(x, y)):
            if a is not None and b is not None:
                self.X[i].append(float(a))
                self.Y[i].append(float(b))
        self._dirty = True
        now = time.perf_counter()
        if now - self._last_draw >= self._gap():
            self._draw()
        else:
            self._flush_at_cell_end()

    def flush(self) -> None:
        """Show every point added so far (the training loop calls this at the end)."""
        if self.mode != "off" and self._dirty:
            self._draw()

    # -- drawing ------------------------------------------------------------------------
    def _gap(self) -> float:
        """Seconds to wait after a frame: min_interval, more if frames are costly, capped."""
        paced = max(self.min_interval, self._draw_cost / self.MAX_DRAW_SHARE)
        return min(paced, max(self.min_interval, self.MAX_INTERVAL))

    def _draw(self) -> None:
        if self.mode == "notebook" and self._fig is None:
            self._build_figure()  # once; not part of the cost that paces later redraws
        start = time.perf_counter()
        if self.mode == "notebook":
            self._draw_png()
        else:
            self._draw_text()
        self._last_draw = time.perf_counter()
        cost = self._last_draw - start
        # The first frame pays one-time costs (font cache, first full render): it does not set
        # the pace. Later frames are averaged, so one slow frame does not stall the next ones.
        self._draw_cost = (
            0.0
            if self.draws == 0
            else (cost if self.draws == 1 else 0.7 * self._draw_cost + 0.3 * cost)
        )
        self.draws += 1
        self._dirty = False

    def _build_figure(self) -> None:
        # A bare Figure with the Agg canvas, not pyplot: pyplot would register the figure with
        # the inline backend, which then prints a second, stale copy when the cell ends.
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure

        width, height = self._figsize
        # The legend goes beside the axes, not in them: placed once, before any data, inside
        # it would sit over the curves that later grow under it. The figure widens by about
        # the legend's width, so the plotting area keeps the size asked for.
        extra = LEGEND_WIDTH if self.legend else 0.0
        self._fig = Figure(figsize=(width + extra, height), dpi=100)
        FigureCanvasAgg(self._fig)
        self._axes = self._fig.subplots()
        self._axes.margins(0)  # no padding: the limits are rounded to ticks (see _draw_png)
        self._axes.autoscale(tight=False)
        fmts = list(self.fmts) * (len(self.X) // len(self.fmts) + 1)
        self._lines = [self._axes.plot([], [], fmt)[0] for fmt in fmts[: len(self.X)]]
        set_axes(self._axes, *self._axes_config[:4], *self._axes_config[4:], None)
        if self.legend:
            self._axes.legend(
                self._lines,
                self.legend,
                loc="upper left",
                bbox_to_anchor=(1.02, 1.0),
                borderaxespad=0.0,
                frameon=False,
                fontsize="small",
            )
        self._fig.tight_layout()
        self._boxes = self._layout_boxes()
        # Lines and legend change every frame; the rest (axes, ticks, labels) only when the
        # limits move. Animated artists are left out of canvas.draw() and drawn on top.
        legend = self._axes.get_legend()
        self._animated = self._lines + ([legend] if legend is not None else [])
        for artist in self._animated:
            artist.set_animated(True)
        self._background = self._limits = None

    def _draw_png(self) -> None:
        from IPython.display import Image, display
        from matplotlib import rc_context

        if self._fig is None:
            self._build_figure()
        for line, xs, ys in zip(self._lines, self.X, self.Y):
            line.set_data(xs, ys)
            # A line through one point draws nothing: show a lone point as a dot, so the first
            # frame already has data on it.
            if len(xs) == 1 and line.get_marker() in ("None", None, "", " "):
                line.set_marker("o")
                line._dlbook_dot = True
            elif len(xs) > 1 and getattr(line, "_dlbook_dot", False):
                line.set_marker("None")
                line._dlbook_dot = False
        xlim, ylim = self._axes_config[2:4]
        self._axes.relim()
        # Limits on round numbers (tick multiples) move less often than limits hugging the
        # data, so the frame does not jump and its static part can be reused (_render_png).
        with rc_context({"axes.autolimit_mode": "round_numbers"}):
            self._axes.autoscale_view(scalex=xlim is None, scaley=ylim is None)
        image = Image(data=self._render_png(), format="png")
        if self._handle is None:
            self._handle = display(image, display_id=True)
        else:
            self._handle.update(image)

    def _render_png(self) -> bytes:
        """The figure as PNG bytes, re-rendering ticks and labels only when the limits move.

        Matplotlib's blitting recipe: the static part is rendered once into a background that
        is reused while the axis limits stay put -- they are fitted to all points so far, so
        they move only when a value beyond every earlier one arrives -- and each frame draws
        just the lines and the legend over it: about half the cost of a full render.
        """
        from PIL import Image as PILImage

        canvas = self._fig.canvas
        limits = (self._axes.get_xlim(), self._axes.get_ylim())
        if limits != self._limits:
            canvas.draw()  # everything but the animated artists
            self._background = canvas.copy_from_bbox(self._fig.bbox)
            self._limits = limits
        else:
            canvas.restore_region(self._background)
        for artist in self._animated:
            self._axes.draw_artist(artist)
        from PIL.PngImagePlugin import PngInfo

        info = PngInfo()
        info.add_text(self.FRAME_KEY, json.dumps(self.frame_info()))
        buffer = io.BytesIO()
        PILImage.frombuffer(
            "RGBA", canvas.get_width_height(), canvas.buffer_rgba(), "raw", "RGBA", 0, 1
        ).save(buffer, format="png", pnginfo=info)
        return buffer.getvalue()

    def _layout_boxes(self) -> dict:
        """Pixel boxes [x0, y0, x1, y1] of the plotting area and the legend (fixed once laid
        out): the browser test checks that the legend stays off the curves' area."""
        renderer = self._fig.canvas.get_renderer()
        boxes = {"axes_box": list(self._axes.get_window_extent(renderer).extents)}
        legend = self._axes.get_legend()
        if legend is not None:
            boxes["legend_box"] = list(legend.get_window_extent(renderer).extents)
        return {k: [round(float(v), 1) for v in box] for k, box in boxes.items()}

    def frame_info(self) -> dict:
        """What the frame shows: which Animator, points per series, the last x, the limits."""
        info = {
            "plot": self._serial,
            "points": [len(xs) for xs in self.X],
            "x_last": max((xs[-1] for xs in self.X if xs), default=None),
        }
        if self._fig is not None:
            info["xlim"] = [float(v) for v in self._axes.get_xlim()]
            info["ylim"] = [float(v) for v in self._axes.get_ylim()]
            info.update(self._boxes)
        if self.status:
            info["status"] = self.status
        return info

    # -- the status line (training progress, helpers/progress.py) ---------------------------
    def set_status(self, text: str) -> None:
        """Show `text` on one line in the plot's display, above the plot, updated in place.

        In a notebook only: a text display handle of its own (a line of text costs next to
        nothing to send, unlike a frame, so it is not paced with the frames)."""
        self.status = text
        if self.mode != "notebook":
            return
        from IPython.display import display

        bundle = {"text/plain": text}
        if self._status_handle is None:
            self._status_handle = display(bundle, raw=True, display_id=True)
        else:
            self._status_handle.update(bundle, raw=True)

    def _draw_text(self) -> None:
        x = max((xs[-1] for xs in self.X if xs), default=0.0)
        names = self.legend or [f"y{i}" for i in range(len(self.Y))]
        parts = [f"{name} {ys[-1]:.4g}" for name, ys in zip(names, self.Y) if ys]
        label = self._axes_config[0] or "x"
        print(f"{label} {x:.4g}: " + ", ".join(parts), file=sys.stdout, flush=True)

    def _flush_at_cell_end(self) -> None:
        """In a kernel, make sure the last points are drawn when the cell finishes."""
        if self._hooked or self.mode != "notebook":
            return
        from IPython import get_ipython

        shell = get_ipython()
        if shell is None:
            return

        def at_cell_end(*_):
            shell.events.unregister("post_run_cell", at_cell_end)
            self._hooked = False
            self.flush()

        shell.events.register("post_run_cell", at_cell_end)
        self._hooked = True
