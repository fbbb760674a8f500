"""The workbench's errors, at the bottom of the import graph: every layer may raise them, none defines its own
copy, and the CLI (at the top) turns them into messages and exit codes.

    >>> raise UserError("no bank yet: run `citybank ingest` first")
    Traceback (most recent call last):
    ...
    citybank.errors.UserError: no bank yet: run `citybank ingest` first
"""

from __future__ import annotations


class CitybankError(Exception):
    """Any error the workbench raises on purpose (as opposed to a bug)."""


class UserError(CitybankError):
    """A problem the analyst can fix (missing input, a bad argument, a wrong file): printed without a
    traceback, exit code 2. The message says which file, row or value and what to do."""
