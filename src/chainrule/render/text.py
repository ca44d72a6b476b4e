"""The worked solution for a terminal: rich layout and colour on a terminal, plain when piped.

Every line fits the width (the terminal's, 80 when piped): a long equation breaks at ``=``
with a hanging indent (the ``=`` signs under each other), a form still too long breaks before
an operator, and a note that does not fit beside its equation goes on its own line. Prose and
the description wrap at words, keeping their indent; a table too wide is split into column
groups, each repeating the first column.
"""

from __future__ import annotations

from collections.abc import Iterator
from functools import lru_cache
from itertools import repeat
from operator import itemgetter
from typing import TYPE_CHECKING

from chainrule.explain.document import (
    AnyDocument,
    Equation,
    Math,
    Paragraph,
    Prose,
    Run,
    Table,
    expanded,
)

if TYPE_CHECKING:  # rich is imported where colours or wide characters need it, not for plain text
    from rich.console import Console
    from rich.text import Text

INDENT = "  "
WIDTH = 80
"""The width of piped output (and of :func:`render` by default)."""
NOTE_GAP = "    "  # four spaces (_equation_plain counts them so)
BREAKS = (" = ", " + ", " - ", " · ", ", ", " ", "·", "/")
"""Where a form too long for a line may break, best first (the operator starts the next line)."""

MIN_PIECE = 8
"""A broken line carries at least this many characters (never a lone operator)."""

_OPS = tuple((op, op[0] in " ,") for op in BREAKS)
"""Each of :data:`BREAKS` with whether the line breaks after its first character (a space or a
comma: the next line starts with the operator itself, or with the next word) or before it."""

Chunk = tuple[str, str]
"""A piece of a line and its style."""


def _plain(part: str | Math) -> str:
    return part.text if isinstance(part, Math) else part


@lru_cache(maxsize=4096)
def _prose(parts: Prose) -> str:
    # cached: the weights into one unit share their note
    return "".join([p.text if isinstance(p, Math) else p for p in parts])


def _length(line: list[Chunk]) -> int:
    return sum(len(t) for t, _ in line)


def _split_long(text: str, room: int, rest: int) -> list[str]:
    """``text`` in pieces of at most ``room`` characters (``rest`` after the first), each break
    before an operator at bracket depth 0 where there is one (deeper only when there is none).
    Linear in the text: each line break searches the line's own characters only."""
    pieces: list[str] = []
    start, end = 0, len(text)  # the rest is text[start:] (read in place, never copied)
    rfind, count = text.rfind, text.count
    # the operators to look for, best first: those the text has (a short text's checked as
    # they are looked for, a long text's once)
    short = end <= 3 * room
    ops = _OPS if short else [op for op in _OPS if op[0] in text]
    # past the last opening bracket every operator is at depth 0 (the first found is taken)
    opened = rfind("(")
    square = "[" in text or "]" in text
    if square:
        opened = max(opened, rfind("["))
    limit = room
    while end - start > limit:
        low, high = start + MIN_PIECE, start + limit + 1
        cut = start + limit  # where no operator is found
        if start > opened:
            for op, after in ops:
                if short and op not in text:
                    continue
                at = rfind(op, low, high)
                if at >= low:
                    cut = at + 1 if after else at
                    break
        else:
            # the best operator at the smallest bracket depth (counted in text[start:], a
            # closing bracket counted as outside), up to 7
            found = False
            for max_depth in _DEPTHS:
                for op, after in ops:
                    if short and op not in text:
                        continue
                    at = rfind(op, low, high)
                    while at >= low:
                        depth = count("(", start, at) + (count("[", start, at) if square else 0)
                        if depth > max_depth:  # minus the brackets closed before it
                            depth -= count(")", start, at + 1) + (
                                count("]", start, at + 1) if square else 0)
                            if depth > max_depth:
                                at = rfind(op, low, at)
                                continue
                        found = True
                        cut = at + 1 if after else at
                        break
                    if found:
                        break
                if found:
                    break
        pieces.append(text[start:cut].rstrip())
        start = cut
        while text[start:start + 1] == " ":  # the next line starts at the next word
            start += 1
        limit = rest
    pieces.append(text[start:])
    return pieces


