"""What the station's HTTP/JSON platform adapters share: one request with a timeout, every failure named."""
from __future__ import annotations

import json
import socket
import urllib.error
import urllib.request
from typing import Any


class PlatformUnavailable(Exception):
    """A platform could not answer usefully; `code` says how (UNREACHABLE, TIMEOUT, HTTP_ERROR, GARBAGE)."""

    def __init__(self, code: str, detail: str) -> None:
        super().__init__(f"{code}: {detail}")
        self.code = code
        self.detail = detail


def request_json(url: str, *, body: dict[str, Any] | None = None, timeout: float, token: str | None = None,
                 extra_headers: dict[str, str] | None = None, error: type[PlatformUnavailable] = PlatformUnavailable,
                 limit: int = 2_000_000) -> Any:
    """POST `body` (or GET without one) and return the decoded JSON answer; raises `error(code, detail)`."""
    headers = {"Accept": "application/json", **(extra_headers or {})}
    data = None
    if body is not None:
        data = json.dumps(body, ensure_ascii=False).encode("utf-8")
        headers["Content-Type"] = "application/json; charset=utf-8"
    if token:
        headers["Authorization"] = f"Bearer {token}"
    req = urllib.request.Request(url, data=data, headers=headers, method="GET" if body is None else "POST")
    try:
        with urllib.request.urlopen(req, timeout=timeout) as resp:
            raw = resp.read(limit + 1)
    except urllib.error.HTTPError as exc:
        raise error("HTTP_ERROR", f"HTTP {exc.code}") from None
    except TimeoutError:
        raise error("TIMEOUT", f"no answer within {timeout} s") from None
    except urllib.error.URLError as exc:
        if isinstance(exc.reason, (TimeoutError, socket.timeout)):
            raise error("TIMEOUT", f"no answer within {timeout} s") from None
        raise error("UNREACHABLE", str(exc.reason)) from None
    except (ConnectionError, OSError) as exc:
        raise error("UNREACHABLE", str(exc)) from None
    if len(raw) > limit:
        raise error("GARBAGE", f"the answer is larger than {limit} bytes")
    try:
        return json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        raise error("GARBAGE", "the answer is not JSON") from None
