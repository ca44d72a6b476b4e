"""The worked solution for a terminal: rich layout and colour on a terminal, plain when piped."""

from __future__ import annotations

import io

from rich.console import Console
from rich.measure import Measurement
from rich.rule import Rule
from rich.table import Table as RichTable
from rich.text import Text

from chainrule.explain.document import Document, Equation, Math, Paragraph, Prose, Section, Table

INDENT = "  "


def _plain(part: str | Math) -> str:
    return part.text if isinstance(part, Math) else part


def _prose(parts: Prose) -> str:
    return "".join(_plain(p) for p in parts)


def equation_text(eq: Equation) -> Text:
    """``(label) lhs = form = ... = result    [note]``, the result highlighted."""
    text = Text(INDENT)
    if eq.label:
        text.append(f"({eq.label}) ", style="dim")
    text.append(eq.lhs.text, style="bold")
    for i, form in enumerate(eq.forms):
        last = i == len(eq.forms) - 1
        text.append(" = ")
        text.append(form.text, style="bold cyan" if last and len(eq.forms) > 1 else "")
    if eq.note:
        text.append(f"    [{_prose(eq.note)}]", style="dim italic")
    return text


def _table(table: Table) -> RichTable:
    out = RichTable(
        title=table.caption or None,
        title_justify="left",
        show_edge=False,
        header_style="bold",
        pad_edge=False,
        title_style="italic",
    )
    for i, h in enumerate(table.header):
        out.add_column(_plain(h), justify="right" if i else "left", no_wrap=True)
    for row in table.rows:
        out.add_row(*(_plain(c) for c in row))
    return out


def print_document(doc: Document, console: Console) -> None:
    """Print the Document on a rich Console (equations never wrap or crop)."""
    console.print(Rule(doc.title, style="bold"))
    if doc.description:
        for line in doc.description.strip().splitlines():
            console.print(Text(INDENT + line, style="italic"), soft_wrap=True)
    for section in doc.sections:
        _print_section(section, console)


def _print_section(section: Section, console: Console) -> None:
    console.print()
    if section.level <= 2:
        console.print(Rule(section.title, align="left", style="green"))
    else:
        console.print(Text(section.title, style="bold green"))
    for block in section.blocks:
        if isinstance(block, Equation):
            console.print(equation_text(block), soft_wrap=True)
        elif isinstance(block, Paragraph):
            console.print(Text(INDENT + _prose(block.parts), style="bold"), soft_wrap=True)
        else:
            console.print()
            table = _table(block)
            # a table never squeezes or crops its numbers: widen the console for it if need be
            needed = Measurement.get(console, console.options.update(width=10_000), table).maximum
            width = console.width
            console.width = max(width, needed)
            console.print(table)
            console.width = width


def render(doc: Document, *, width: int = 100) -> str:
    """The Document as plain text (no colour codes); rules are ``width`` columns wide."""
    buffer = io.StringIO()
    console = Console(
        file=buffer, width=width, no_color=True, force_terminal=False, highlight=False, emoji=False
    )
    print_document(doc, console)
    return "\n".join(line.rstrip() for line in buffer.getvalue().splitlines()) + "\n"
