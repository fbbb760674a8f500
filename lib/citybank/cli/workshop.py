"""``citybank workshop NAME --out DIR``: a workshop's student copy, trainer copy and printable handout."""

from __future__ import annotations

import argparse


def cmd_workshop(args: argparse.Namespace) -> int:
    from ..workshops import available, write_workshop  # nbformat, papermill: only when run

    if args.name == "list":
        print("\n".join(available()))
        return 0
    paths = write_workshop(args.name, args.out, execute=not args.no_execute)
    for kind, path in paths.items():
        print(f"{kind:8} {path}")
    return 0
