"""Resource bounds on a read document: alias expansion and nesting depth.

An alias node shares the anchored node, so reading a "billion laughs" document is cheap,
but every later stage that walks values (``to_python``, schema checks, rules, the model)
walks the expansion. So the reader itself refuses what Kubernetes refuses, and nothing
after it ever meets an exploding or absurdly deep document:

- **Aliases**: go-yaml v2 (gopkg.in/yaml.v2 ``decode.go``, under sigs.k8s.io/yaml, so
  kubectl and the API server) counts every node it decodes (``decodeCount``) and those
  decoded through an alias (``aliasCount``); when ``aliasCount > 100``,
  ``decodeCount > 1000`` and ``aliasCount / decodeCount > allowedAliasRatio(decodeCount)``
  it fails with "document contains excessive aliasing". ``allowedAliasRatio`` is 0.99 up to
  400,000 decodes, 0.10 from 4,000,000, and linear in between. kspec computes the same
  counts without expanding anything: the expanded size of each anchored node is computed
  once, and the decoder's walk (pre-order, merge values as ``decoder.merge`` takes them) is
  replayed with that size added at each alias. Both counts grow by one per node inside an
  alias, so if the limit is crossed anywhere inside an alias's expansion it is still
  crossed at its end: checking after each alias finds the alias during which go-yaml fails.
- **Depth**: the scanner refuses a block level or flow collection nested past
  ``MAX_DEPTH``. Nodes can nest at most twice as deep as those levels (a sequence
  indented at its key's column, a ``[key: value]`` pair in a flow sequence), and aliases
  nest an anchored node wherever it is used, so when the scanner saw more than half the
  limit, or the document has aliases, the expanded height is computed here too.

Everything here is iterative: no recursion on the depth of the input.
"""

from __future__ import annotations

from kspec.reading.errors import ReadError
from kspec.reading.nodes import Mapping, Scalar, Sequence
from kspec.reading.resolve import MERGE
from kspec.reading.scanner import MAX_DEPTH, depth_message

# go-yaml v2 decode.go: alias_ratio_range_low / alias_ratio_range_high.
ALIAS_RATIO_RANGE_LOW = 400_000
ALIAS_RATIO_RANGE_HIGH = 4_000_000
_ALIAS_RATIO_RANGE = float(ALIAS_RATIO_RANGE_HIGH - ALIAS_RATIO_RANGE_LOW)


def allowed_alias_ratio(decode_count: int) -> float:
    """go-yaml v2 ``allowedAliasRatio``: the share of decodes that may come from aliases."""
    if decode_count <= ALIAS_RATIO_RANGE_LOW:
        return 0.99  # small-to-medium documents: 99 % may come from alias expansion
    if decode_count >= ALIAS_RATIO_RANGE_HIGH:
        return 0.10  # very large documents: 10 %
    return 0.99 - 0.89 * ((decode_count - ALIAS_RATIO_RANGE_LOW) / _ALIAS_RATIO_RANGE)


def excessive(alias_count: int, decode_count: int) -> bool:
    """go-yaml v2 ``decoder.unmarshal``'s test for "document contains excessive aliasing"."""
    return (alias_count > 100 and decode_count > 1000
            and alias_count / decode_count > allowed_alias_ratio(decode_count))


def aliasing_error(source, node, expanded: int | None = None) -> ReadError:
    """The error at the alias (or node) during whose decoding go-yaml gives up."""
    name = source.text[node.start:node.end]
    if name.startswith("*") and expanded is not None:
        detail = f" (the alias {name} expands to {expanded:,} values here)"
    else:
        detail = ""
    return ReadError(f"document contains excessive aliasing{detail}; Kubernetes (go-yaml) rejects "
                     f"documents that are mostly alias expansion", source, node.start)


def is_merge_key(key) -> bool:
    return (key.__class__ is Scalar and key.text == "<<" and key.style == "plain"
            and key.tag in (None, MERGE))


class Expansion:
    """What the builder records about one document for ``check``: its alias nodes (by id,
    with the anchored node) and the pairs of merged mappings as they were written."""

    __slots__ = ("aliases", "merges")

    def __init__(self):
        # id(alias node) -> (alias node, anchored node); holding the nodes keeps ids unique.
        self.aliases: dict[int, tuple] = {}
        # id(items of a merged mapping) -> (items, the pairs as written, with '<<' pairs)
        self.merges: dict[int, tuple] = {}


