"""Run the archiving job in its own process for the crash tests; prints one line per progress report."""
from __future__ import annotations

import json
import sys
from pathlib import Path

from station.context import open_context
from station.demo import demo_actors


def main() -> int:
    from station.services.archiving.job import run_archive

    ctx = open_context(Path(sys.argv[1]))
    _ = ctx.site_id, ctx.station_id
    actor = demo_actors(ctx)["archivist"]
    print("started", flush=True)
    result = run_archive(ctx, actor, progress=lambda d, t, m: print(f"{d}/{t} {m}", flush=True))
    print(json.dumps(result.to_json()), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
