"""kspec's own kinds (NodePool, Scenario, Rule, Invariant) checked against the schemas kspec
ships for them (``kspec/api/kspec-crds.yaml``) when a command loads them: a value of the
wrong shape or a misspelt field is an error at its line, never a fallback."""

from __future__ import annotations

import functools

from kspec.reading.loader import Manifest
from kspec.validation.findings import Finding


@functools.cache
def _checker():
    from kspec.validation.schema import CrdSchemas, SchemaValidator
    from kspec.validation.validate import _builtin_crds

    return SchemaValidator(None), CrdSchemas.from_manifests(_builtin_crds())


def own_kind_errors(manifest: Manifest) -> list[Finding]:
    """The schema errors of one of kspec's own objects; unknown fields count as errors."""
    validator, crds = _checker()
    return [f for f in validator.validate(manifest, strict=True, crds=crds) if f.severity == "error"]
