"""The worked solution for a terminal: rich layout and colour on a terminal, plain when piped.

Every line fits the width (the terminal's, 80 when piped): a long equation breaks at ``=``
with a hanging indent (the ``=`` signs under each other), a form still too long breaks before
an operator, and a note that does not fit beside its equation goes on its own line. Prose and
the description wrap at words, keeping their indent; a table too wide is split into column
groups, each repeating the first column.
"""

from __future__ import annotations

import io
import textwrap

from rich.console import Console
from rich.measure import Measurement
from rich.rule import Rule
from rich.table import Table as RichTable
from rich.text import Text

from chainrule.explain.document import Document, Equation, Math, Paragraph, Prose, Section, Table

INDENT = "  "
WIDTH = 80
"""The width of piped output (and of :func:`render` by default)."""
NOTE_GAP = "    "
BREAKS = (" = ", " + ", " - ", " · ", ", ", " ", "·", "/")
"""Where a form too long for a line may break, best first (the operator starts the next line)."""

MIN_PIECE = 8
"""A broken line carries at least this many characters (never a lone operator)."""

Chunk = tuple[str, str]
"""A piece of a line and its style."""


def _plain(part: str | Math) -> str:
    return part.text if isinstance(part, Math) else part


def _prose(parts: Prose) -> str:
    return "".join(_plain(p) for p in parts)


def _length(line: list[Chunk]) -> int:
    return sum(len(t) for t, _ in line)


def _split_long(text: str, room: int, rest: int) -> list[str]:
    """``text`` in pieces of at most ``room`` characters (``rest`` after the first), each break
    before an operator at bracket depth 0 where there is one (deeper only when there is none)."""
    pieces: list[str] = []
    while len(text) > (rest if pieces else room):
        room = rest if pieces else room
        cut = _best_break(text, room)
        pieces.append(text[:cut].rstrip())
        text = text[cut:].lstrip(" ") if text[cut:cut + 1] == " " and cut > 0 else text[cut:]
    pieces.append(text)
    return pieces


def _best_break(text: str, room: int) -> int:
    """Where to cut ``text`` so that its first line has at most ``room`` characters."""
    depth_at: list[int] = []
    depth = 0
    for ch in text:
        if ch in ")]":
            depth -= 1
        depth_at.append(depth)
        if ch in "([":
            depth += 1
    for max_depth in range(0, 8):
        for op in BREAKS:
            at = text.rfind(op, MIN_PIECE, room + 1)
            while at >= MIN_PIECE and depth_at[at] > max_depth:
                at = text.rfind(op, MIN_PIECE, at)
            if at >= MIN_PIECE:
                # the next line starts with the operator (after ", " or a space: the next word)
                return at + 1 if op[0] in " ," else at
    return room


def equation_lines(eq: Equation, width: int) -> list[list[Chunk]]:
    """The equation as lines of styled chunks, each at most ``width`` characters long."""
    head = INDENT + (f"({eq.label}) " if eq.label else "")
    lhs = eq.lhs.text
    forms = [f.text for f in eq.forms]
    styles = ["" for _ in forms]
    if len(forms) > 1:
        styles[-1] = "bold cyan"
    first: list[Chunk] = [(head[: len(INDENT)], ""), (head[len(INDENT) :], "dim"), (lhs, "bold")]
    hang = len(head) + len(lhs) + 1
    if hang > width // 2:
        hang = len(head) + 4
    lines: list[list[Chunk]] = [first]
    for i, (form, style) in enumerate(zip(forms, styles, strict=True)):
        line = lines[-1]
        if _length(line) + 3 + len(form) <= width:
            line += [(" = ", ""), (form, style)]
            continue
        # on a line of its own (the first form stays beside the lhs when it fits there)
        start = line if i == 0 else None
        prefix: list[Chunk] = [(" = ", "")] if start is not None else [(" " * hang + "= ", "")]
        indent = (_length(line) + 3) if start is not None else hang + 2
        room = max(width - indent, 20)
        pieces = _split_long(form, room, room - 2)
        if start is None:
            lines.append(prefix + [(pieces[0], style)])
        elif _length(start) + 3 + min(len(pieces[0]), room) <= width:
            start += prefix + [(pieces[0], style)]
        else:
            indent, room = hang + 2, max(width - hang - 2, 20)
            pieces = _split_long(form, room, room - 2)
            lines.append([(" " * hang + "= ", ""), (pieces[0], style)])
        for piece in pieces[1:]:
            lines.append([(" " * (indent + 2), ""), (piece, style)])
    if eq.note:
        note = f"[{_prose(eq.note)}]"
        last = lines[-1]
        if _length(last) + len(NOTE_GAP) + len(note) <= width:
            last.append((NOTE_GAP + note, "dim italic"))
        else:
            fits = hang + len(note) <= width
            margin = " " * (hang if fits else len(head) + 2)
            for row in textwrap.wrap(
                note,
                width=width,
                initial_indent=margin,
                subsequent_indent=margin + " ",
                break_on_hyphens=False,
            ):
                lines.append([(row, "dim italic")])
    return lines