def check(root, expansion: Expansion, source) -> None:
    """Raise a ``ReadError`` if the document nests deeper than ``MAX_DEPTH`` once aliases
    are expanded, or if go-yaml v2 would find it contains excessive aliasing."""
    aliases, merges = expansion.aliases, expansion.merges
    size, height = _measure(root, aliases, merges)
    if height[id(root)] > MAX_DEPTH:
        _raise_too_deep(root, aliases, height, source)
    if aliases:
        _replay_decoder(root, aliases, merges, size, source)


def _written(node, merges: dict) -> tuple:
    """A mapping's pairs as written (merge keys not applied)."""
    record = merges.get(id(node.items)) if node.items else None
    return record[1] if record is not None else node.items


def _measure(root, aliases: dict, merges: dict) -> tuple[dict, dict]:
    """For every node: go-yaml's decode count (``size``) and the height in collections of
    its expansion (``height``), by id. Anchored nodes come before their aliases."""
    size: dict[int, int] = {}
    height: dict[int, int] = {}
    stack: list = [(root, False)]
    while stack:
        node, ready = stack.pop()
        key = id(node)
        if not ready:
            if key in size:
                continue
            alias = aliases.get(key)
            if alias is not None:
                target = id(alias[1])
                size[key] = 1 + size[target]
                height[key] = height[target]
                continue
            if node.__class__ is Scalar:
                size[key] = 1
                height[key] = 0
                continue
            stack.append((node, True))
            if node.__class__ is Sequence:
                stack.extend((child, False) for child in reversed(node.items))
            else:
                for k, v in reversed(_written(node, merges)):
                    stack.append((v, False))
                    stack.append((k, False))
            continue
        if node.__class__ is Sequence:
            size[key] = 1 + sum(size[id(child)] for child in node.items)
            height[key] = 1 + max((height[id(child)] for child in node.items), default=0)
            continue
        total = 1
        for k, v in _written(node, merges):
            if is_merge_key(k):
                if v.__class__ is Sequence and id(v) not in aliases:
                    total += sum(size[id(child)] for child in v.items)  # the list is not decoded
                else:
                    total += size[id(v)]
            else:
                total += size[id(k)] + size[id(v)]
        size[key] = total
        deepest = 0
        for k, v in node.items:  # merged: what later stages walk
            deepest = max(deepest, height[id(k)], height[id(v)])
        height[key] = 1 + deepest
    return size, height


def _raise_too_deep(root, aliases: dict, height: dict, source) -> None:
    """Follow the deepest path from the root to where it passes ``MAX_DEPTH`` (or to the
    alias that takes it there) and report it there."""
    node, depth = root, 1
    while True:
        alias = aliases.get(id(node))
        if alias is not None:
            name = source.text[node.start:node.end]
            raise ReadError(f"{depth_message()}: the alias {name} nests {height[id(node)]} more "
                            f"levels here", source, node.start)
        if depth > MAX_DEPTH:
            raise ReadError(depth_message(), source, node.start)
        want = height[id(node)] - 1
        children = node.items if node.__class__ is Sequence else [n for pair in node.items for n in pair]
        node = next(child for child in children if height[id(child)] == want)
        depth += 1


def _replay_decoder(root, aliases: dict, merges: dict, size: dict, source) -> None:
    """go-yaml v2's ``decoder.unmarshal`` walk over the document, with an alias's whole
    expansion counted in one step (see the module docstring)."""
    decodes, from_aliases = 1, 0  # the document node
    stack = [root]
    while stack:
        node = stack.pop()
        alias = aliases.get(id(node))
        if alias is not None:
            expanded = size[id(alias[1])]
            decodes += 1 + expanded
            from_aliases += expanded
            if excessive(from_aliases, decodes):
                raise aliasing_error(source, node, expanded)
            continue
        decodes += 1
        if from_aliases > 100 and excessive(from_aliases, decodes):
            raise aliasing_error(source, node)
        if node.__class__ is Sequence:
            stack.extend(reversed(node.items))
        elif node.__class__ is Mapping:
            for k, v in reversed(_written(node, merges)):
                if is_merge_key(k):
                    if v.__class__ is Sequence and id(v) not in aliases:
                        stack.extend(v.items)  # decoder.merge steps backwards through the list
                    else:
                        stack.append(v)
                else:
                    stack.append(v)
                    stack.append(k)
