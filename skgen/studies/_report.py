"""Writing a study's outputs: CSV table, PNG figures and a Markdown report embedding them."""

from pathlib import Path

import numpy as np


def output_folder(out):
    """Create and return the output folder ``out`` (a path)."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    return out


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
    table.to_csv(out / f"{name}.csv", index=False)
    sections = [markdown_table(table)]
    for suffix, heading, extra_table in extra:
        extra_table.to_csv(out / f"{name}_{suffix}.csv", index=False)
        sections.append(f"## {heading}\n\n{markdown_table(extra_table)}")
    images = "\n\n".join(f"![{Path(f).stem}]({Path(f).name})" for f in figures)
    text = f"# {title}\n\n{notes.strip()}\n\n" + "\n\n".join(sections) + f"\n\n{images}\n"
    report = out / f"{name}.md"
    report.write_text(text)
    return report
