"""Checking request bodies: every field's type, length and range, with a message that
says which field is wrong and what is expected. Unknown fields are refused too, so a
typo (`"duration"` for `"duration_s"`) is not silently ignored.
"""

from __future__ import annotations

from typing import Any

from .errors import Invalid
from .limits import MAX_ID


def body_object(body: Any) -> dict[str, Any]:
    if not isinstance(body, dict):
        raise Invalid("the request body must be a JSON object")
    return body


def only_fields(body: dict[str, Any], allowed: tuple[str, ...], where: str = "") -> None:
    unknown = sorted(set(body) - set(allowed))
    if unknown:
        raise Invalid(
            f"unknown field{'s' if len(unknown) > 1 else ''} {', '.join(map(repr, unknown))}"
            f"{' in ' + where if where else ''}; allowed: {', '.join(allowed)}"
        )


def text(body: dict[str, Any], name: str, max_len: int, *, required: bool = True,
         min_len: int = 1, default: str = "") -> str:
    value = body.get(name)
    if value is None:
        if required:
            raise Invalid(f"{name} is required (a string of {min_len} to {max_len} characters)")
        return default
    if not isinstance(value, str):
        raise Invalid(f"{name} must be a string, not {_type(value)}")
    value = value.strip()
    if len(value) < min_len:
        raise Invalid(f"{name} must not be empty" if min_len == 1 else
                      f"{name} must have at least {min_len} characters")
    if len(value) > max_len:
        raise Invalid(f"{name} is too long: {len(value)} characters, at most {max_len}")
    if "\x00" in value:
        raise Invalid(f"{name} must not contain NUL characters")
    return value


def integer(body: dict[str, Any], name: str, low: int, high: int, *,
            required: bool = True, nullable: bool = False) -> int | None:
    if name not in body or (body[name] is None and nullable):
        if required:
            raise Invalid(f"{name} is required (a whole number from {low} to {high})")
        return None
    value = body[name]
    if isinstance(value, float) and value.is_integer():
        value = int(value)  # 5.0 is the integer 5 in JSON (and in the OpenAPI schema)
    if isinstance(value, bool) or not isinstance(value, int):
        raise Invalid(f"{name} must be a whole number from {low} to {high}, not {_type(value)}")
    if not low <= value <= high:
        raise Invalid(f"{name} must be from {low} to {high}, not {value}")
    return value


def required_int(body: dict[str, Any], name: str, low: int, high: int) -> int:
    value = integer(body, name, low, high)
    assert value is not None
    return value


def boolean(body: dict[str, Any], name: str, default: bool | None = None) -> bool | None:
    if name not in body:
        return default
    value = body[name]
    if not isinstance(value, bool):
        raise Invalid(f"{name} must be true or false, not {_type(value)}")
    return value


def choice(body: dict[str, Any], name: str, options: tuple[str, ...], *,
           default: str | None = None) -> str | None:
    if body.get(name) is None:
        if default is None:
            raise Invalid(f"{name} is required: one of {', '.join(options)}")
        return default
    value = body[name]
    if value not in options:
        raise Invalid(f"{name} must be one of {', '.join(options)}, not {value!r}")
    return str(value)


def identifier(value: Any, name: str) -> str:
    if not isinstance(value, str) or not 1 <= len(value) <= MAX_ID:
        raise Invalid(f"{name} must be an id string")
    return value


def no_body(raw: Any) -> None:
    if raw is None:
        return
    body = body_object(raw)
    only_fields(body, ())


def _type(value: Any) -> str:
    if value is None:
        return "null"
    return {bool: "a boolean", int: "a number", float: "a number", str: "a string",
            list: "an array", dict: "an object"}.get(type(value), type(value).__name__)
