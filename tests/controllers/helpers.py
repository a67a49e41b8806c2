"""Building model states from YAML for controller tests."""

from kspec.api.registry import decode_object
from kspec.model.cluster import initial_state
from kspec.reading.loader import load_text


def objects(text: str) -> list:
    manifests, errors = load_text(text, "test.yaml")
    assert not errors, errors
    return [decode_object(m) for m in manifests]


def state_of(text: str):
    """A cluster with the objects of ``text`` (the default three nodes unless it has nodes)."""
    return initial_state(objects(text))
