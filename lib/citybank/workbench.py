"""One workbench as one value: its root folder, the paths under it and its validated params.

The CLI builds a :class:`Workbench` — the checkout's (or ``CITYBANK_ROOT``'s), or a gmina workspace of
``citybank new-city`` for ``report --params DIR`` and ``report --cities`` — and passes it down to the stages
(:func:`citybank.pipeline.prepare`, :func:`citybank.render.render_year`, the manifest), which read and write under
``wb.paths`` only. Nothing process-wide is changed, so one process prepares and renders gmina after gmina. Notebook
kernels learn their root from ``CITYBANK_ROOT``, which the runner sets in each workbench's own warm process.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from .errors import UserError
from .params import Registry, registry
from .paths import Paths, get_paths


@dataclass(frozen=True)
class Workbench:
    """A workbench root, its :class:`~citybank.paths.Paths` and its params (loaded and checked when first used;
    once per process and params folder)."""

    root: Path
    paths: Paths

    @property
    def params(self) -> Registry:
        return registry(self.paths.params)

    @classmethod
    def at(cls, root: str | os.PathLike | None = None) -> Workbench:
        """The workbench at ``root``; without one, the process's (``CITYBANK_ROOT``, else the checkout)."""
        paths = get_paths(root)
        return cls(paths.root, paths)

    @classmethod
    def workspace(cls, root: str | os.PathLike) -> Workbench:
        """A gmina workspace of ``citybank new-city`` (``citybank report --params DIR``): ``root/params/city.yml``
        must exist; its outputs go under ``root`` (data/, build/, reports/)."""
        path = Path(root).resolve()
        if not (path / "params" / "city.yml").is_file():
            hint = (
                f" (it looks like a params folder itself: pass its parent {path.parent})"
                if (path / "city.yml").is_file()
                else ""
            )
            raise UserError(
                f"--params {root}: no params/city.yml in it{hint}; create a workspace with "
                "`citybank new-city --terc CODE --out DIR`"
            )
        return cls.at(path)


__all__ = ["Workbench"]
