"""Convolution-arithmetic explorer for chapter 05, in the spirit of vdumoulin/conv_arithmetic.

    from helpers.conv_explorer import explore
    explore()                      # sliders in JupyterLab / Colab, a static figure elsewhere

Sliders for input size, kernel size, padding, stride, dilation (and transposed mode) drive one
picture: the input grid with its padding, the cells the kernel reads at one output position
(step through them, or position 0 for how often each cell is read), and the output grid, with
the output-size formula filled in. The picture is a PNG in one `ipywidgets.Image` whose value is
replaced on every change, so it updates in place without flicker. Without a widget frontend
(autograder, a script) `explore` shows the static figure with a one-line note instead.

The arithmetic (`output_size`, `layout`, `input_pixels_read`) is plain Python so it can be
tested against `nn.Conv2d` / `nn.ConvTranspose2d` without drawing anything.
"""

import io
from dataclasses import dataclass, replace

from helpers.runtime import in_notebook, is_autograding

STATIC_NOTE = (
    "Interactive sliders need a Jupyter frontend with ipywidgets (JupyterLab, "
    "Colab); showing one static picture instead."
)
# Where the explorer ran but its sliders are gone (the kernel ended, or a converted copy).
RERUN_NOTE = (
    "The sliders need this cell run in a live kernel: run it again to move them. "
    "The picture it first drew:"
)


@dataclass(frozen=True)
class ConvSetting:
    """One square 2-D convolution along one axis: sizes in pixels."""

    size: int = 5  # input height (= width)
    kernel: int = 3
    padding: int = 0
    stride: int = 1
    dilation: int = 1
    transposed: bool = False
    output_padding: int = 0  # transposed only: extra rows/columns at the bottom/right


def output_size(s: ConvSetting) -> int:
    """Output height of `nn.Conv2d` (or `nn.ConvTranspose2d` when `s.transposed`)."""
    _validate(s)
    n, k, p, st, d = s.size, s.kernel, s.padding, s.stride, s.dilation
    if s.transposed:
        out = (n - 1) * st - 2 * p + d * (k - 1) + s.output_padding + 1
        if out < 1:
            raise ValueError(
                f"this transposed convolution has output size {out}: lower "
                "padding or raise the kernel, stride or dilation."
            )
        return out
    return (n + 2 * p - d * (k - 1) - 1) // st + 1


def formula(s: ConvSetting) -> str:
    """The output-size formula with this setting's numbers filled in (plain text)."""
    n, k, p, st, d = s.size, s.kernel, s.padding, s.stride, s.dilation
    out = output_size(s)
    if s.transposed:
        return (
            f"H_out = (H-1)*S - 2P + D*(K-1) + output_padding + 1 = "
            f"({n}-1)*{st} - 2*{p} + {d}*({k}-1) + {s.output_padding} + 1 = {out}"
        )
    top = n + 2 * p - d * (k - 1) - 1
    return (
        f"H_out = floor((H + 2P - D*(K-1) - 1) / S) + 1 = "
        f"floor(({n} + 2*{p} - {d}*({k}-1) - 1) / {st}) + 1 = floor({top}/{st}) + 1 = {out}"
    )


@dataclass(frozen=True)
class Layout:
    """Where things sit along one axis of the drawn input grid (grid coordinates).

    A plain convolution draws the padded input: input pixel i at `offset + i`. A transposed
    convolution is drawn as the equivalent stride-1 convolution (vdumoulin's picture): the
    input with `stride - 1` zeros inserted between pixels (pixel i at `offset + i * step`),
    padded by `dilation * (kernel - 1) - padding`, read by the flipped kernel.
    """

    grid: int  # cells along the axis
    offset: int  # grid position of input pixel 0
    step: int  # grid distance between neighbouring input pixels
    starts: tuple  # grid position of the kernel's first tap, one per output position
    tap: int  # grid distance between neighbouring kernel taps (the dilation)


def layout(s: ConvSetting) -> Layout:
    out = output_size(s)
    k, d = s.kernel, s.dilation
    if s.transposed:
        pad = d * (k - 1) - s.padding
        grid = (s.size - 1) * s.stride + 1 + 2 * pad + s.output_padding
        return Layout(grid, pad, s.stride, tuple(range(out)), d)
    return Layout(s.size + 2 * s.padding, s.padding, 1, tuple(i * s.stride for i in range(out)), d)


def input_pixels_read(s: ConvSetting, i: int, j: int) -> set:
    """{(row, col)} of the input pixels that output (i, j) reads (padding/inserted zeros left out)."""
    lay = layout(s)
    rows, cols = (_pixels_on_axis(lay, s, t) for t in (i, j))
    return {(r, c) for r in rows for c in cols}


