"""Contact details in free text (email addresses, phone numbers): finding and masking them."""
from __future__ import annotations

import re

EMAIL_MASK = "[email hidden]"
PHONE_MASK = "[phone hidden]"
_EMAIL = re.compile(r"[\w.+\-]+@[\w\-]+(?:\.[\w\-]+)+")
# 9 to 15 digits, optionally with +, spaces, dots, dashes or brackets between them (UK and
# international formats); dates and money amounts rarely have that many digits.
_PHONE = re.compile(r"(?<![\w£$€])\+?\(?\d(?:[\s().\-]{0,2}\d){8,14}(?!\w)")


def mask(text: str | None) -> str:
    """The text with email addresses and phone numbers replaced by placeholders."""
    if not text:
        return text or ""
    return _PHONE.sub(PHONE_MASK, _EMAIL.sub(EMAIL_MASK, text))


def has_contact_details(text: str | None) -> bool:
    """Whether masking would change the text."""
    return bool(text) and mask(text) != text
