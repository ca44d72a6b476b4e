"""Paints a Drawing as SVG text (no dependencies)."""

from __future__ import annotations

from html import escape

from chainrule.pictures.shapes import FONT, Circle, Curve, Drawing, Polygon, Rect


def _num(x: float) -> str:
    return f"{x:.2f}".rstrip("0").rstrip(".")


def to_svg(d: Drawing) -> str:
    """``d`` as a self-contained SVG document: no fonts, links or scripts."""
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{_num(d.width)}" '
        f'height="{_num(d.height)}" viewBox="0 0 {_num(d.width)} {_num(d.height)}" '
        f'font-family="{FONT}" role="img" class="chainrule-diagram">',
        f"<title>{escape(d.title)}</title>",
        f'<rect x="0" y="0" width="{_num(d.width)}" height="{_num(d.height)}" fill="#FFFFFF"/>',
    ]
    for s in d.shapes:
        if isinstance(s, Curve):
            p = s.points
            path = f"M{_num(p[0][0])},{_num(p[0][1])}" + "".join(
                f" C{_num(p[i][0])},{_num(p[i][1])} {_num(p[i + 1][0])},{_num(p[i + 1][1])} "
                f"{_num(p[i + 2][0])},{_num(p[i + 2][1])}"
                for i in range(1, len(p) - 1, 3)
            )
            dash = ' stroke-dasharray="6 4"' if s.dashed else ""
            cls = ' class="edge"' if s.weight else ""
            data = f' data-weight="{escape(s.weight)}"' if s.weight else ""
            tip = f"<title>{escape(s.tooltip)}</title>" if s.tooltip else ""
            out.append(
                f'<path{cls}{data} d="{path}" fill="none" stroke="{s.color}" '
                f'stroke-width="{_num(s.width)}"{dash} stroke-linecap="round">{tip}</path>'
            )
        elif isinstance(s, Polygon):
            pts = " ".join(f"{_num(x)},{_num(y)}" for x, y in s.points)
            out.append(f'<polygon points="{pts}" fill="{s.fill}"/>')
        elif isinstance(s, Circle):
            dash = ' stroke-dasharray="5 3"' if s.dashed else ""
            out.append(
                f'<circle class="unit" data-unit="{escape(s.unit)}" cx="{_num(s.cx)}" '
                f'cy="{_num(s.cy)}" r="{_num(s.r)}" fill="{s.fill}" stroke="{s.stroke}" '
                f'stroke-width="{_num(s.width)}"{dash}><title>{escape(s.tooltip)}</title>'
                "</circle>"
            )
        elif isinstance(s, Rect):
            stroke = f' stroke="{s.stroke}" stroke-width="{_num(s.width)}"' if s.width else ""
            opacity = f' fill-opacity="{s.opacity}"' if s.opacity < 1 else ""
            out.append(
                f'<rect x="{_num(s.x)}" y="{_num(s.y)}" width="{_num(s.w)}" '
                f'height="{_num(s.h)}" rx="{_num(s.rx)}" fill="{s.fill}"{opacity}{stroke}/>'
            )
        else:
            style = (' font-weight="bold"' if s.bold else "") + (
                ' font-style="italic"' if s.italic else ""
            )
            out.append(
                f'<text class="{s.role}" x="{_num(s.x)}" y="{_num(s.y)}" '
                f'font-size="{_num(s.size)}" text-anchor="{s.anchor}" fill="{s.color}"'
                f"{style}>{escape(s.text)}</text>"
            )
    out.append("</svg>")
    return "\n".join(out) + "\n"