_DEPTHS = range(8)


def equation_lines(eq: Equation, width: int) -> list[list[Chunk]]:
    """The equation as lines of styled chunks, each at most ``width`` characters long."""
    label = f"({eq.label}) " if eq.label else ""
    head = len(INDENT) + len(label)
    lhs = eq.lhs.text
    first: list[Chunk] = [(INDENT, ""), (label, "dim"), (lhs, "bold")]
    hang = head + len(lhs) + 1
    if hang > width // 2:
        hang = head + 4
    hanging = " " * hang + "= "
    lines: list[list[Chunk]] = [first]
    size = head + len(lhs)  # the length of the last line (kept, not recounted)
    last = len(eq.forms) - 1
    for i, math in enumerate(eq.forms):
        form = math.text
        style = "bold cyan" if i == last and last else ""
        # an unstyled piece is joined to what comes before it (fewer chunks, the same text)
        if size + 3 + len(form) <= width:
            lines[-1] += [(" = ", ""), (form, style)] if style else [(" = " + form, "")]
            size += 3 + len(form)
            continue
        # on a line of its own (the first form stays beside the lhs when it fits there)
        indent = (size + 3) if i == 0 else hang + 2
        room = max(width - indent, 20)
        pieces = [form] if len(form) <= room else _split_long(form, room, room - 2)
        if i:
            lines.append([(hanging, ""), (pieces[0], style)] if style
                         else [(hanging + pieces[0], "")])
            size = hang + 2 + len(pieces[0])
        elif size + 3 + min(len(pieces[0]), room) <= width:
            first += [(" = ", ""), (pieces[0], style)] if style else [(" = " + pieces[0], "")]
            size += 3 + len(pieces[0])
        else:
            indent, room = hang + 2, max(width - hang - 2, 20)
            pieces = _split_long(form, room, room - 2)
            lines.append([(hanging, ""), (pieces[0], style)] if style
                         else [(hanging + pieces[0], "")])
            size = hang + 2 + len(pieces[0])
        for piece in pieces[1:]:
            margin = " " * (indent + 2)
            lines.append([(margin, ""), (piece, style)] if style else [(margin + piece, "")])
            size = indent + 2 + len(piece)
    if eq.note:
        note = f"[{_prose(eq.note)}]"
        if size + len(NOTE_GAP) + len(note) <= width:
            lines[-1].append((NOTE_GAP + note, "dim italic"))
        else:
            fits = hang + len(note) <= width
            margin = " " * (hang if fits else head + 2)
            for row in _wrap(note, width, margin, margin + " "):
                lines.append([(row, "dim italic")])
    return lines


def equation_plain(eq: Equation, width: int) -> str:
    """:func:`equation_lines` as plain text, each line ending in a line break: the same
    characters as ``_plain_text(equation_lines(eq, width))``, laid out by the same rules, made
    without styled chunks (piped output and files: 200,000 equations for a large network)."""
    note = f"[{_prose(eq.note)}]" if eq.note else ""
    return _equation_plain(eq.label, eq.lhs.text, list(map(_TEXT, eq.forms)), note, width)


_TEXT = itemgetter(0)
"""A Math's text (its first item)."""


