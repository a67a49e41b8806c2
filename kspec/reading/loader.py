"""The loader: paths -> Kubernetes objects read from them, with every read error.

Files, directories (recursive, ``*.yaml``/``*.yml``/``*.json``, sorted, hidden
entries skipped) and ``-`` for standard input. Multi-document files are split,
empty documents skipped, and ``kind: List`` (or any ``*List`` kind with ``items``)
expanded into its items. A file that cannot be read never hides the others.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Iterable, TextIO

import attrs

from kspec.reading.errors import NotAnObject, ReadError
from kspec.reading.nodes import Document, Mapping, Scalar, Sequence, to_python
from kspec.reading.parser import read_stream
from kspec.reading.source import Source, normalise

EXTENSIONS = (".yaml", ".yml", ".json")
STDIN = "-"


@attrs.frozen(kw_only=True)
class Manifest:
    """One object read from an input: a document's root mapping, or an item of a List."""

    node: Mapping
    document: Document
    item: int | None = None

    @property
    def file(self) -> str:
        return self.node.file

    @property
    def line(self) -> int:
        return self.node.line

    @property
    def column(self) -> int:
        return self.node.column

    def field(self, *path: str) -> object:
        """The resolved value at a path of keys, or None (``field("metadata", "name")``)."""
        node = self.node
        for key in path:
            node = node.get(key) if isinstance(node, Mapping) else None
            if node is None:
                return None
        return node.value if isinstance(node, Scalar) else to_python(node)

    def to_python(self) -> dict:
        return to_python(self.node)


@attrs.frozen(kw_only=True)
class Loaded:
    """What the loader read: the objects, the errors, and the files it looked at."""

    manifests: tuple[Manifest, ...]
    errors: tuple[ReadError, ...]
    files: tuple[str, ...]
    # The text of every file read, by path, so reports can quote the offending line.
    sources: dict = attrs.field(factory=dict, eq=False)


def discover(paths: Iterable[str]) -> tuple[list[str], list[ReadError]]:
    """The files named by ``paths`` (directories expanded), and errors for missing ones."""
    files: list[str] = []
    errors: list[ReadError] = []
    for path in paths:
        if path == STDIN:
            files.append(STDIN)
        elif os.path.isdir(path):
            found = sorted(_walk(Path(path)))
            if not found:
                errors.append(ReadError(f"no {', '.join('*' + e for e in EXTENSIONS)} files in this "
                                        f"directory", path=path))
            files.extend(found)
        elif os.path.exists(path):
            files.append(path)
        else:
            errors.append(ReadError("no such file or directory", path=path))
    return files, errors


def _walk(root: Path) -> Iterable[str]:
    for directory, subdirs, names in os.walk(root):
        subdirs[:] = sorted(d for d in subdirs if not d.startswith("."))
        for name in names:
            if not name.startswith(".") and name.endswith(EXTENSIONS):
                yield str(Path(directory) / name)


def load(paths: Iterable[str], *, schema: str = "kubernetes", stdin: TextIO | None = None) -> Loaded:
    """Read every object under ``paths``."""
    files, errors = discover(paths)
    manifests: list[Manifest] = []
    sources: dict[str, Source] = {}
    for path in files:
        try:
            text = _read_text(path, stdin)
        except ReadError as error:
            errors.append(error)
            continue
        name = "<stdin>" if path == STDIN else path
        found, problems = load_text(text, name, schema=schema)
        manifests.extend(found)
        errors.extend(problems)
        sources[name] = found[0].node.source if found else Source(name, normalise(text))
    return Loaded(manifests=tuple(manifests), errors=tuple(errors), files=tuple(files), sources=sources)


def load_text(text: str, path: str, *, schema: str = "kubernetes") -> tuple[list[Manifest], list[ReadError]]:
    """The objects of one YAML stream, and one error per document that is not an object."""
    documents, errors = read_stream(text, path, schema=schema)
    manifests: list[Manifest] = []
    for document in documents:
        root = document.root
        if root is None:
            continue
        if not isinstance(root, Mapping):
            errors.append(_not_a_mapping(root, "this document"))
            continue
        items = _list_items(root)
        if items is None:
            manifests.append(Manifest(node=root, document=document))
            continue
        for index, item in enumerate(items.items):
            if isinstance(item, Mapping):
                manifests.append(Manifest(node=item, document=document, item=index))
            elif not (isinstance(item, Scalar) and item.value is None):
                errors.append(_not_a_mapping(item, f"item {index} of this List"))
    errors.sort(key=lambda e: (e.line, e.column))
    return manifests, errors


def _list_items(root: Mapping) -> Sequence | None:
    """The items of a ``kind: List`` (or ``PodList``, ...) document, else None."""
    kind = root.get("kind")
    if not (isinstance(kind, Scalar) and isinstance(kind.value, str) and kind.value.endswith("List")):
        return None
    items = root.get("items")
    if isinstance(items, Sequence):
        return items
    if isinstance(items, Scalar) and items.value is None:
        return Sequence((), "flow", None, root.source, root.end, root.end)
    return None


def _not_a_mapping(node, what: str) -> NotAnObject:
    shape = "a sequence" if isinstance(node, Sequence) else f"the scalar {node.text[:40]!r}"
    return NotAnObject(f"{what} is {shape}; a Kubernetes object is a mapping with apiVersion and kind",
                     node.source, node.start)


def _read_text(path: str, stdin: TextIO | None) -> str:
    try:
        if path == STDIN:
            stream = stdin if stdin is not None else sys.stdin
            return stream.read()
        with open(path, encoding="utf-8") as handle:
            return handle.read()
    except UnicodeDecodeError as error:
        raise ReadError(f"not UTF-8 text (byte {error.start}); save the file as UTF-8", path=path) from None
    except OSError as error:
        raise ReadError(f"cannot read: {error.strerror or error}", path=path) from None
