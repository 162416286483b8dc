"""Subcommands of `station`: each module defines register(subparsers, common) and sets a handler."""
from __future__ import annotations

import argparse


def gui_entry(args: argparse.Namespace) -> int:
    """`station` with no subcommand starts the desktop client."""
    from ui.app import run_app

    return run_app(args)
