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
    """What the builder records about one document: its alias nodes (by id, with the
    anchored node) and its mappings with merge keys, merged only by ``finish``."""

    __slots__ = ("aliases", "merges", "merge_keys")

    def __init__(self, merge_keys: bool = True):
        # Whether '<<' is a merge key (the kubernetes schema) or an ordinary key (core).
        self.merge_keys = merge_keys
        # id(alias node) -> (alias node, anchored node); holding the nodes keeps ids unique.
        self.aliases: dict[int, tuple] = {}
        # (pairs as written, positions of the '<<' pairs, explicit keys by identity), in the
        # order the mappings were built: a merged mapping comes after everything it merges.
        self.merges: list[tuple] = []


def finish(root, expansion: Expansion, source, scanner_depth: int) -> None:
    """Check and complete a built document, in go-yaml v2's order of concerns:

    1. refuse excessive aliasing, counted on the document as written (nothing expanded);
    2. apply merge keys, which copies pairs out of aliased mappings (bounded now);
    3. refuse nesting deeper than ``MAX_DEPTH`` once aliases are expanded.
    """
    aliases = expansion.aliases
    if aliases:
        merge_keys = expansion.merge_keys
        _replay_decoder(root, aliases, _sizes(root, aliases, merge_keys), source, merge_keys)
    if expansion.merges:
        _apply_merges(root, expansion, source)
    # Nodes nest at most twice as deep as the scanner's levels; aliases can nest more.
    if aliases or 2 * scanner_depth > MAX_DEPTH:
        height = _heights(root, aliases)
        if height[id(root)] > MAX_DEPTH:
            _raise_too_deep(root, aliases, height, source)


def _children(node) -> list:
    if node.__class__ is Sequence:
        return list(node.items)
    if node.__class__ is Mapping:
        return [n for pair in node.items for n in pair]
    return []


def _sizes(root, aliases: dict, merge_keys: bool = True) -> dict:
    """go-yaml's decode count of every node as written (``decoder.unmarshal``, with merge
    values counted as ``decoder.merge`` takes them), by id, without expanding aliases."""
    size: dict[int, int] = {}
    stack: list = [(root, False)]
    while stack:
        node, ready = stack.pop()
        key = id(node)
        if not ready:
            if key in size:
                continue
            alias = aliases.get(key)
            if alias is not None:
                size[key] = 1 + size[id(alias[1])]  # anchored nodes come first
                continue
            if node.__class__ is Scalar:
                size[key] = 1
                continue
            stack.append((node, True))
            stack.extend((child, False) for child in reversed(_children(node)))
            continue
        if node.__class__ is Sequence:
            size[key] = 1 + sum(size[id(child)] for child in node.items)
            continue
        total = 1
        for k, v in node.items:
            if merge_keys and is_merge_key(k):
                if v.__class__ is Sequence and id(v) not in aliases:
                    total += sum(size[id(child)] for child in v.items)  # the list is not decoded
                else:
                    total += size[id(v)]
            else:
                total += size[id(k)] + size[id(v)]
        size[key] = total
    return size


def _replay_decoder(root, aliases: dict, size: dict, source, merge_keys: bool = True) -> None:
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
            for k, v in reversed(node.items):
                if merge_keys and is_merge_key(k):
                    if v.__class__ is Sequence and id(v) not in aliases:
                        stack.extend(v.items)  # decoder.merge steps backwards through the list
                    else:
                        stack.append(v)
                else:
                    stack.append(v)
                    stack.append(k)


def _apply_merges(root, expansion: Expansion, source) -> None:
    """Merge keys (``<<: *base``): explicit keys win, then earlier sources, as go-yaml v2's
    ``decoder.merge`` (a mapping, an alias of a mapping, or a list of those). Every node
    holding a merged mapping's pairs (the mapping, its tagged copy, its aliases) gets the
    merged pairs."""
    aliases = expansion.aliases
    merged: dict[int, tuple] = {}  # id(pairs as written) -> merged pairs
    for written, positions, explicit in expansion.merges:
        taken = dict(explicit)
        merged_at: dict[int, list] = {}
        done: set = set()
        for position in positions:
            value = written[position][1]
            sources = value.items if value.__class__ is Sequence and id(value) not in aliases else (value,)
            for mapping in sources:
                if mapping.__class__ is not Mapping:
                    raise ReadError("a merge key '<<' takes a mapping or a list of mappings",
                                    source, mapping.start)
                pairs = merged.get(id(mapping.items), mapping.items)
                if id(pairs) in done:
                    continue  # the same mapping again: all its keys are taken
                done.add(id(pairs))
                for key, item in pairs:
                    ident = key.value if isinstance(key, Scalar) and key.value.__class__ is str else (
                        (key.value.__class__, key.value) if isinstance(key, Scalar) else id(key))
                    if ident not in taken:
                        taken[ident] = key
                        merged_at.setdefault(position, []).append((key, item))
        out = []
        merge_positions = set(positions)
        for position, pair in enumerate(written):
            if position in merged_at:
                out.extend(merged_at[position])
            elif position not in merge_positions:
                out.append(pair)
        merged[id(written)] = tuple(out)
    # Hand the merged pairs to every node that holds pairs as written.
    seen: set = set()
    stack = [root]
    while stack:
        node = stack.pop()
        if id(node) in seen or node.__class__ is Scalar:
            continue
        seen.add(id(node))
        if node.__class__ is Mapping:
            pairs = merged.get(id(node.items))
            if pairs is not None:
                object.__setattr__(node, "items", pairs)  # the reader finishes its own nodes
        stack.extend(_children(node))


def _heights(root, aliases: dict) -> dict:
    """The height in collections of every node's expansion, by id (aliases count their
    anchored node's height where they are used)."""
    height: dict[int, int] = {}
    stack: list = [(root, False)]
    while stack:
        node, ready = stack.pop()
        key = id(node)
        if not ready:
            if key in height:
                continue
            if node.__class__ is Scalar:
                height[key] = 0
                continue
            stack.append((node, True))
            alias = aliases.get(key)
            children = [alias[1]] if alias is not None else _children(node)
            stack.extend((child, False) for child in children if id(child) not in height)
            continue
        alias = aliases.get(key)
        if alias is not None:
            height[key] = height[id(alias[1])]
        else:
            height[key] = 1 + max((height[id(c)] for c in _children(node)), default=0)
    return height


def _raise_too_deep(root, aliases: dict, height: dict, source) -> None:
    """Follow the deepest path from the root to where it passes ``MAX_DEPTH`` (or to the
    alias that takes it there) and report it there."""
    node, depth = root, 1
    while True:
        if id(node) in aliases:
            name = source.text[node.start:node.end]
            raise ReadError(f"{depth_message()}: the alias {name} nests {height[id(node)]} more "
                            f"levels here", source, node.start)
        if depth > MAX_DEPTH:
            raise ReadError(depth_message(), source, node.start)
        want = height[id(node)] - 1
        node = next(child for child in _children(node) if height[id(child)] == want)
        depth += 1
