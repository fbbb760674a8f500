"""Disclosure control of count tables published with their totals.

Primary suppression: a cell (or total) with fewer than ``min_count`` respondents (zeros included when
``zeros_sensitive``). Secondary suppression: the table with its row and column totals is a set of additive lines
(each row sums to its total, each column to its total); a line with exactly one suppressed cell would give it away
by subtraction, so the smallest other cell of that line is suppressed too, until no line has exactly one. Then an
audit solves the lines: a suppressed cell whose value is fixed by the published ones (its unit vector lies in the
row space of the lines over the suppressed cells) gets a further partner suppressed. Every decision is logged.
Interval (bounds) disclosure is not checked.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

TOTAL = "Total"


def _lines(r: int, c: int) -> list[list[tuple[int, int]]]:
    """Cells of the augmented (r+1)×(c+1) table that sum to zero with signs: each row and each column."""
    rows = [[(i, j) for j in range(c)] + [(i, c)] for i in range(r + 1)]
    cols = [[(i, j) for i in range(r)] + [(r, j)] for j in range(c + 1)]
    return rows + cols


def _determined(mask: np.ndarray, r: int, c: int) -> list[tuple[int, int]]:
    cells = [tuple(x) for x in np.argwhere(mask)]
    if not cells:
        return []
    index = {cell: k for k, cell in enumerate(cells)}
    a = []
    for line in _lines(r, c):
        row = np.zeros(len(cells))
        for k, cell in enumerate(line):
            if cell in index:
                row[index[cell]] = -1.0 if k == len(line) - 1 else 1.0
        if row.any():
            a.append(row)
    if not a:
        return cells
    m = np.array(a)
    rank = np.linalg.matrix_rank(m)
    out = []
    for cell, k in index.items():
        e = np.zeros(len(cells))
        e[k] = 1.0
        if np.linalg.matrix_rank(np.vstack([m, e])) == rank:
            out.append(cell)
    return out


def suppress(table: pd.DataFrame, min_count: int = 10, zeros_sensitive: bool = True, name: str = "table"):
    """Suppress cells of a count table (rows × columns, totals added here). Returns (augmented table with totals,
    boolean mask of the same shape, decision log as a frame: table, row, column, count, rule, reason)."""
    t = table.copy()
    t[TOTAL] = t.sum(axis=1)
    t.loc[TOTAL] = t.sum(axis=0)
    r, c = table.shape
    v = t.to_numpy(dtype="int64")
    mask = np.zeros_like(v, dtype=bool)
    log: list[dict] = []

    def mark(i: int, j: int, rule: str, reason: str) -> None:
        mask[i, j] = True
        log.append(
            {
                "table": name,
                "row": str(t.index[i]),
                "column": str(t.columns[j]),
                "count": int(v[i, j]),
                "rule": rule,
                "reason": reason,
            }
        )

    for i in range(r + 1):
        for j in range(c + 1):
            if v[i, j] < min_count and (zeros_sensitive or v[i, j] > 0):
                mark(i, j, "primary", f"{v[i, j]} respondents, fewer than {min_count}")

    def partner(line: list[tuple[int, int]], why: str) -> bool:
        free = [cell for cell in line if not mask[cell]]
        if not free:
            return False
        inner = [cell for cell in free if cell[0] < r and cell[1] < c] or free
        i, j = min(inner, key=lambda cell: (v[cell], cell))
        mark(i, j, "secondary", why)
        return True

    changed = True
    while changed:
        changed = False
        for line in _lines(r, c):
            hidden = [cell for cell in line if mask[cell]]
            if len(hidden) == 1:
                h = hidden[0]
                why = f"the only suppressed cell of its line besides ({t.index[h[0]]}, {t.columns[h[1]]}), which it protects"
                changed |= partner(line, why)
        if not changed:
            for cell in _determined(mask, r, c):
                line = next(ln for ln in _lines(r, c) if cell in ln and any(not mask[x] for x in ln))
                why = f"({t.index[cell[0]]}, {t.columns[cell[1]]}) could still be recomputed from the published cells"
                changed |= partner(line, why)
                break
    return (
        t,
        pd.DataFrame(mask, index=t.index, columns=t.columns),
        pd.DataFrame(log, columns=["table", "row", "column", "count", "rule", "reason"]),
    )


def recomputable(table_with_totals: pd.DataFrame, mask: pd.DataFrame) -> list[tuple[str, str]]:
    """The suppressed cells that the published cells and totals determine exactly (should be none)."""
    r, c = table_with_totals.shape[0] - 1, table_with_totals.shape[1] - 1
    cells = _determined(mask.to_numpy(), r, c)
    return [(str(table_with_totals.index[i]), str(table_with_totals.columns[j])) for i, j in cells]
