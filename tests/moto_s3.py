"""moto's S3-compatible server in its own process on a free loopback port, for the records-store tests."""
from __future__ import annotations

import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager

KEYS = {"aws_access_key_id": "testing", "aws_secret_access_key": "testing"}


@contextmanager
def moto_s3_server(buckets: dict[str, bool]) -> Iterator[str]:
    """The endpoint URL of a fresh server holding `buckets` (name -> object lock enabled)."""
    import boto3

    from devices.transport import free_tcp_port

    port = free_tcp_port()
    proc = subprocess.Popen([sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                    break
            except OSError:
                time.sleep(0.1)
        client = boto3.client("s3", endpoint_url=url, region_name="us-east-1", **KEYS)
        for name, locked in buckets.items():
            client.create_bucket(Bucket=name, ObjectLockEnabledForBucket=locked)
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=10)
