"""Finnish business IDs and IBANs: the only module importing python-stdnum."""

from __future__ import annotations

from functools import lru_cache

from stdnum import iban as _iban
from stdnum.exceptions import ValidationError as _StdnumError
from stdnum.fi import ytunnus as _ytunnus


@lru_cache(maxsize=65536)
def business_id(value: str) -> str | None:
    """``1234567-8`` if ``value`` is a valid Y-tunnus (dash and spaces optional), else None."""
    try:
        return _ytunnus.format(_ytunnus.validate(value))
    except _StdnumError:
        return None


def business_id_error(value: str) -> str | None:
    """None for a valid Y-tunnus; "checksum" when only the check digit is wrong; "format" otherwise."""
    from stdnum.exceptions import InvalidChecksum

    try:
        _ytunnus.validate(value)
    except InvalidChecksum:
        return "checksum"
    except _StdnumError:
        return "format"
    return None


def business_id_problem(value: str) -> str:
    """Why ``value`` is not a valid Y-tunnus, in Finnish."""
    compact = _ytunnus.compact(value)
    if not compact.replace("-", "").isdigit() or len(compact.replace("-", "")) not in (8,):
        return "muoto ei ole 1234567-8"
    return "tarkistusmerkki ei täsmää"


@lru_cache(maxsize=65536)
def iban(value: str) -> str | None:
    """The IBAN in compact form (``FI2112345600000785``) if valid, else None."""
    try:
        return _iban.validate(value)
    except _StdnumError:
        return None
