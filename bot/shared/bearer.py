"""`Authorization: Bearer <token>` checks, in constant time; imports nothing from Rasa or Sanic."""
from __future__ import annotations

import hmac
from typing import Optional

SCHEME = "Bearer "


def bearer_verdict(header: Optional[str], expected: str) -> Optional[bool]:
    """True for the expected token, False for another one, None when no bearer token was sent."""
    if not header or not header.startswith(SCHEME) or not header[len(SCHEME):]:
        return None
    return bool(expected) and hmac.compare_digest(header[len(SCHEME):].encode(), expected.encode())
