"""The loader: paths -> Kubernetes objects read from them, with every read error.

Files, directories (recursive, ``*.yaml``/``*.yml``/``*.json``, sorted, hidden
entries skipped) and ``-`` for standard input. Multi-document files are split,
empty documents skipped, and ``kind: List`` (or any ``*List`` kind with ``items``)
expanded into its items. A file that cannot be read never hides the others.

Nothing in a directory can make reading hang or wander off: entries that are not
regular files (named pipes, devices, sockets) are skipped with an error, symbolic
links that lead outside the directory named on the command line are not followed
(an error names the link; links within it are read, and a linked directory within it
is read where it really is), and a subdirectory that cannot be listed is an error,
not a silent gap. A file named on the command line may be a named pipe
(``kspec validate <(helm template ...)``): it is opened without waiting for a writer,
so a pipe nobody writes to reads as empty instead of blocking. Files are decoded as
kubectl decodes them (``source.decode``: UTF-8, or UTF-16 with a byte-order mark).
"""

from __future__ import annotations

import os
import stat
import sys
from typing import Iterable, TextIO

try:
    import fcntl
except ImportError:  # not POSIX: no named pipes to wait on either
    fcntl = None

import attrs

from kspec.reading.errors import NotAnObject, ReadError, Skipped
from kspec.reading.nodes import Document, Mapping, Scalar, Sequence, to_python
from kspec.reading.parser import read_stream
from kspec.reading.source import DecodeProblem, Source, decode

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
    """The files named by ``paths`` (directories expanded), and errors for missing ones
    and for directory entries that are skipped (see the module docstring)."""
    files: list[str] = []
    errors: list[ReadError] = []
    for path in paths:
        if path == STDIN:
            files.append(STDIN)
        elif os.path.isdir(path):
            found, problems = _walk(path)
            if not found and not problems:
                errors.append(ReadError(f"no {', '.join('*' + e for e in EXTENSIONS)} files in this "
                                        f"directory", path=path))
            files.extend(sorted(found))
            errors.extend(problems)
        elif os.path.exists(path):
            problem = _not_regular(os.stat(path).st_mode, pipes=True)
            if problem:
                errors.append(ReadError(problem, path=path))
            else:
                files.append(path)
        elif os.path.lexists(path):
            errors.append(ReadError("broken symbolic link: its target does not exist", path=path))
        else:
            errors.append(ReadError("no such file or directory", path=path))
    return files, errors


def _walk(root: str) -> tuple[list[str], list[ReadError]]:
    """The manifest files under ``root``, and an error for each entry skipped."""
    top = os.path.realpath(root)
    files: list[str] = []
    errors: list[ReadError] = []

    def unreadable(error: OSError) -> None:
        errors.append(ReadError(f"cannot read this directory: {error.strerror or error}",
                                path=error.filename or root))

    for directory, subdirs, names in os.walk(root, onerror=unreadable):
        chart = HELM_CHART in names
        if chart:
            errors.append(Skipped(
                f"a Helm chart: its templates are not YAML until rendered, so they are not read; render "
                f"them first: helm template {directory} | kspec validate -", path=directory))
        keep = []
        for name in sorted(subdirs):
            if name.startswith(".") or (chart and name == "templates"):
                continue
            path = os.path.join(directory, name)
            if os.path.islink(path):
                # Not descended (neither does os.walk nor kubectl): a target inside the
                # tree is read where it is; one outside it is reported.
                outside = _outside(path, top)
                if outside:
                    errors.append(Skipped(outside, path=path))
                continue
            keep.append(name)
        subdirs[:] = keep
        for name in names:
            if name.startswith(".") or not name.endswith(EXTENSIONS):
                continue
            path = os.path.join(directory, name)
            problem = _outside(path, top) if os.path.islink(path) else None
            if problem is None:
                try:
                    problem = _not_regular(os.stat(path).st_mode, pipes=False)
                except OSError as error:
                    problem = f"cannot read: {error.strerror or error}"
                    if os.path.islink(path) and isinstance(error, FileNotFoundError):
                        problem = "broken symbolic link: its target does not exist"
            if problem:
                # a broken link or an unreadable file is a failure; anything else is skipped
                failed = problem.startswith(("cannot read", "broken symbolic link"))
                errors.append((ReadError if failed else Skipped)(problem, path=path))
            else:
                files.append(path)
    return files, errors


HELM_CHART = "Chart.yaml"


def _outside(link: str, top: str) -> str | None:
    """Why a symbolic link is not followed: its target lies outside the tree ``top``."""
    target = os.path.realpath(link)
    if target == top or target.startswith(top.rstrip(os.sep) + os.sep):
        return None
    return (f"symbolic link to {target}, outside the directory being read; not followed "
            f"(name the target on the command line to read it)")


_KINDS = ((stat.S_ISFIFO, "a named pipe"), (stat.S_ISCHR, "a character device"),
          (stat.S_ISBLK, "a block device"), (stat.S_ISSOCK, "a socket"))


