"""What the import commands share: reading the file within the import limits, and printing
what a refused import found (a bounded number of problems, and how many more there were)."""

from __future__ import annotations

from typing import BinaryIO

import click

from models.imports import MAX_FILE_BYTES, ImportReport, file_lines, read_text


def file_text(stream: BinaryIO) -> str:
    """The file's text; a file too large or not UTF-8 is refused (DomainError)."""
    return read_text(stream.read(MAX_FILE_BYTES + 1))


def refuse_unless_ok(report: ImportReport) -> None:
    """Does nothing for a report that is ok; else prints its problems to stderr and raises the
    command's error, so that the unit of work rolls back."""
    if report.ok:
        return
    if report.error is not None:
        raise click.ClickException(report.error.text())
    for line in file_lines(report):
        click.echo(line, err=True)
    if report.more_problems:
        click.echo(f"… and {report.more_problems:,} more problem(s).", err=True)
    raise click.ClickException(f"{report.problem_count:,} problem(s); nothing was imported.")