def _pixels_on_axis(lay: Layout, s: ConvSetting, o: int) -> list:
    found = []
    for a in range(s.kernel):
        g = lay.starts[o] + a * lay.tap - lay.offset  # grid position relative to pixel 0
        if g % lay.step == 0 and 0 <= g // lay.step < s.size:  # a real pixel, not a zero
            found.append(g // lay.step)
    return found


def _validate(s: ConvSetting) -> None:
    for name in ("size", "kernel", "stride", "dilation"):
        if getattr(s, name) < 1:
            raise ValueError(f"{name} must be at least 1, got {getattr(s, name)}.")
    if s.padding < 0 or s.output_padding < 0:
        raise ValueError("padding and output_padding cannot be negative.")
    span = s.dilation * (s.kernel - 1) + 1  # input rows one output pixel spans
    if s.transposed:
        if s.output_padding >= max(s.stride, s.dilation):
            raise ValueError(
                "output_padding must be smaller than stride or dilation (PyTorch's rule); lower it."
            )
        if s.padding > s.dilation * (s.kernel - 1):
            raise ValueError(
                f"padding {s.padding} > dilation*(kernel-1) = "
                f"{s.dilation * (s.kernel - 1)} crops the picture away; lower it."
            )
    elif s.size + 2 * s.padding < span:
        raise ValueError(
            f"the kernel spans {span} pixels but the padded input has only "
            f"{s.size + 2 * s.padding}: lower kernel or dilation, or add padding."
        )


def draw(s: ConvSetting, position: int = 0, figsize=(8.0, 4.0)):
    """A matplotlib Figure (not attached to pyplot): input grid on the left, output on the right.

    `position` 0 shades every cell by how many output positions read it; position p >= 1 shows
    the kernel's taps for output (row, col) = divmod(p - 1, H_out).
    """
    from matplotlib.figure import Figure
    from matplotlib.patches import Rectangle

    lay, out = layout(s), output_size(s)
    if not 0 <= position <= out * out:
        raise ValueError(f"position must be 0 (all) or 1..{out * out}, got {position}.")
    reads = _read_counts(s, lay, out)  # grid cell -> how many outputs read it
    if position:
        i, j = divmod(position - 1, out)
        taps = {
            (lay.starts[i] + a * lay.tap, lay.starts[j] + b * lay.tap)
            for a in range(s.kernel)
            for b in range(s.kernel)
        }
    fig = Figure(figsize=figsize, layout="constrained")
    ax_in, ax_out = fig.subplots(1, 2, width_ratios=[max(lay.grid, 1), max(out, 1)])
    real = {lay.offset + t * lay.step for t in range(s.size)}
    most = max(reads.values(), default=1)
    for r in range(lay.grid):
        for c in range(lay.grid):
            is_real = r in real and c in real
            face = "#ffffff" if is_real else "#e6e6e6"
            if not position and reads.get((r, c)):
                face = (0.12, 0.47, 0.71, 0.15 + 0.6 * reads[(r, c)] / most)
            ax_in.add_patch(
                Rectangle(
                    (c, r),
                    1,
                    1,
                    facecolor=face,
                    edgecolor="#888888",
                    linestyle="-" if is_real else ":",
                    linewidth=0.8,
                )
            )
            if position and (r, c) in taps:
                ax_in.add_patch(
                    Rectangle(
                        (c + 0.1, r + 0.1),
                        0.8,
                        0.8,
                        facecolor="#1f77b4",
                        alpha=0.75 if is_real else 0.35,
                    )
                )
            elif not position and is_real and not reads.get((r, c)):
                ax_in.text(c + 0.5, r + 0.5, "×", ha="center", va="center", color="#d62728")
    for r in range(out):
        for c in range(out):
            hit = position and (r, c) == (i, j)
            ax_out.add_patch(
                Rectangle(
                    (c, r),
                    1,
                    1,
                    edgecolor="#888888",
                    facecolor="#ff7f0e" if hit or not position else "#fff3e6",
                )
            )
    kind = "transposed " if s.transposed else ""
    ax_in.set_title(
        f"input {s.size}x{s.size}"
        + (" (grey: padding / inserted zeros)" if lay.grid > s.size else ""),
        fontsize=9,
    )
    ax_out.set_title(f"{kind}output {out}x{out}", fontsize=9)
    for ax, n in ((ax_in, lay.grid), (ax_out, out)):
        ax.set_xlim(0, n)
        ax.set_ylim(n, 0)  # row 0 at the top, as in a matrix
        ax.set_aspect("equal")
        ax.axis("off")
    fig.suptitle(formula(s), fontsize=9)
    return fig


def _read_counts(s: ConvSetting, lay: Layout, out: int) -> dict:
    counts: dict = {}
    span = [lay.starts[o] + a * lay.tap for o in range(out) for a in range(s.kernel)]
    for r in span:
        for c in span:
            counts[(r, c)] = counts.get((r, c), 0) + 1
    return counts


def render_png(s: ConvSetting, position: int = 0) -> bytes:
    """The picture of `draw` as PNG bytes (Agg, no pyplot, nothing shown)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    fig = draw(s, position)
    buf = io.BytesIO()
    FigureCanvasAgg(fig).print_png(buf)
    return buf.getvalue()


def widgets_available() -> bool:
    """True where sliders can work: a Jupyter kernel with ipywidgets, not under the autograder."""
    if is_autograding() or not in_notebook():
        return False
    try:
        import ipywidgets  # noqa: F401
    except ImportError:
        return False
    return True


CONTROLS_PX = 330  # the controls' column: label + slider + read-out
LABEL_PX = 80  # room for "transposed", "dilation", "position" whole
PLAY_PX = 110  # the step button group


class Explorer:
    """Sliders + one Image widget + one HTML line; `update()` re-renders in place."""

    def __init__(self, setting: ConvSetting = ConvSetting()):
        import ipywidgets as w

        # Fixed widths in pixels, the picture takes what is left: at a 1400-px window (a
        # laptop) the controls' column kept shrinking below its sliders, cutting labels and
        # read-outs and letting a focused slider scroll the column sideways.
        label = {"description_width": f"{LABEL_PX}px"}

        def slider(name, value, lo, hi):
            return w.IntSlider(
                value=value,
                min=lo,
                max=hi,
                description=name,
                continuous_update=True,
                style=label,
                layout=w.Layout(width=f"{CONTROLS_PX}px"),
            )

        self.controls = {
            "size": slider("input", setting.size, 1, 12),
            "kernel": slider("kernel", setting.kernel, 1, 7),
            "padding": slider("padding", setting.padding, 0, 4),
            "stride": slider("stride", setting.stride, 1, 4),
            "dilation": slider("dilation", setting.dilation, 1, 3),
            "output_padding": slider("out pad", setting.output_padding, 0, 3),
            "transposed": w.Checkbox(
                value=setting.transposed,
                description="transposed",
                style=label,
                layout=w.Layout(width=f"{CONTROLS_PX}px"),
            ),
        }
        self.play = w.Play(
            min=0, max=1, interval=700, description="step", layout=w.Layout(width=f"{PLAY_PX}px")
        )
        self.position = w.IntSlider(
            value=0,
            min=0,
            max=1,
            description="position",
            style=label,
            layout=w.Layout(width=f"{CONTROLS_PX - PLAY_PX}px"),
        )
        w.jslink((self.play, "value"), (self.position, "value"))
        self.image = w.Image(
            format="png",
            layout=w.Layout(flex="1 1 auto", min_width="0", max_width="100%", object_fit="contain"),
        )
        self.text = w.HTML()
        for c in [*self.controls.values(), self.position]:
            c.observe(self.update, names="value")
        left = w.VBox(
            [*self.controls.values(), w.HBox([self.play, self.position])],
            # never narrower than its sliders; nothing to scroll sideways to
            layout=w.Layout(flex="0 0 auto", width=f"{CONTROLS_PX + 12}px", overflow="hidden"),
        )
        self.widget = w.VBox([w.HBox([left, self.image], layout=w.Layout(width="100%")), self.text])
        self.widget.add_class("conv-explorer")  # a handle for the browser test
        self.update()

    def setting(self) -> ConvSetting:
        return ConvSetting(**{k: c.value for k, c in self.controls.items()})

    def update(self, change=None) -> None:
        s = self.setting()
        if not s.transposed:
            s = replace(s, output_padding=0)
        try:
            out = output_size(s)
        except ValueError as err:
            self.text.value = f"<b>Not a valid setting:</b> {err}"
            return  # keep the last good picture
        if self.position.max != out * out:
            self.position.max = self.play.max = out * out  # clamps position if needed
        shape = f"output shape ({out}, {out}) for an input ({s.size}, {s.size})"
        self.text.value = f"<code>{formula(s)}</code><br>{shape}; position 0 = all outputs"
        self.shown = s  # the setting in the picture (the last valid one)
        self.image.value = render_png(s, min(self.position.value, out * out))

    def _repr_mimebundle_(self, **kwargs):
        # The widget where a widget manager runs; a static picture (with the note) elsewhere,
        # e.g. converted by nbconvert, or reopened after its kernel ended: `./dlbook lab` saves
        # the picture without the widget's view then (tools/lab_save_hook.py), so JupyterLab
        # shows it instead of "Error displaying widget: model not found".
        import base64

        bundle = self.widget._repr_mimebundle_(**kwargs)
        png = base64.b64encode(render_png(self.shown)).decode()
        bundle["image/png"] = png  # safe to show in an untrusted notebook, unlike the HTML
        bundle["text/html"] = f'<p>{RERUN_NOTE}</p><img src="data:image/png;base64,{png}">'
        return bundle


def explore(setting: ConvSetting = ConvSetting()):
    """Show the explorer: the widget where sliders work, else the static figure and a note.

    Returns the Explorer (widgets) or the matplotlib Figure (static), so it can be the last
    line of a cell or be inspected in a test.
    """
    if widgets_available():
        return Explorer(setting)
    print(STATIC_NOTE)
    fig = draw(setting)
    if in_notebook():
        from IPython.display import Image, display

        display(Image(render_png(setting)))
        return None
    return fig
