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

from avustus_cli.domain.models import Application, Grant

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
        return {name: encode(getattr(value, name)) for name, encode in _encoders(type(value))}
    if isinstance(value, (list, tuple)):
        return [to_jsonable(v) for v in value]
    if isinstance(value, dict) or hasattr(value, "items"):
        return {str(k): to_jsonable(v) for k, v in value.items()}
    if isinstance(value, float):
        return value
    raise TypeError(f"cannot encode {type(value).__name__}")


_ENCODERS: dict[type, tuple[tuple[str, Any], ...]] = {}


def _encoders(cls: type) -> tuple[tuple[str, Any], ...]:
    """(field name, encoder) for each field of a dataclass, built once per class:
    the import encodes every application, so the per-value type dispatch is
    done ahead where the field's type says it."""
    enc = _ENCODERS.get(cls)
    if enc is None:
        hints = _hints(cls)
        enc = _ENCODERS[cls] = tuple((f.name, _encoder(hints[f.name])) for f in dataclasses.fields(cls))
    return enc


_EMPTY: tuple[Any, ...] = (None, "", (), [], {})


def encode_present(cls: type, values: dict[str, Any]) -> dict[str, Any]:
    """``values`` (field name -> value of ``cls``) encoded like ``to_jsonable``, leaving out empty
    ones: what ``from_dict`` gives back equals the object (missing fields take their defaults).
    The importer's hot path: it encodes only what an export row holds."""
    encoders = dict(_encoders(cls))
    out = {}
    for name in sorted(values):
        v = values[name]
        if v is None or (isinstance(v, (str, tuple, list, dict)) and not v):
            continue
        out[name] = encoders[name](v)
    return out


def _str_or_none(v: Any) -> Any:
    return v


def _encoder(tp: Any):
    origin = typing.get_origin(tp)
    if origin in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(tp) if a is not type(None)]
        inner = _encoder(args[0]) if len(args) == 1 else to_jsonable
        return lambda v: None if v is None else inner(v)
    if isinstance(tp, type) and not origin:
        if tp in (str, int, bool):
            return _str_or_none
        if issubclass(tp, Enum):
            return lambda v: v.value
        if tp is Decimal:
            return str
    return to_jsonable


def _identity(value: Any) -> Any:
    return value


def _decoder(tp: Any):
    """A function decoding a JSON value into ``tp`` (built once per type)."""
    origin = typing.get_origin(tp)
    if origin in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(tp) if a is not type(None)]
        return _decoder(args[0])
    if origin is tuple:
        inner = _decoder(typing.get_args(tp)[0])
        return lambda v: tuple(inner(x) for x in v)
    if origin in (dict, typing.Mapping) or tp is typing.Mapping:
        return dict
    if isinstance(tp, type):
        if issubclass(tp, Enum):
            return tp
        if tp is Decimal:
            return Decimal
        if tp is dt.datetime:
            return dt.datetime.fromisoformat
        if tp is dt.date:
            return dt.date.fromisoformat
        if dataclasses.is_dataclass(tp):
            return lambda v: from_dict(tp, v)
    return _identity


_DECODERS: dict[type, dict[str, Any]] = {}


def _decoders(cls: type) -> dict[str, Any]:
    decoders = _DECODERS.get(cls)
    if decoders is None:
        hints = _hints(cls)
        decoders = _DECODERS[cls] = {f.name: _decoder(hints[f.name]) for f in dataclasses.fields(cls)}
    return decoders


def from_dict(cls: type, data: dict[str, Any]) -> Any:
    decoders = _decoders(cls)
    kwargs = {}
    for name, value in data.items():
        decode = decoders.get(name)
        if decode is not None:
            kwargs[name] = None if value is None else decode(value)
    return cls(**kwargs)


def field_decoder(cls: type, name: str) -> Any:
    """The function ``from_dict`` decodes field ``name`` of ``cls`` with (a value that is not None)."""
    return _decoders(cls)[name]


def application_from_dict(data: dict[str, Any]) -> Application:
    return from_dict(Application, data)


def grant_from_dict(data: dict[str, Any]) -> Grant:
    return from_dict(Grant, data)


