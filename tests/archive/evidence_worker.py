"""Renews the evidence of a folder store and SIGKILLs itself after `kill_after` records (crash test)."""
from __future__ import annotations

import os
import signal
import sys
from pathlib import Path

from archive.renewal import RenewalPolicy, Renewer
from archive.store import FileStore
from signing.tsa import http_timestamper


def main() -> None:
    root, url, kill_after, kind = Path(sys.argv[1]), sys.argv[2], int(sys.argv[3]), sys.argv[4]
    policy = RenewalPolicy(force_timestamp=True) if kind == "timestamp" else \
        RenewalPolicy(algorithm="sha512", hash_tree=True)

    def progress(done: int, total: int, message: str) -> None:
        if done >= kill_after:
            os.kill(os.getpid(), signal.SIGKILL)

    store = FileStore(root)
    print("started", flush=True)
    Renewer(store, http_timestamper(url), progress=progress).renew(store.list_packages(), policy)
    print("finished", flush=True)


if __name__ == "__main__":
    main()
