"""Server-side SVG charts of a post-test's item analysis: no JavaScript, no library.

Each chart is one `<svg role="img">` labelled by its `<title>` and `<desc>` (the desc states
the data, so a screen reader gets the figures, not a picture), with text labels on the axes
and on every bar. It scales to its container's width through its viewBox. Colours have at
least 4.5:1 contrast against white, and a flagged bar is also named in text, not by colour
alone. Every piece of text, question stems included, goes through `escape`, so the markup
may be passed to `mark_safe`.
"""

from django.utils.html import escape

from quizzes.statistics import TOO_EASY_ABOVE, TOO_HARD_BELOW, ItemAnalysis

INK = "#212529"  # text: 15.4:1 on white
AXIS = "#495057"  # axes, grid and reference lines: 8.2:1
BAR = "#1f5b99"  # bars: 6.9:1
FLAGGED = "#a52834"  # flagged bars: 7.1:1
FONT = 'font-family="system-ui, sans-serif"'


def _text(x: float, y: float, content, *, size: int = 12, anchor: str = "middle", **attrs):
    extra = "".join(f' {name.replace("_", "-")}="{escape(value)}"' for name, value in attrs.items())
    return (
        f'<text x="{x:.1f}" y="{y:.1f}" font-size="{size}" text-anchor="{anchor}" '
        f'fill="{INK}"{extra}>{escape(content)}</text>'
    )


def _svg(*, id_prefix: str, width: int, height: int, title: str, desc: str, body: list[str]):
    title_id, desc_id = f"{id_prefix}-title", f"{id_prefix}-desc"
    return "".join(
        [
            f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
            f'width="100%" role="img" aria-labelledby="{title_id} {desc_id}" {FONT}>',
            f'<title id="{title_id}">{escape(title)}</title>',
            f'<desc id="{desc_id}">{escape(desc)}</desc>',
            *body,
            "</svg>",
        ]
    )


