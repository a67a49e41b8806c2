"""Bad input never crashes or hangs the reader: alias expansion is bounded as go-yaml v2
bounds it, nesting is bounded, and both end quickly with an error at a line and column."""

import random
import time

import pytest

from kspec.reading import ReadError, read_stream, read_yaml, to_python
from kspec.reading import limits, parser
from kspec.reading.nodes import Mapping, Sequence
from kspec.reading.scanner import MAX_DEPTH

BILLION_LAUGHS = """\
apiVersion: v1
kind: ConfigMap
metadata:
  name: lol
data:
  a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]
  b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]
  c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]
  d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]
  e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]
  f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]
  g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]
  h: &h [*g,*g,*g,*g,*g,*g,*g,*g,*g]
  i: &i [*h,*h,*h,*h,*h,*h,*h,*h,*h]
"""


def read_error(text: str, **kw) -> ReadError:
    documents, errors = read_stream(text, "bad.yaml", **kw)
    assert errors, "expected an error"
    return errors[0]


def timed(text: str, **kw):
    start = time.perf_counter()
    documents, errors = read_stream(text, "bad.yaml", **kw)
    return documents, errors, time.perf_counter() - start


# -- aliases ----------------------------------------------------------------------------

def test_billion_laughs_ends_quickly_with_excessive_aliasing_at_an_alias():
    """A billion-laughs alias bomb is refused in well under a second, at the alias go-yaml stops on."""
    documents, errors, seconds = timed(BILLION_LAUGHS)
    assert seconds < 1.0
    assert not documents
    (error,) = errors
    assert error.message.startswith("document contains excessive aliasing")
    assert (error.line, error.column) == (9, 22)  # the fourth *c of d: go-yaml's counts cross there
    assert error.excerpt.strip().startswith("d: &d [*c")


def test_merge_key_bomb_ends_quickly():
    """Merging one large aliased mapping into thousands of mappings is refused before it is built."""
    keys = "".join(f"  k{i}: {i}\n" for i in range(3000))
    users = "".join(f"u{i}: {{<<: *big}}\n" for i in range(3000))
    documents, errors, seconds = timed("big: &big\n" + keys + users)
    assert seconds < 2.0
    assert errors and errors[0].message.startswith("document contains excessive aliasing")
    assert errors[0].line > 3000  # at one of the merges


def test_repeated_merge_keys_stay_linear():
    """Thousands of '<<' entries in one mapping are merged in linear time."""
    text = "base: &b {x: 1}\nm:\n" + "".join(f"  <<: *b\n  k{i}: {i}\n" for i in range(5000))
    documents, errors, seconds = timed(text)
    assert not errors and seconds < 2.0
    assert to_python(documents[0].root)["m"]["x"] == 1


def test_ordinary_anchors_and_merges_are_accepted():
    """Anchors used a few times, as real manifests use them, read as before."""
    text = ("defaults: &d {image: nginx, resources: {limits: {cpu: 1}}}\n"
            "a: {<<: *d, name: a}\nb: {<<: *d, name: b}\nlist: [*d, *d, *d]\n")
    root = to_python(read_yaml(text)[0].root)
    assert root["a"] == {"image": "nginx", "resources": {"limits": {"cpu": 1}}, "name": "a"}
    assert root["list"][2]["resources"]["limits"]["cpu"] == 1


def test_the_99_percent_ratio_decides_to_the_alias():
    """go-yaml's ratio decides: a 1,000-item anchor may be used 110 times, the 111th use is refused."""
    # 110 uses: 110,110 of 111,226 decodes come from aliases (0.98996 <= 0.99); 111: 0.99005.
    def text(uses):
        return "a: &a [" + ",".join(["x"] * 1000) + "]\nb: [" + ",".join(["*a"] * uses) + "]\n"
    assert not read_stream(text(110), "ok.yaml")[1]
    error = read_error(text(111))
    assert error.message.startswith("document contains excessive aliasing (the alias *a expands to 1,001")
    assert (error.line, error.column) == (2, 5 + 3 * 110)  # the 111th *a


