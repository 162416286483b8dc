"""The frozen program's entry point: the same `station` command line as the installed console script.

The frozen executable also stands in for `python -m <bundled module>`: the client starts its device
simulators as `sys.executable -m devices.simulators ...` (devices/sim_supervisor.py), and in the
bundle sys.executable is this program.
"""
from __future__ import annotations

import multiprocessing
import runpy
import sys


def run() -> int:
    if getattr(sys, "frozen", False) and len(sys.argv) >= 3 and sys.argv[1] == "-m":
        module = sys.argv[2]
        sys.argv = [sys.argv[0], *sys.argv[3:]]
        runpy.run_module(module, run_name="__main__", alter_sys=True)
        return 0
    from station.cli import main

    return main()


if __name__ == "__main__":
    multiprocessing.freeze_support()
    sys.exit(run())
