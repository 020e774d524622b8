"""Reading and writing the saved state's JSON records as typed dataclasses (webapp.state).

Generic over any dataclass tree: unknown keys are ignored, missing ones take their defaults,
and a value of the wrong JSON type raises RecordError rather than sneaking through.
"""

from __future__ import annotations

import dataclasses
import functools
import types
import typing
from collections.abc import Callable
from typing import Any

__all__ = ["RecordError", "build", "record_of"]


class RecordError(ValueError):
    """A saved record does not have the shape of a State."""


def build(kind: Any, data: Any) -> Any:
    """A value of type `kind` from JSON data; unknown keys ignored, missing ones defaulted."""
    return _converter(kind)(data)


@functools.cache
def _converter(kind: Any) -> Callable[[Any], Any]:
    """A function reading JSON data as `kind`, made once per type: every request loads a
    state, often twice, and walking the type hints each time cost a millisecond."""
    origin = typing.get_origin(kind)
    if origin in (typing.Union, types.UnionType):
        inner = _converter(next(k for k in typing.get_args(kind) if k is not type(None)))
        return lambda data: None if data is None else inner(data)
    if dataclasses.is_dataclass(kind):
        hints = typing.get_type_hints(kind)
        fields = [(f.name, _converter(hints[f.name])) for f in dataclasses.fields(kind)]

        make: Callable[..., Any] = typing.cast(Callable[..., Any], kind)

        def read_object(data: Any) -> Any:
            if not isinstance(data, dict):
                raise RecordError(f"{getattr(kind, '__name__', kind)}: expected an object")
            return make(**{name: read(data[name]) for name, read in fields if name in data})

        return read_object
    if origin is list:
        item = _converter(typing.get_args(kind)[0])

        def read_list(data: Any) -> list[Any]:
            if not isinstance(data, list):
                raise RecordError("expected a list")
            return [item(value) for value in data]

        return read_list
    if origin is dict:
        value_of = _converter(typing.get_args(kind)[1])

        def read_dict(data: Any) -> dict[str, Any]:
            if not isinstance(data, dict):
                raise RecordError("expected an object")
            return {str(key): value_of(value) for key, value in data.items()}

        return read_dict
    return functools.partial(_read_plain, kind)


def _read_plain(kind: type, data: Any) -> Any:
    if type(data) is kind:  # exact type: True is no step index, a string no number
        return data
    if kind is float and type(data) is int:
        return float(data)
    raise RecordError(f"expected {kind.__name__}")


def record_of(value: Any) -> Any:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {
            f.name: record_of(getattr(value, f.name))
            for f in dataclasses.fields(value)
            if getattr(value, f.name) is not None
        }
    if isinstance(value, list):
        return [record_of(item) for item in value]
    if isinstance(value, dict):
        return {key: record_of(item) for key, item in value.items()}
    return value
