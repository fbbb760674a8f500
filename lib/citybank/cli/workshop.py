"""``citybank workshop NAME --out DIR``: a workshop's folder — student and trainer copies, handouts, data files."""

from __future__ import annotations

import argparse


def cmd_workshop(args: argparse.Namespace) -> int:
    from ..workshops import describe, write_workshop  # nbformat, papermill: only when run

    if args.name == "list":
        for row in describe():
            print(f"{row['name']:12} {row['title']}")
            print(f"{'':12} czas: {row['duration']}; potrzebne: {row['prerequisites']}")
        return 0
    paths = write_workshop(args.name, args.out, execute=not args.no_execute)
    for kind, path in paths.items():
        print(f"{kind:16} {path}")
    print(f"{'dane':16} {paths['student'].parent / 'dane'} (pliki, na których warsztat działa bez citybank)")
    return 0
