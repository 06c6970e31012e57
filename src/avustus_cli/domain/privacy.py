"""Recognising personal data in free text (pure).

Applicants write contact details into descriptions and names. Public
documents (the board item and its annexes, open data) must not carry them,
so their free text goes through ``scrub``.
"""

from __future__ import annotations

import re

EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+", re.UNICODE)
# Finnish phone numbers: +358 / 00358 / 0 followed by 6-11 more digits, spaces, dashes or brackets allowed
PHONE = re.compile(r"(?<![\w+])(?:\+358|00358|0)(?:[\s\-()]{0,2}\d){6,11}(?!\w)")
# IBANs as people write them: FI + 2 check digits + 14 digits, spaces allowed
IBAN = re.compile(r"\b[A-Z]{2}\d{2}(?:\s?[0-9A-Z]{4}){3,7}(?:\s?[0-9A-Z]{1,4})?\b")
REMOVED = "[poistettu]"


def looks_like_email(text: str) -> bool:
    return bool(EMAIL.search(text or ""))


def looks_like_phone(text: str) -> bool:
    return bool(PHONE.search(text or ""))


def scrub(text: str) -> tuple[str, int]:
    """``text`` with e-mail addresses, phone numbers and IBANs replaced by '[poistettu]'; and how many were."""
    text, n1 = EMAIL.subn(REMOVED, text or "")
    text, n2 = IBAN.subn(REMOVED, text)
    text, n3 = PHONE.subn(REMOVED, text)
    return text, n1 + n2 + n3
