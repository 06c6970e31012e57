"""Domain objects to and from JSON-able dicts (pure; used by the store and --json).

Money travels as strings of Decimal ("12500.00"), dates as ISO strings, enums
as their values. Round-trips exactly: ``from_dict(to_dict(x)) == x``.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import types
import typing
from decimal import Decimal
from enum import Enum
from typing import Any

from .models import Application, Finding, Grant, Party

_HINTS: dict[type, dict[str, Any]] = {}


def _hints(cls: type) -> dict[str, Any]:
    if cls not in _HINTS:
        _HINTS[cls] = typing.get_type_hints(cls)
    return _HINTS[cls]


def to_jsonable(value: Any) -> Any:
    if value is None or isinstance(value, (bool, int, str)):
        return value
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dt.datetime):
        return value.isoformat(timespec="seconds")
    if isinstance(value, dt.date):
        return value.isoformat()
    if dataclasses.is_dataclass(value):
        return {f.name: to_jsonable(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, (list, tuple)):
        return [to_jsonable(v) for v in value]
    if isinstance(value, dict) or hasattr(value, "items"):
        return {str(k): to_jsonable(v) for k, v in value.items()}
    if isinstance(value, float):
        return value
    raise TypeError(f"cannot encode {type(value).__name__}")


def _decode(tp: Any, value: Any) -> Any:
    if value is None:
        return None
    origin = typing.get_origin(tp)
    if origin in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(tp) if a is not type(None)]
        return _decode(args[0], value)
    if origin is tuple:
        (inner, *_rest) = typing.get_args(tp)
        return tuple(_decode(inner, v) for v in value)
    if origin in (dict, typing.Mapping) or tp is typing.Mapping:
        return dict(value)
    if isinstance(tp, type):
        if issubclass(tp, Enum):
            return tp(value)
        if tp is Decimal:
            return Decimal(value)
        if tp is dt.datetime:
            return dt.datetime.fromisoformat(value)
        if tp is dt.date:
            return dt.date.fromisoformat(value)
        if dataclasses.is_dataclass(tp):
            return from_dict(tp, value)
    return value


def from_dict(cls: type, data: dict[str, Any]) -> Any:
    hints = _hints(cls)
    kwargs = {}
    for f in dataclasses.fields(cls):
        if f.name in data:
            kwargs[f.name] = _decode(hints[f.name], data[f.name])
    return cls(**kwargs)


def application_from_dict(data: dict[str, Any]) -> Application:
    return from_dict(Application, data)


def grant_from_dict(data: dict[str, Any]) -> Grant:
    return from_dict(Grant, data)


def finding_from_dict(data: dict[str, Any]) -> Finding:
    return from_dict(Finding, data)


def party_from_dict(data: dict[str, Any]) -> Party:
    return from_dict(Party, data)