def _equation_plain(label: str, lhs: str, forms: list[str], note: str, width: int) -> str:
    """:func:`equation_plain` of an equation given as its plain pieces: label, lhs, the forms'
    texts and the note as shown (``[note]``, or "" for none)."""
    if label:
        label = f"({label}) "
        line = INDENT + label + lhs  # the line being filled
        head = 2 + len(label)  # len(INDENT) + len(label)
    else:
        line = INDENT + lhs
        head = 2
    size = head + len(lhs)  # the length of the line being filled
    hang = size + 1 if size + 1 <= width // 2 else head + 4
    done: list[str] = []  # the lines before it, each stripped
    first = True
    for form in forms:
        length = len(form)
        if size + 3 + length <= width:
            line += " = " + form
            size += 3 + length
            first = False
            continue
        if not first:  # on a line of its own, its "=" under the first
            indent = hang + 2
            room = width - indent if width - indent > 20 else 20
            done.append(line.rstrip())
            if length <= room:
                line = " " * hang + "= " + form
                size = indent + length
                continue
            pieces = _split_long(form, room, room - 2)
            line = " " * hang + "= " + pieces[0]
        else:  # the first form: beside the lhs where its first piece fits there
            first = False
            indent = size + 3
            room = width - indent if width - indent > 20 else 20
            pieces = [form] if length <= room else _split_long(form, room, room - 2)
            if size + 3 + len(pieces[0]) <= width:
                line += " = " + pieces[0]
            else:
                indent = hang + 2
                room = width - indent if width - indent > 20 else 20
                pieces = _split_long(form, room, room - 2)
                done.append(line.rstrip())
                line = " " * hang + "= " + pieces[0]
        if len(pieces) > 1:
            margin = " " * (indent + 2)
            for piece in pieces[1:]:
                done.append(line.rstrip())
                line = margin + piece
            size = indent + 2 + len(pieces[-1])
        else:
            size = len(line)
    if not note:
        done.append(line.rstrip())
    elif size + 4 + len(note) <= width:  # NOTE_GAP, then the note
        done.append((line + NOTE_GAP + note).rstrip())
    else:  # the note on lines of its own
        done.append(line.rstrip())
        rows = _NOTE_ROWS.get((note, width, hang, head))
        done += _note_rows(note, width, hang, head) if rows is None else rows
    return "\n".join(done) + "\n"


_NOTE_ROWS: dict[tuple[str, int, int, int], list[str]] = {}


def _note_rows(note: str, width: int, hang: int, head: int) -> list[str]:
    """A note's lines of its own under an equation, each stripped (at the hanging indent
    ``hang`` where it fits there, else at ``head + 2`` and wrapped), kept in
    :data:`_NOTE_ROWS`: the weights into one unit share their note."""
    fits = hang + len(note) <= width
    margin = " " * (hang if fits else head + 2)
    rows = ([margin + note] if fits and _UNUSUAL_SPACE.isdisjoint(note)  # as _wrap
            else _wrap(note, width, margin, margin + " "))
    if len(_NOTE_ROWS) >= 4096:
        _NOTE_ROWS.clear()
    made = _NOTE_ROWS[(note, width, hang, head)] = [row.rstrip() for row in rows]
    return made


def equation_text(eq: Equation, width: int = 10_000) -> Text:
    """``(label) lhs = form = ... = result    [note]``, the result highlighted, at most
    ``width`` columns a line (broken as the module says)."""
    from rich.text import Text

    text = Text()
    for i, line in enumerate(equation_lines(eq, width)):
        if i:
            text.append("\n")
        for chunk, style in line:
            text.append(chunk, style=style)
    return text


def equation_line(eq: Equation) -> str:
    """The equation on one plain line, ``lhs = form = ... = result``, without its label and
    note: a derivation inside a sentence (check's feedback)."""
    return equation_text(Equation(eq.lhs, eq.forms)).plain.strip()


def wrap(text: str, width: int, indent: str = INDENT) -> list[str]:
    """Prose wrapped at words to ``width``, every line indented."""
    return _wrap(text, width, indent, indent) or [indent]


_UNUSUAL_SPACE = frozenset("\t\n\r\x0b\x0c")


def _wrap(text: str, width: int, first: str, rest: str) -> list[str]:
    """textwrap.wrap, with a quick answer for text that fits on its first line."""
    if (text and len(first) + len(text) <= width and text[0] != " " and text[-1] != " "
            and _UNUSUAL_SPACE.isdisjoint(text)):
        return [first + text]
    return list(_wrapped(text, width, first, rest))