def equation_text(eq: Equation, width: int = 10_000) -> Text:
    """``(label) lhs = form = ... = result    [note]``, the result highlighted, at most
    ``width`` columns a line (broken as the module says)."""
    text = Text()
    for i, line in enumerate(equation_lines(eq, width)):
        if i:
            text.append("\n")
        for chunk, style in line:
            text.append(chunk, style=style)
    return text


def wrap(text: str, width: int, indent: str = INDENT) -> list[str]:
    """Prose wrapped at words to ``width``, every line indented."""
    return textwrap.wrap(
        text, width=width, initial_indent=indent, subsequent_indent=indent, break_on_hyphens=False
    ) or [indent]


def _table(table: Table, columns: list[int]) -> RichTable:
    out = RichTable(show_edge=False, header_style="bold", pad_edge=False)
    for i in columns:
        out.add_column(_plain(table.header[i]), justify="right" if i else "left", no_wrap=True)
    for row in table.rows:
        out.add_row(*(_plain(row[i]) for i in columns))
    return out


def _column_groups(table: Table, width: int) -> list[list[int]]:
    """The columns in groups that fit ``width``, the first column repeated in every group."""
    n = len(table.header)
    sizes = [
        max(len(_plain(c)) for c in (table.header[i], *(row[i] for row in table.rows)))
        for i in range(n)
    ]
    groups: list[list[int]] = [[0]]
    used = sizes[0]
    for i in range(1, n):
        if len(groups[-1]) > 1 and used + 3 + sizes[i] > width:
            groups.append([0])
            used = sizes[0]
        groups[-1].append(i)
        used += 3 + sizes[i]
    return groups


def print_document(doc: Document, console: Console) -> None:
    """Print the Document on a rich Console, every line within the console's width."""
    console.print(Rule(doc.title, style="bold"))
    if doc.description:
        # Markdown: a blank line ends a paragraph, a single line break is a space
        for i, paragraph in enumerate(doc.description.strip().split("\n\n")):
            if i:
                console.print()
            for row in wrap(" ".join(paragraph.split()), console.width):
                console.print(Text(row, style="italic"), soft_wrap=True)
    for section in doc.sections:
        _print_section(section, console)


def _print_section(section: Section, console: Console) -> None:
    width = console.width
    console.print()
    if section.level <= 2:
        console.print(Rule(section.title, align="left", style="green"))
    else:
        for row in wrap(section.title, width, ""):
            console.print(Text(row, style="bold green"), soft_wrap=True)
    for block in section.blocks:
        if isinstance(block, Equation):
            console.print(equation_text(block, width), soft_wrap=True)
        elif isinstance(block, Paragraph):
            words = _prose(block.parts)
            style = "bold" if len(words) < 40 and words.endswith(":") else ""
            for row in wrap(words, width):
                console.print(Text(row, style=style), soft_wrap=True)
        else:
            console.print()
            if block.caption:
                for row in wrap(block.caption, width, ""):
                    console.print(Text(row, style="italic"), soft_wrap=True)
            for i, columns in enumerate(_column_groups(block, width)):
                if i:
                    console.print()
                table = _table(block, columns)
                # a table never squeezes or crops its numbers: widen the console if need be
                options = console.options.update(width=10_000)
                needed = Measurement.get(console, options, table).maximum
                console.width = max(width, needed)
                console.print(table)
                console.width = width


def render(doc: Document, *, width: int = WIDTH) -> str:
    """The Document as plain text (no colour codes), every line at most ``width`` columns."""
    buffer = io.StringIO()
    console = Console(
        file=buffer, width=width, no_color=True, force_terminal=False, highlight=False, emoji=False
    )
    print_document(doc, console)
    return "\n".join(line.rstrip() for line in buffer.getvalue().splitlines()) + "\n"
