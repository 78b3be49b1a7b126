"""The command line as `flask --app app` runs it: each command in an app context, its unit of
work inside the test's transaction."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from click.testing import Result
from flask import Flask


@pytest.fixture
def flask_command(bound_app: Flask) -> Callable[..., Result]:
    """Runs `flask <args>` and returns its result (exit code, output, error output)."""
    runner = bound_app.test_cli_runner()

    def run(*args: str) -> Result:
        with bound_app.app_context():  # as `flask` gives every command
            return runner.invoke(args=list(args))

    return run