def test_merge_of_an_aliased_sequence_is_refused():
    """'<<: *seq' needs a mapping, as go-yaml v2's decoder.merge says (a list must be written)."""
    error = read_error("s: &s [{a: 1}]\nm:\n  <<: *s\n")
    assert "merge key" in error.message and (error.line, error.column) == (3, 7)


def _goyaml_literal(root, expansion) -> int | None:
    """go-yaml v2's decoder.unmarshal counting, literally: every alias expanded node by node.
    Returns the offset of the outermost alias (or node) being decoded when it fails."""
    aliases = expansion.aliases
    counts = {"decode": 1, "alias": 0, "depth": 0}

    def unmarshal(node, top):
        counts["decode"] += 1
        if counts["depth"]:
            counts["alias"] += 1
        if limits.excessive(counts["alias"], counts["decode"]):
            return (top or node).start
        target = aliases.get(id(node))
        if target is not None:
            counts["depth"] += 1
            found = unmarshal(target[1], top or node)
            counts["depth"] -= 1
            return found
        if isinstance(node, Sequence):
            children = list(node.items)
        elif isinstance(node, Mapping):
            children = []
            for k, v in node.items:  # as written: merge keys not yet applied
                if limits.is_merge_key(k):
                    children += list(reversed(v.items)) if (isinstance(v, Sequence) and id(v) not in aliases) else [v]
                else:
                    children += [k, v]
        else:
            children = []
        for child in children:
            found = unmarshal(child, top)
            if found is not None:
                return found
        return None

    return unmarshal(root, None)


def _random_document(rng: random.Random) -> str:
    lines, anchors = [], []
    for i in range(rng.randint(1, 6)):
        items = [rng.choice(["x", "y", "z"]) for _ in range(rng.randint(1, 40))]
        if anchors and rng.random() < 0.6:
            items += [f"*{rng.choice(anchors)}" for _ in range(rng.randint(1, 6))]
        rng.shuffle(items)
        lines.append(f"a{i}: &a{i} [{', '.join(items)}]")
        anchors.append(f"a{i}")
    if rng.random() < 0.5:
        lines.append(f"m0: &m0 {{p: 1, q: [{', '.join('*' + a for a in anchors[:2])}]}}")
        lines.append("merged: {<<: [*m0, {r: 2}], s: 3}")
    body = [rng.choice(["v", "w"]) if rng.random() < 0.5 else f"*{rng.choice(anchors)}"
            for _ in range(rng.randint(0, 300))]
    lines.append(f"body: [{', '.join(body)}]")
    lines.append(f"tail: [{', '.join(['t'] * rng.randint(0, 2000))}]")
    return "\n".join(lines) + "\n"


def test_alias_accounting_matches_a_literal_go_yaml_decode(monkeypatch):
    """kspec's shortcut count fails exactly where go-yaml's node-by-node count fails, on random documents."""
    captured = {}
    monkeypatch.setattr(limits, "finish", lambda root, expansion, source, depth: captured.update(
        root=root, expansion=expansion))
    rng = random.Random(20240607)
    outcomes = set()
    for _ in range(150):
        text = _random_document(rng)
        captured.clear()
        documents, errors = read_stream(text, "r.yaml")
        assert not errors and captured
        expected = _goyaml_literal(captured["root"], captured["expansion"])
        source = documents[0].source
        root, aliases = captured["root"], captured["expansion"].aliases
        try:
            limits._replay_decoder(root, aliases, limits._sizes(root, aliases), source)
            got = None
        except ReadError as error:
            assert error.message.startswith("document contains excessive aliasing")
            got = source.line_starts()[error.line - 1] + error.column - 1
        assert got == expected, text
        outcomes.add(got is None)
    assert outcomes == {True, False}  # both accepted and refused documents were generated


# -- nesting ----------------------------------------------------------------------------

