"""What a career's slug looks like when one arrives from outside: a page's `data-career`, a site address."""
from __future__ import annotations

import re
from typing import Optional

# As the content names careers (knowledge/content/careers/<slug>/, at most 100 characters).
_CAREER_SLUG = re.compile(r"[a-z0-9-]{1,100}")


def career_slug(raw: object) -> Optional[str]:
    """`raw` if it is a well-formed career slug (or main role slug), else None."""
    return raw if isinstance(raw, str) and _CAREER_SLUG.fullmatch(raw) else None