@lru_cache(maxsize=4096)
def _wrapped(text: str, width: int, first: str, rest: str) -> tuple[str, ...]:
    # cached: a note shared by the weights into one unit is wrapped once
    if width <= 0 or not _UNUSUAL_SPACE.isdisjoint(text):
        import textwrap  # tabs and line breaks to expand first (and its error for width <= 0)

        return tuple(textwrap.wrap(text, width=width, initial_indent=first,
                                   subsequent_indent=rest, break_on_hyphens=False))
    return tuple(_wrap_words(text, width, first, rest))


def _wrap_words(text: str, width: int, first: str, rest: str) -> list[str]:
    """``textwrap.wrap(text, width, initial_indent=first, subsequent_indent=rest,
    break_on_hyphens=False)`` for text without tabs or line breaks (other than spaces, nothing
    textwrap would change first), the same lines by the same rules, without loading textwrap
    (and the regular expressions it compiles) at start-up."""
    # the chunks textwrap makes: the words and the runs of spaces between them, in order
    chunks: list[str] = []
    spaces = 0
    for i, word in enumerate(text.split(" ")):
        if i:
            spaces += 1
        if word:
            if spaces:
                chunks.append(" " * spaces)
                spaces = 0
            chunks.append(word)
    if spaces:
        chunks.append(" " * spaces)
    # textwrap's TextWrapper._wrap_chunks and _handle_long_word (drop_whitespace and
    # break_long_words on, no max_lines): a chunk that strip() empties counts as whitespace
    lines: list[str] = []
    chunks.reverse()
    while chunks:
        # (where textwrap would go round forever, an indent wider than the width before any
        # line is made, the words left are dropped: see the end of the loop)
        state = (len(chunks), chunks[-1])
        line: list[str] = []
        used = 0
        indent = rest if lines else first
        room = width - len(indent)
        if lines and chunks[-1].strip() == "":
            del chunks[-1]
        while chunks:
            size = len(chunks[-1])
            if used + size <= room:
                line.append(chunks.pop())
                used += size
            else:
                break
        if chunks and len(chunks[-1]) > room:  # a word longer than a line: broken
            end = 1 if room < 1 else room - used
            chunk = chunks[-1]
            line.append(chunk[:end])
            chunks[-1] = chunk[end:]
        if line and line[-1].strip() == "":
            del line[-1]
        if line:
            lines.append(indent + "".join(line))
        elif chunks and (len(chunks), chunks[-1]) == state:  # no line, and nothing read
            break
    return lines


def _width(text: str) -> int:
    """Terminal cells the text takes (wide East Asian characters take two)."""
    if text.isascii():
        return len(text)
    from rich.cells import cell_len

    return cell_len(text)


class _Columns:
    """A table's columns as plain strings, each its header's text then its rows' (made once
    per table), with each column's length in characters and whether it is ASCII."""

    __slots__ = ("texts", "sizes", "ascii")

    def __init__(self, table: Table) -> None:
        header = table.header
        body = list(zip(*table.rows, strict=True)) if table.rows else [()] * len(header)
        self.texts: list[list[str]] = []
        for head, column in zip(header, body, strict=True):
            kinds = set(map(type, column))
            if kinds <= {str}:
                texts = [_plain(head), *column]
            elif kinds == {Math}:
                texts = [_plain(head), *map(_TEXT, column)]
            else:
                texts = [_plain(head), *[c.text if isinstance(c, Math) else c for c in column]]
            self.texts.append(texts)
        self.sizes = [max(map(len, texts)) for texts in self.texts]
        self.ascii = ["".join(texts).isascii() for texts in self.texts]


def _table_lines(cells: _Columns, columns: list[int]) -> list[list[Chunk]]:
    """The columns of the table (its :class:`_Columns`) as lines: a bold header, a rule under
    it, then the rows; the first column left-aligned, the others right-aligned, `` │ ``
    between them."""
    header, rule, rows = _table_rows(cells, columns)
    lines: list[list[Chunk]] = [[(header, "bold")], [(rule, "")]]
    lines += [[(row, "")] for row in rows]
    return lines


def _table_plain(cells: _Columns, columns: list[int]) -> str:
    """:func:`_table_lines` as plain text, each line ending in a line break (a large
    network's tables have 100,000 rows)."""
    header, rule, rows = _table_rows(cells, columns)
    return "\n".join([header.rstrip(), rule.rstrip(), *map(str.rstrip, rows)]) + "\n"