DEEP = 10_000
SHAPES = {
    "flow sequences": ("[" * DEEP + "]" * DEEP, (1, MAX_DEPTH + 1)),
    "flow mappings": ("{a: " * DEEP + "1" + "}" * DEEP, (1, 4 * MAX_DEPTH + 1)),
    "block mappings": ("".join(" " * i + f"k{i}:\n" for i in range(DEEP)), (MAX_DEPTH + 1, MAX_DEPTH + 1)),
    "block sequences on one line": ("- " * DEEP + "x\n", (1, 2 * MAX_DEPTH + 1)),
    "block sequences on lines": ("".join(" " * (2 * i) + "-\n" for i in range(DEEP)),
                                  (MAX_DEPTH + 1, 2 * MAX_DEPTH + 1)),
    "explicit keys": ("? " * DEEP + "x\n", (1, 2 * MAX_DEPTH + 1)),
}


@pytest.mark.parametrize("shape", SHAPES)
def test_ten_thousand_deep_nesting_ends_quickly_at_the_level_past_the_limit(shape):
    """10,000-deep flow or block nesting is a quick depth error at the collection past the limit."""
    text, where = SHAPES[shape]
    documents, errors, seconds = timed(text)
    assert seconds < 1.5, seconds
    (error,) = errors
    assert error.message.startswith(f"nesting deeper than {MAX_DEPTH} levels")
    assert (error.line, error.column) == where


def test_nesting_at_the_limit_reads_and_converts():
    """Exactly MAX_DEPTH levels read, and to_python on them stays inside Python's recursion limit."""
    for text in ("[" * MAX_DEPTH + "]" * MAX_DEPTH,
                 "".join(" " * i + f"k{i}:\n" for i in range(MAX_DEPTH - 1)) + " " * (MAX_DEPTH - 1) + "k: v\n"):
        value = to_python(read_yaml(text)[0].root)
        depth = 0
        while isinstance(value, (list, dict)) and value:
            value = value[0] if isinstance(value, list) else next(iter(value.values()))
            depth += 1
        assert depth in (MAX_DEPTH - 1, MAX_DEPTH)
    assert read_stream("[" * (MAX_DEPTH + 1) + "]" * (MAX_DEPTH + 1), "x")[1]


def test_nodes_nested_deeper_than_the_scanner_levels_are_caught_exactly():
    """Nodes nested two per scanner level (indentless sequences, [k: v]) hit the limit at the exact node."""
    pairs = "[a: " * 200 + "1" + "]" * 200       # 400 nodes deep in 200 brackets
    error = read_error(pairs)
    assert (error.line, error.column) == (1, 4 * (MAX_DEPTH // 2) + 1)
    indentless = "".join(" " * (2 * i) + f"k{i}:\n" + " " * (2 * i) + "-\n" for i in range(150))
    error = read_error(indentless)
    assert error.message.startswith("nesting deeper") and error.line == MAX_DEPTH + 1
    ok = "".join(" " * (2 * i) + f"k{i}:\n" + " " * (2 * i) + "-\n" for i in range(MAX_DEPTH // 2))
    assert not read_stream(ok, "ok.yaml")[1]


def test_aliases_cannot_nest_past_the_limit():
    """An anchored deep value used deep inside another is refused at the alias."""
    half = MAX_DEPTH // 2 + 10
    text = "a: &deep " + "[" * half + "]" * half + "\nb: " + "[" * half + "*deep" + "]" * half + "\n"
    error = read_error(text)
    assert error.message.startswith("nesting deeper") and "*deep" in error.message
    assert (error.line, error.column) == (2, half + 4)


def test_limits_hold_for_every_document_of_a_stream():
    """A deep or aliased document is one error; the other documents of the stream still read."""
    text = "a: 1\n---\n" + "[" * 5000 + "]" * 5000 + "\n---\nb: 2\n"
    documents, errors = read_stream(text, "s.yaml")
    assert [d.to_python() for d in documents] == [{"a": 1}, {"b": 2}]
    assert len(errors) == 1 and errors[0].line == 3


def test_depth_limit_is_one_constant():
    """The limit is one constant, shared by the scanner and the post-build check."""
    assert parser.MAX_DEPTH == limits.MAX_DEPTH == MAX_DEPTH == 256
