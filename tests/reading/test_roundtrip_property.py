"""Property: whatever PyYAML dumps, kspec reads back (YAML 1.2 core schema) to the same tree.

PyYAML writes YAML 1.1. Where 1.1 and 1.2 disagree the dump is not a fair question, so
the strategy leaves out the strings on which they disagree (``_same_in_both_schemas``),
and a dump that PyYAML itself does not read back is not asked either; the comparison
itself is exact.
"""

from __future__ import annotations

import yaml
from hypothesis import Phase, assume, example, given, settings
from hypothesis import strategies as st

from kspec.reading import read_yaml
from kspec.reading.resolve import resolve_core

_STR_TAG = "tag:yaml.org,2002:str"
# YAML 1.1 treats NEL, LS and PS as line breaks; YAML 1.2 reads them as content.
_YAML11_BREAKS = "\x85\u2028\u2029"
# Characters that make PyYAML pick plain, quoted or escaped styles, and numbers' parts.
_YAML_ALPHABET = "ab yYnN0179.+-_:eExob#'\"\\\n\t,[]{}&*!|>%@`?~=<é\x00"


def _same_in_both_schemas(text: str) -> bool:
    """False for a string PyYAML may leave plain (YAML 1.1 reads it as a string) although
    the YAML 1.2 core schema resolves it to something else (``0o17``, ``1e3``, ``+.5``),
    and for strings holding a character only YAML 1.1 counts as a line break."""
    if any(char in _YAML11_BREAKS for char in text):
        return False
    plain_in_yaml11 = yaml.SafeLoader.resolve(yaml.SafeLoader, yaml.ScalarNode, text,
                                              (True, False)) == _STR_TAG
    return not plain_in_yaml11 or resolve_core(text) == text


_STRINGS = (st.text() | st.text(alphabet=_YAML_ALPHABET)).filter(_same_in_both_schemas)
_SCALARS = (st.none() | st.booleans() | st.integers()
            | st.floats(allow_nan=False, allow_infinity=False) | _STRINGS)


def _trees(depth: int) -> st.SearchStrategy:
    """JSON-like trees nested at most ``depth`` collections deep."""
    if depth == 0:
        return _SCALARS
    inner = _trees(depth - 1)
    return _SCALARS | st.lists(inner, max_size=4) | st.dictionaries(_STRINGS, inner, max_size=4)


TREES = _trees(5)
_OPTIONS = st.fixed_dictionaries({"allow_unicode": st.booleans(),
                                  "width": st.sampled_from((80, 12))})


def _typed(value: object) -> object:
    """The tree with each scalar tagged by its type (1, 1.0 and True differ; -0.0 too)."""
    if isinstance(value, dict):
        return {_typed(key): _typed(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_typed(item) for item in value]
    return type(value).__name__, repr(value)


def _read_back(tree: object, flow_style: bool | None, options: dict) -> None:
    text = yaml.safe_dump(tree, default_flow_style=flow_style, **options)
    # PyYAML's emitter can split a double-quoted scalar wrongly at a narrow width
    # ('0\x1f 0' at width 12 reads back as '0\x1f\\  0', with PyYAML too): not kspec's fault.
    assume(_typed(yaml.safe_load(text)) == _typed(tree))
    documents = read_yaml(text, schema="core")
    assert len(documents) == 1, text
    assert _typed(documents[0].to_python()) == _typed(tree), text


@given(TREES, _OPTIONS)
def test_block_style_reads_back(tree: object, options: dict) -> None:
    """A tree dumped in block style reads back unchanged."""
    _read_back(tree, False, options)


@given(TREES, _OPTIONS)
def test_flow_style_reads_back(tree: object, options: dict) -> None:
    """A tree dumped in flow style reads back unchanged."""
    _read_back(tree, True, options)


@given(TREES, _OPTIONS)
def test_mixed_style_reads_back(tree: object, options: dict) -> None:
    """A tree dumped in mixed style (flow only for leaf collections) reads back unchanged."""
    _read_back(tree, None, options)


@example(tree={"a": "x\xa0y"}, options={"allow_unicode": True, "width": 80})
@example(tree={"k\u3000ey": ["\u2003"]}, options={"allow_unicode": True, "width": 80})
@settings(phases=[Phase.explicit])
@given(TREES, _OPTIONS)
def test_unicode_space_in_plain_scalar_reads_back(tree: object, options: dict) -> None:
    """Regression: a plain scalar holding a Unicode space (U+00A0, U+3000) reads back unchanged;
    YAML white space is only space and tab."""
    _read_back(tree, False, options)
