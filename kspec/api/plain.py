"""Objects as plain data the way the API server holds them, for the stages that read them
so (CEL rules, admission policies, CRD validation rules).

The API server decodes JSON into its types, where a ``null`` field is an unset one:
``resources:`` with nothing under it, or ``securityContext: null``, is absent, not a value
of type null. Doing that here, once, means no rule needs a guard for a field that is
present but empty (``has(c.resources)`` is simply false).
"""

from __future__ import annotations

from typing import Any

from kspec.reading.nodes import Node, to_python


def api_object(node: Node) -> Any:
    """``to_python(node)`` with null-valued mapping entries removed, at every depth."""
    return _prune(to_python(node))


def _prune(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _prune(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_prune(v) for v in value]
    return value
