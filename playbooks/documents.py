"""Reading the documents people hand breachclock (incident files, client lists, mappings): safely.

- only regular files, read with a size limit (a device such as ``/dev/zero`` or a huge file cannot exhaust
  memory);
- YAML and JSON with every duplicate key refused (a silently winning second ``US-CA:`` is a wrong count);
- nesting bounded (deep nesting is refused, not a recursion error).

Errors are :class:`DocumentError` with a message that names the file and the problem, never its content.
"""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path
from typing import Any

import yaml

MAX_DOCUMENT_BYTES = 1 << 20  # 1 MiB: an incident file is a few KB; a client list of thousands fits
MAX_DEPTH = 20


class DocumentError(ValueError):
    """A document that cannot be read as given; the message says why."""


def read_bounded(path: Path, limit: int = MAX_DOCUMENT_BYTES, *, what: str = "file") -> bytes:
    """The bytes of a regular file of at most ``limit`` bytes."""
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    except OSError as exc:
        raise DocumentError(f"{path}: cannot read ({exc.strerror})") from None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise DocumentError(f"{path}: not a regular file (a {what} must be a file)")
        if info.st_size > limit:
            raise DocumentError(f"{path}: {info.st_size:,} bytes; a {what} may be at most {limit:,} bytes")
        with os.fdopen(os.dup(fd), "rb") as fh:
            data = fh.read(limit + 1)
    finally:
        os.close(fd)
    if len(data) > limit:
        raise DocumentError(f"{path}: larger than {limit:,} bytes")
    return data


class _UniqueKeyLoader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):  # type: ignore[misc]
    """A safe YAML loader that refuses a mapping with the same key twice."""


def _mapping(loader: yaml.SafeLoader, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
    loader.flatten_mapping(node)
    out: dict[Any, Any] = {}
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=deep)
        try:
            duplicate = key in out
        except TypeError:
            raise yaml.constructor.ConstructorError(None, None, "a mapping key must be a plain value",
                                                    key_node.start_mark) from None
        if duplicate:
            raise yaml.constructor.ConstructorError(None, None, f"duplicate key {key!r}", key_node.start_mark)
        out[key] = loader.construct_object(value_node, deep=deep)
    return out


_UniqueKeyLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _mapping)


def _depth(value: Any, limit: int) -> None:
    stack = [(value, 1)]
    while stack:
        item, level = stack.pop()
        if level > limit:
            raise DocumentError(f"nested more than {limit} levels deep")
        if isinstance(item, dict):
            stack.extend((v, level + 1) for v in item.values())
        elif isinstance(item, list):
            stack.extend((v, level + 1) for v in item)


def _unique_pairs(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            raise DocumentError(f"duplicate key {key!r}")
        out[key] = value
    return out


def parse(raw: bytes, *, json_format: bool, source: str) -> Any:
    """YAML or JSON text as data, duplicate keys and deep nesting refused."""
    kind = "JSON" if json_format else "YAML"
    try:
        if json_format:
            data = json.loads(raw, object_pairs_hook=_unique_pairs)
        else:
            data = yaml.load(raw, Loader=_UniqueKeyLoader)  # noqa: S506 - a SafeLoader subclass
    except DocumentError as exc:
        raise DocumentError(f"{source}: not valid {kind}: {exc}") from None
    except (yaml.YAMLError, ValueError, UnicodeDecodeError) as exc:
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        mark = getattr(exc, "problem_mark", None)
        where = f" (line {mark.line + 1}, column {mark.column + 1})" if mark is not None else ""
        raise DocumentError(f"{source}: not valid {kind}: {problem}{where}") from None
    except RecursionError:
        raise DocumentError(f"{source}: nested too deeply") from None
    try:
        _depth(data, MAX_DEPTH)
    except DocumentError as exc:
        raise DocumentError(f"{source}: {exc}") from None
    return data


def read_document(path: Path, limit: int = MAX_DOCUMENT_BYTES, *, what: str = "file") -> tuple[Any, bytes]:
    """A YAML (or ``.json``) document read safely: (data, the raw bytes)."""
    raw = read_bounded(path, limit, what=what)
    return parse(raw, json_format=path.suffix.lower() == ".json", source=str(path)), raw