def _not_regular(mode: int, *, pipes: bool) -> str | None:
    """Why a file is not read (it is not a regular file), or None. A named pipe is read
    when named on the command line (``pipes``), never when found in a directory."""
    if stat.S_ISREG(mode) or (pipes and stat.S_ISFIFO(mode)):
        return None
    kind = next((name for test, name in _KINDS if test(mode)), "not a file")
    return f"not a regular file ({kind}); skipped"


def load(paths: Iterable[str], *, schema: str = "kubernetes", stdin: TextIO | None = None) -> Loaded:
    """Read every object under ``paths``."""
    paths = list(paths)
    named = set(paths)
    files, errors = discover(paths)
    manifests: list[Manifest] = []
    sources: dict[str, Source] = {}
    for path in files:
        try:
            text = _read_text(path, stdin, pipes=path in named)
        except ReadError as error:
            errors.append(error)
            continue
        name = "<stdin>" if path == STDIN else path
        found, problems = load_text(text, name, schema=schema)
        manifests.extend(found)
        errors.extend(problems)
        sources[name] = found[0].node.source if found else Source.of(name, text)
    manifests, skipped = _without_kustomize_patches(manifests)
    return Loaded(manifests=tuple(manifests), errors=tuple(errors) + tuple(skipped), files=tuple(files),
                  sources=sources)


KUSTOMIZATION = ("kustomization.yaml", "kustomization.yml", "Kustomization")


def _without_kustomize_patches(manifests: list[Manifest]) -> tuple[list[Manifest], list[ReadError]]:
    """The manifests less the kustomize patches that a kustomization among them names
    (``patches[].path``, ``patchesStrategicMerge``, ``patchesJson6902[].path``): a patch is a
    fragment, not an object, and reading it as one reports fields it need not repeat. One note
    per patch file says how to check the merged result."""
    patches: dict[str, str] = {}
    for manifest in manifests:
        if os.path.basename(manifest.file) not in KUSTOMIZATION:
            continue
        base = os.path.dirname(manifest.file)
        for entry in _patch_entries(manifest.node):
            patches.setdefault(os.path.normpath(os.path.join(base, entry)), base)
    if not patches:
        return manifests, []
    kept = [m for m in manifests if os.path.normpath(m.file) not in patches]
    noted = sorted({m.file for m in manifests if os.path.normpath(m.file) in patches})
    return kept, [Skipped(f"a kustomize patch of {patches[os.path.normpath(f)] or '.'}: not an object on its own; "
                          f"check the merged result with: kubectl kustomize {patches[os.path.normpath(f)] or '.'} "
                          f"| kspec validate -", path=f) for f in noted]


def _patch_entries(node) -> list[str]:
    out = []
    for key in ("patches", "patchesJson6902", "patchesStrategicMerge"):
        items = node.get(key) if isinstance(node, Mapping) else None
        for item in (items.items if isinstance(items, Sequence) else ()):
            path = item.get("path") if isinstance(item, Mapping) else item
            if isinstance(path, Scalar) and isinstance(path.value, str) and "\n" not in path.value:
                out.append(path.value)
    return out


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


def _read_text(path: str, stdin: TextIO | None, *, pipes: bool = True) -> str:
    """A file's text (stdin for ``-``), decoded as kubectl decodes it."""
    name = "<stdin>" if path == STDIN else path
    try:
        if path == STDIN:
            stream = stdin if stdin is not None else sys.stdin
            binary = getattr(stream, "buffer", None)
            if binary is None:
                return stream.read()
            data = binary.read()
        else:
            data = _read_bytes(path, pipes=pipes)
        return decode(data)
    except DecodeProblem as problem:
        raise ReadError(problem.message, Source.of(name, problem.text), problem.offset) from None
    except OSError as error:
        raise ReadError(f"cannot read: {error.strerror or error}", path=name) from None


_OPEN_FLAGS = (os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0)
               | getattr(os, "O_BINARY", 0))


def _read_bytes(path: str, *, pipes: bool) -> bytes:
    """A file's bytes. Opened without blocking (opening a named pipe would otherwise wait
    for a writer), and refused unless it is a regular file (or a pipe, with ``pipes``)."""
    fd = os.open(path, _OPEN_FLAGS)
    try:
        problem = _not_regular(os.fstat(fd).st_mode, pipes=pipes)
        if problem:
            raise ReadError(problem, path=path)
        # Blocking reads from here: a pipe with a writer is read to its end; a pipe with
        # no writer reads as empty at once.
        if fcntl is not None:
            fcntl.fcntl(fd, fcntl.F_SETFL, fcntl.fcntl(fd, fcntl.F_GETFL) & ~getattr(os, "O_NONBLOCK", 0))
        with os.fdopen(fd, "rb", closefd=True) as handle:
            fd = -1
            return handle.read()
    finally:
        if fd >= 0:
            os.close(fd)