def _ticks(maximum: int) -> list[int]:
    """Round tick values from 0 to at least `maximum`, at most six of them."""
    step = 1
    for _ in range(20):  # 1, 2, 5, 10, 20, 50 ... bounded
        if maximum <= step * 5:
            break
        step = step * 5 // 2 if str(step).startswith("2") else step * 2
    top = max(step, -(-maximum // step) * step)
    return list(range(0, top + 1, step))


def _percent(value: float | None) -> str:
    return "no responses" if value is None else f"{value * 100:.0f}%"


def score_histogram_svg(analysis: ItemAnalysis) -> str:
    """A bar per 10-point score bin, with the number of attempts on each bar."""
    width, height = 640, 320
    left, right, top, bottom = 64, 16, 24, 64
    plot_w, plot_h = width - left - right, height - top - bottom
    bins = analysis.score_distribution
    ticks = _ticks(max((b.count for b in bins), default=0))
    scale = plot_h / ticks[-1]
    slot = plot_w / len(bins)
    base = top + plot_h

    body = []
    for tick in ticks:
        y = base - tick * scale
        body.append(
            f'<line x1="{left}" y1="{y:.1f}" x2="{left + plot_w}" y2="{y:.1f}" '
            f'stroke="{AXIS}" stroke-width="{1 if tick == 0 else 0.5}"/>'
        )
        body.append(_text(left - 8, y + 4, tick, anchor="end"))
    for i, score_bin in enumerate(bins):
        x = left + i * slot
        h = score_bin.count * scale
        body.append(
            f'<rect x="{x + 4:.1f}" y="{base - h:.1f}" width="{slot - 8:.1f}" '
            f'height="{h:.1f}" fill="{BAR}"/>'
        )
        body.append(_text(x + slot / 2, base - h - 4, score_bin.count, size=11))
        body.append(_text(x + slot / 2, base + 16, score_bin.label, size=10))
    body.append(_text(left + plot_w / 2, height - 16, "Score (%)", size=13))
    body.append(
        _text(16, top + plot_h / 2, "Attempts", size=13,
              transform=f"rotate(-90 16 {top + plot_h / 2:.1f})")
    )  # fmt: skip

    if analysis.attempts:
        counts = "; ".join(f"{b.label}: {b.count}" for b in bins)
        desc = (
            f"Histogram of {analysis.attempts} graded attempts by score, in bins of 10 "
            f"percentage points (the last includes 100%). {counts}. "
            f"Mean score {analysis.mean_score:.1f}%."
        )
    else:
        desc = "No graded attempts yet: every score bin is empty."
    return _svg(
        id_prefix=f"score-histogram-{analysis.post_test_id}",
        width=width,
        height=height,
        title="Score distribution",
        desc=desc,
        body=body,
    )


def facility_bars_svg(analysis: ItemAnalysis) -> str:
    """A horizontal bar per question: its facility (share correct), with reference lines at
    the too-hard and too-easy limits; flagged questions are named so in text."""
    row_h, left, right, top, bottom = 28, 56, 210, 32, 48
    width = 640
    plot_w = width - left - right
    rows = analysis.questions
    height = top + max(len(rows), 1) * row_h + bottom
    base = top + max(len(rows), 1) * row_h

    body = []
    for tick in (0, 0.25, 0.5, 0.75, 1):
        x = left + tick * plot_w
        body.append(
            f'<line x1="{x:.1f}" y1="{top}" x2="{x:.1f}" y2="{base}" stroke="{AXIS}" '
            f'stroke-width="{1 if tick in (0, 1) else 0.5}"/>'
        )
        body.append(_text(x, base + 16, f"{tick:.0%}", size=11))
    for limit, name in ((TOO_HARD_BELOW, "too hard below"), (TOO_EASY_ABOVE, "too easy above")):
        x = left + limit * plot_w
        body.append(
            f'<line x1="{x:.1f}" y1="{top - 6}" x2="{x:.1f}" y2="{base}" stroke="{AXIS}" '
            'stroke-width="1.5" stroke-dasharray="4 3"/>'
        )
        body.append(_text(x, top - 10, f"{name} {limit:.0%}", size=10))
    body.append(_text(left + plot_w / 2, height - 10, "Facility (share of responses correct)"))
    if not rows:
        body.append(_text(left + plot_w / 2, top + row_h / 2 + 4, "No questions yet."))

    lines = []
    for i, question in enumerate(rows):
        y = top + i * row_h
        flagged = bool(question.flags)
        body.append(_text(left - 8, y + row_h / 2 + 4, f"Q{question.position}", anchor="end"))
        if question.facility is not None:
            w = question.facility * plot_w
            body.append(
                f'<rect x="{left}" y="{y + 5}" width="{w:.1f}" height="{row_h - 10}" '
                f'fill="{FLAGGED if flagged else BAR}"/>'
            )
        label = _percent(question.facility)
        if flagged:
            label += " — " + ", ".join(question.flags)
        body.append(_text(left + plot_w + 8, y + row_h / 2 + 4, label, size=11, anchor="start"))
        lines.append(
            f"Q{question.position} ({question.stem}): {_percent(question.facility)} correct "
            f"of {question.responses} responses"
            + (f", {', '.join(question.flags)}" if flagged else "")
        )

    if rows:
        desc = (
            f"Facility of each of {len(rows)} questions over {analysis.attempts} graded "
            f"attempts, with limits at {TOO_HARD_BELOW:.0%} (too hard) and "
            f"{TOO_EASY_ABOVE:.0%} (too easy). " + "; ".join(lines) + "."
        )
    else:
        desc = "This post-test has no questions yet."
    return _svg(
        id_prefix=f"facility-bars-{analysis.post_test_id}",
        width=width,
        height=height,
        title="Facility by question",
        desc=desc,
        body=body,
    )
