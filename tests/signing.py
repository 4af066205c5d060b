"""Sign and post requests the way Slack does, for end-to-end tests."""

from __future__ import annotations

import time
import urllib.request
from collections.abc import Iterable
from urllib.error import HTTPError

from slack_sdk.signature import SignatureVerifier

# No proxies: these requests go to an app on 127.0.0.1, whatever the environment says.
_opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def signed_headers(
    body: str, content_type: str, *, secret: str, timestamp: int | None = None
) -> dict[str, str]:
    """Content-Type plus Slack's signature headers for `body`.

    The timestamp defaults to `time.time()`, so under freezegun it is the frozen time, which is
    what the app checks it against.
    """
    ts = str(int(time.time()) if timestamp is None else timestamp)
    signature = SignatureVerifier(secret).generate_signature(timestamp=ts, body=body)
    assert signature is not None
    return {
        "Content-Type": content_type,
        "X-Slack-Request-Timestamp": ts,
        "X-Slack-Signature": signature,
    }


def post_signed(
    url: str,
    body: str,
    content_type: str,
    *,
    secret: str,
    timestamp: int | None = None,
    extra_headers: dict[str, str] | None = None,
    timeout: float = 10.0,
) -> tuple[int, dict[str, str], bytes]:
    """POST a signed request; returns (status, headers with lower-case names, body).

    Error statuses are returned, not raised: a 401 for a bad signature is an answer to assert on.
    `extra_headers` win over the computed ones, so a test can send a forged or stale signature.
    """
    headers = signed_headers(body, content_type, secret=secret, timestamp=timestamp)
    headers.update(extra_headers or {})
    request = urllib.request.Request(url, data=body.encode("utf-8"), headers=headers, method="POST")
    try:
        with _opener.open(request, timeout=timeout) as response:
            return response.status, _lower(response.headers.items()), response.read()
    except HTTPError as error:
        with error:
            return error.code, _lower(error.headers.items()), error.read()


def _lower(items: Iterable[tuple[str, str]]) -> dict[str, str]:
    return {k.lower(): v for k, v in items}