def _table_rows(table: _Columns, columns: list[int]) -> tuple[str, str, list[str]]:
    """The header line, the rule under it and the rows' lines of :func:`_table_lines`."""
    texts = [table.texts[i] for i in columns]
    if all(table.ascii[i] for i in columns):
        # one character, one cell of the terminal: padded by str.ljust and str.rjust, a
        # column at a time, the first column left-aligned, the others right-aligned
        widths = [table.sizes[i] for i in columns]
        padded = [list(map(str.ljust, texts[0], repeat(widths[0])))]
        padded += [list(map(str.rjust, column, repeat(w)))
                   for column, w in zip(texts[1:], widths[1:], strict=True)]
        lines = list(map(" │ ".join, zip(*[column[1:] for column in padded], strict=True)))
        return " ┃ ".join([column[0] for column in padded]), _table_rule(widths), lines
    cells = [list(row) for row in zip(*texts, strict=True)]
    widths = [max(_width(row[j]) for row in cells) for j in range(len(columns))]

    def line(row: list[str], bar: str) -> str:
        parts = []
        for j, (cell, w) in enumerate(zip(row, widths, strict=True)):
            pad = " " * (w - _width(cell))
            parts.append(cell + pad if j == 0 else pad + cell)
        return bar.join(parts)

    return line(cells[0], " ┃ "), _table_rule(widths), [line(row, " │ ") for row in cells[1:]]


def _table_rule(widths: list[int]) -> str:
    """The rule under a table's header, for columns of ``widths``."""
    last = len(widths) - 1
    return "╇".join(
        "━" * (w + (0 if last == 0 else 1 if j in (0, last) else 2)) for j, w in enumerate(widths)
    )


def _column_groups(cells: _Columns, width: int) -> list[list[int]]:
    """The columns of a table (its :class:`_Columns`) in groups that fit ``width``, the first
    column repeated in every group."""
    sizes = cells.sizes
    groups: list[list[int]] = [[0]]
    used = sizes[0]
    for i in range(1, len(sizes)):
        if len(groups[-1]) > 1 and used + 3 + sizes[i] > width:
            groups.append([0])
            used = sizes[0]
        groups[-1].append(i)
        used += 3 + sizes[i]
    return groups


def _rule(title: str, width: int, *, center: bool) -> str:
    """A horizontal rule with the title in it (centred, or at the left), ``width`` wide."""
    title = " ".join(title.split("\n"))
    room = max(0, width - (4 if center else 2))
    if _width(title) > room:
        from rich.cells import set_cell_size

        title = set_cell_size(title, max(0, room - 1)) + "…"
    if center:
        side = (width - _width(title)) // 2
        left = "─" * max(0, side - 1)
        return f"{left} {title} " + "─" * max(0, width - len(left) - _width(title) - 2)
    return f"{title} " + "─" * max(0, width - _width(title) - 1)


def document_lines(doc: AnyDocument, width: int = WIDTH) -> list[list[Chunk]]:
    """The Document as lines of styled chunks, every line at most ``width`` columns (a table
    wider than that is split into column groups; a group wider still is kept whole)."""
    lines: list[list[Chunk]] = []
    for group in _line_groups(doc, width):
        assert not isinstance(group, str)  # plain text only when asked for
        lines += group
    return lines


