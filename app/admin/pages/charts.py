"""Charts as inline SVG drawn on the server: no script, no external file, readable on a phone.

Shapes carry classes (styled by console.css) rather than inline styles, so the
page's Content-Security-Policy can forbid inline styles.
"""
from markupsafe import Markup, escape

from app.money import format_yuan

# Sizes in the viewBox's units; the line chart is wide for a laptop (a phone enlarges its labels, see console.css),
# the bar chart narrow enough that its labels stay readable at a phone's width.
LINE_WIDTH, LINE_HEIGHT = 900, 260
MARGIN_LEFT, MARGIN_BOTTOM, MARGIN_TOP = 90, 36, 14
# The bar chart is drawn at its own size (text at the page's 14px) and only shrinks to fit a narrow screen.
BAR_ROW, BAR_LABEL, BAR_WIDTH, BAR_VALUE_ROOM = 30, 84, 440, 104


def yuan_sign(fen):
    """An amount as the charts label it: "¥12.34", "-¥5.00"."""
    return ("-¥" if fen < 0 else "¥") + format_yuan(abs(fen))


def nice_ceiling(value):
    """The smallest of 1, 2, 2.5, 5 × 10ⁿ at or above `value` (an axis top); 1 for nothing."""
    if value <= 0:
        return 1
    magnitude = 1
    while magnitude * 10 <= value:
        magnitude *= 10
    for step in (1, 2, 2.5, 5, 10):
        if step * magnitude >= value:
            return step * magnitude
    return 10 * magnitude


def line_chart(points, *, label, format_value=str, every=5):
    """A line chart of (x label, value) points with a labelled y axis; `label` names it for screen readers."""
    if not points:
        return Markup("")
    top = nice_ceiling(max(value for _, value in points))
    plot_w, plot_h = LINE_WIDTH - MARGIN_LEFT - 8, LINE_HEIGHT - MARGIN_TOP - MARGIN_BOTTOM
    step = plot_w / max(len(points) - 1, 1)

    def xy(index, value):
        return MARGIN_LEFT + index * step, MARGIN_TOP + plot_h * (1 - value / top)

    parts = [f'<svg class="chart line-chart" viewBox="0 0 {LINE_WIDTH} {LINE_HEIGHT}" role="img" '
             f'aria-label="{escape(label)}">']
    for tick in range(5):
        value = top * tick / 4
        _, y = xy(0, value)
        parts.append(f'<line class="grid" x1="{MARGIN_LEFT}" y1="{y:.1f}" x2="{LINE_WIDTH - 8}" y2="{y:.1f}"/>'
                     f'<text class="axis" x="{MARGIN_LEFT - 6}" y="{y + 4:.1f}" text-anchor="end">'
                     f'{escape(format_value(value))}</text>')
    coordinates = [xy(index, value) for index, (_, value) in enumerate(points)]
    path = " ".join(f"{x:.1f},{y:.1f}" for x, y in coordinates)
    base = MARGIN_TOP + plot_h
    parts.append(f'<polygon class="area" points="{MARGIN_LEFT},{base} {path} {coordinates[-1][0]:.1f},{base}"/>')
    parts.append(f'<polyline class="line" points="{path}"/>')
    for index, ((name, value), (x, y)) in enumerate(zip(points, coordinates)):
        parts.append(f'<circle class="dot" cx="{x:.1f}" cy="{y:.1f}" r="3">'
                     f'<title>{escape(name)}：{escape(format_value(value))}</title></circle>')
        if index % every == 0 or index == len(points) - 1:
            anchor = "end" if index == len(points) - 1 else "middle"
            parts.append(f'<text class="axis" x="{x:.1f}" y="{LINE_HEIGHT - 8}" text-anchor="{anchor}">'
                         f'{escape(name[5:] if len(name) == 10 else name)}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))


def bar_chart(rows, *, label, format_value=str):
    """Horizontal bars for (label, value) or (label, value, kind) rows, in the order given; a bar's length is its
    value's size, a negative value is labelled as such, and `kind` (income, cost, profit) colours the bar."""
    if not rows:
        return Markup("")
    rows = [row if len(row) == 3 else (*row, "") for row in rows]
    top = max(abs(value) for _, value, _ in rows) or 1
    height = BAR_ROW * len(rows) + 4
    room = BAR_WIDTH - BAR_LABEL - BAR_VALUE_ROOM
    parts = [f'<svg class="chart bar-chart" viewBox="0 0 {BAR_WIDTH} {height}" width="{BAR_WIDTH}" height="{height}" '
             f'role="img" aria-label="{escape(label)}">']
    for index, (name, value, kind) in enumerate(rows):
        y = index * BAR_ROW + 4
        width = max(room * abs(value) / top, 1 if value else 0)
        short = name if len(name) <= 6 else name[:5] + "…"
        css = " ".join(filter(None, ("bar", kind, "loss" if value < 0 else "")))
        parts.append(f'<text class="bar-label" x="{BAR_LABEL - 8}" y="{y + 17}" text-anchor="end">'
                     f'{escape(short)}<title>{escape(name)}</title></text>'
                     f'<rect class="{css}" x="{BAR_LABEL}" y="{y}" width="{width:.1f}" height="{BAR_ROW - 8}" rx="3"/>'
                     f'<text class="bar-value" x="{BAR_LABEL + width + 6:.1f}" y="{y + 17}">'
                     f'{escape(format_value(value))}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))
