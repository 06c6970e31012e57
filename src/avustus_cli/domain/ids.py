"""Finnish business IDs and IBANs: the only module importing python-stdnum.

python-stdnum is imported when an ID is first checked (``stdnum.util`` imports ``pydoc`` and ``ssl``):
a command that checks none, such as ``status`` or a re-check of an unchanged round, does not pay for it.
"""

from __future__ import annotations

from functools import lru_cache


@lru_cache(maxsize=65536)
def business_id(value: str) -> str | None:
    """``1234567-8`` if ``value`` is a valid Y-tunnus (dash and spaces optional), else None."""
    from stdnum.exceptions import ValidationError
    from stdnum.fi import ytunnus

    try:
        return ytunnus.format(ytunnus.validate(value))
    except ValidationError:
        return None


def business_id_error(value: str) -> str | None:
    """None for a valid Y-tunnus; "checksum" when only the check digit is wrong; "format" otherwise."""
    from stdnum.exceptions import InvalidChecksum, ValidationError
    from stdnum.fi import ytunnus

    try:
        ytunnus.validate(value)
    except InvalidChecksum:
        return "checksum"
    except ValidationError:
        return "format"
    return None


def business_id_problem(value: str) -> str:
    """Why ``value`` is not a valid Y-tunnus, in Finnish."""
    from stdnum.fi import ytunnus

    compact = ytunnus.compact(value)
    if not compact.replace("-", "").isdigit() or len(compact.replace("-", "")) not in (8,):
        return "muoto ei ole 1234567-8"
    return "tarkistusmerkki ei täsmää"


@lru_cache(maxsize=65536)
def iban(value: str) -> str | None:
    """The IBAN in compact form (``FI2112345600000785``) if valid, else None."""
    from stdnum import iban as stdnum_iban
    from stdnum.exceptions import ValidationError

    try:
        return stdnum_iban.validate(value)
    except ValidationError:
        return None