def _line_groups(
    doc: AnyDocument, width: int, *, plain: bool = False
) -> Iterator[list[list[Chunk]] | str]:
    """:func:`document_lines` a few at a time (a block's lines), each made as it is read
    (``plain``: an equation's or a table's lines as plain text already, see
    :func:`equation_plain`)."""
    lines: list[list[Chunk]] = [[(_rule(doc.title, width, center=True), "bold")]]
    if doc.description:
        # Markdown: a blank line ends a paragraph, a single line break is a space
        for i, paragraph in enumerate(doc.description.strip().split("\n\n")):
            if i:
                lines.append([])
            lines += [[(row, "italic")] for row in wrap(" ".join(paragraph.split()), width)]
    yield lines
    for section in doc.sections:
        lines = [[]]
        if section.level <= 2:
            lines.append([(_rule(section.title, width, center=False), "green")])
        else:
            lines += [[(row, "bold green")] for row in wrap(section.title, width, "")]
        yield lines
        for block in section.blocks if plain else expanded(section.blocks):
            if isinstance(block, Run):  # plain text: each equation from its text alone
                yield from _run_plain(block, width)
            elif isinstance(block, Equation):
                yield equation_plain(block, width) if plain else equation_lines(block, width)
            elif isinstance(block, Paragraph):
                words = _prose(block.parts)
                style = "bold" if len(words) < 40 and words.endswith(":") else ""
                yield [[(row, style)] for row in wrap(words, width)]
            else:
                lines = [[]]
                if block.caption:
                    lines += [[(row, "italic")] for row in wrap(block.caption, width, "")]
                cells = _Columns(block)
                groups = _column_groups(cells, width)
                if plain:  # the blank line and caption, then each group's text
                    yield _plain_text(lines) + "\n".join(
                        _table_plain(cells, columns) for columns in groups)
                    continue
                for i, columns in enumerate(groups):
                    if i:
                        lines.append([])
                    lines += _table_lines(cells, columns)
                yield lines


RUN_PIECE = 32
"""A run of equations is written this many equations to a piece."""


def _run_plain(run: Run, width: int) -> Iterator[str]:
    """A :class:`Run`'s equations as :func:`equation_plain` lays them out, from their plain
    text alone (nothing made in LaTeX), :data:`RUN_PIECE` equations to a piece."""
    out: list[str] = []
    notes: dict[Prose, str] = {}  # each note as shown (the weights into a unit share theirs)
    last: Prose | None = None  # the note of the row before (the same object for a unit's)
    note = ""
    for label, lhs, _, forms, _, parts in run.rows(False):
        if parts is not last:
            last = parts
            note = notes.get(parts, "") if parts else ""
            if not note and parts:
                note = notes[parts] = f"[{_prose(parts)}]"
        out.append(_equation_plain(label, lhs, forms, note, width))
        if len(out) == RUN_PIECE:
            yield "".join(out)
            out = []
    if out:
        yield "".join(out)


def print_document(doc: AnyDocument, console: Console) -> None:
    """Print the Document on a rich Console, every line within the console's width: with the
    console's colours on a terminal, else plain; written straight to the console's file (one
    pass, linear in the text)."""
    from rich.console import COLOR_SYSTEMS
    from rich.style import Style

    lines = document_lines(doc, console.width)
    system = None if console.no_color else COLOR_SYSTEMS.get(console.color_system or "")
    if system is None or console.legacy_windows:
        console.file.write(_plain_text(lines))
    else:
        codes: dict[str, tuple[str, str]] = {}
        out = []
        for line in lines:
            for chunk, style in line:
                if not style:
                    out.append(chunk)
                    continue
                if style not in codes:
                    start, _, end = Style.parse(style).render("\0", color_system=system).partition(
                        "\0")
                    codes[style] = (start, end)
                start, end = codes[style]
                out += (start, chunk, end)
            out.append("\n")
        console.file.write("".join(out))
    console.file.flush()


def _plain_text(lines: list[list[Chunk]]) -> str:
    """The lines as plain text, each ending in a line break."""
    return "".join(["".join([chunk for chunk, _ in line]).rstrip() + "\n" for line in lines])


def chunks(doc: AnyDocument, *, width: int = WIDTH) -> Iterator[str]:
    """:func:`render`'s text in pieces (a block's lines each), made as they are read: a large
    solution is written piece by piece (``"".join(chunks(doc)) == render(doc)``)."""
    for lines in _line_groups(doc, width, plain=True):
        yield lines if isinstance(lines, str) else _plain_text(lines)


def render(doc: AnyDocument, *, width: int = WIDTH) -> str:
    """The Document as plain text (no colour codes), every line at most ``width`` columns."""
    return "".join(chunks(doc, width=width))
