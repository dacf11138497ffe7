"""Regenerate the strategy table of ``docs/few_labels.md`` from the registry's DA tags.

Usage: ``python docs/make_few_labels_table.py`` (rewrites the table between the
``<!-- table -->`` markers; ``--check`` exits 1 when the file is out of date).
"""

import sys
from pathlib import Path

from skxfer.registry import strategy_table

DOC = Path(__file__).with_name("few_labels.md")
START, END = "<!-- table -->", "<!-- /table -->"


def table():
    lines = [
        "| strategy | class | family | kind | needs target rows | uses labelled target rows |",
        "|---|---|---|---|---|---|",
    ]
    for r in strategy_table():
        lines.append(
            f"| `{r.name}` | `{r.cls}` | {r.family} | {r.kind} | "
            f"{'yes' if r.requires_target else 'no'} | "
            f"{'**yes**' if r.uses_target_labels else 'no'} |"
        )
    return "\n".join(lines)


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    text = DOC.read_text()
    head, rest = text.split(START, 1)
    _, tail = rest.split(END, 1)
    new = f"{head}{START}\n{table()}\n{END}{tail}"
    if "--check" in argv:
        return 0 if new == text else 1
    DOC.write_text(new)
    return 0


if __name__ == "__main__":
    sys.exit(main())
