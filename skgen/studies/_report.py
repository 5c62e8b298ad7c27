"""Writing a study's outputs: CSV table, PNG figures and a Markdown report embedding them.

Every file is written whole: to a temporary file beside it, then renamed, so that an
interrupted run leaves no half-written file and an earlier run's file stays until the new
one replaces it.
"""

import os
import threading
from pathlib import Path

import numpy as np


def output_folder(out):
    """Create and return the output folder ``out`` (a path)."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    return out


def write_whole(path, write):
    """Call ``write(temporary_path)``, then rename that file to ``path``; return ``path``.

    The temporary file keeps ``path``'s suffix, so that writers that read the format from
    it (matplotlib's ``savefig``) write the right one.
    """
    path = Path(path)
    temporary = path.with_name(f".{path.stem}.{os.getpid()}-{threading.get_ident()}.tmp{path.suffix}")
    try:
        write(temporary)
        os.replace(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)
    return path


def pyplot():
    """matplotlib's pyplot on a backend that needs no display."""
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt

    return plt


def save_figure(fig, path, **options):
    """Write ``fig`` to ``path`` (PNG) whole, close it and return ``path``."""
    try:
        return write_whole(path, lambda temporary: fig.savefig(temporary, **options))
    finally:
        pyplot().close(fig)


def markdown_table(table, float_format="{:.3g}"):
    """A pandas DataFrame as a GitHub Markdown table (no extra dependency).

    Missing values (NaN, None: a metric a model does not have) are empty cells.
    """

    def cell(value):
        if value is None:
            return ""
        if isinstance(value, (float, np.floating)):
            return "" if np.isnan(value) else float_format.format(value)
        return str(value)

    header = "| " + " | ".join(map(str, table.columns)) + " |"
    rule = "|" + "|".join("---" for _ in table.columns) + "|"
    rows = ["| " + " | ".join(cell(v) for v in row) + " |" for row in table.itertuples(index=False)]
    return "\n".join([header, rule, *rows])


def write_report(out, name, title, table, figures=(), notes="", extra=()):
    """Write ``<name>.csv`` and ``<name>.md`` (table, notes, embedded figures) into ``out``.

    Parameters
    ----------
    out : path-like
        The output folder (created if needed).
    name : str
        Stem of the CSV and Markdown files.
    title : str
        The report's heading.
    table : pandas.DataFrame
        The study's tidy results.
    figures : sequence of path-like
        PNG files inside ``out`` to embed, in order.
    notes : str
        Markdown placed between the heading and the table.
    extra : sequence of (suffix, heading, pandas.DataFrame)
        Further tables, each written as ``<name>_<suffix>.csv`` and as a section of the
        report under its heading, after the main table.

    Returns
    -------
    report : pathlib.Path
        The Markdown file.
    """
    out = output_folder(out)
    write_whole(out / f"{name}.csv", lambda path: table.to_csv(path, index=False))
    sections = [markdown_table(table)]
    for suffix, heading, extra_table in extra:
        write_whole(out / f"{name}_{suffix}.csv",
                    lambda path, extra_table=extra_table: extra_table.to_csv(path, index=False))
        sections.append(f"## {heading}\n\n{markdown_table(extra_table)}")
    images = "\n\n".join(f"![{Path(f).stem}]({Path(f).name})" for f in figures)
    text = f"# {title}\n\n{notes.strip()}\n\n" + "\n\n".join(sections) + f"\n\n{images}\n"
    return write_whole(out / f"{name}.md", lambda path: path.write_text(text))
