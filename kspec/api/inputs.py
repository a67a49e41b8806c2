"""The objects the model runs on (``simulate``, ``place``, ``check``, the pytest fixture).

One loader for every model command: read the paths, decode every manifest, and refuse
any object with a value that could not be taken as written (``decode_manifest``'s
problems), each as an error at its ``file:line:column``. The model never runs an object
with a default standing in for what the user wrote. Documents that are not Kubernetes
objects at all (no apiVersion and no kind: kustomization.yaml, Helm values) are skipped
with a note, never silently.
"""

from __future__ import annotations

import os
from typing import Iterable, TextIO

import attrs

from kspec.api.registry import decode_manifest
from kspec.reading.errors import ReadError, Skipped
from kspec.reading.loader import Manifest, load


@attrs.frozen(kw_only=True)
class ModelInput:
    """Decoded objects, the errors that make a model command refuse the input, and notes."""

    objects: tuple
    errors: tuple[ReadError, ...]
    notes: tuple[str, ...] = ()


def load_model_input(paths: Iterable[str], *, stdin: TextIO | None = None) -> ModelInput:
    """Read and decode ``paths``; ``errors`` holds read errors and decode problems in input order."""
    loaded = load(list(paths), stdin=stdin)
    objects = []
    errors = [e for e in loaded.errors if not isinstance(e, Skipped)]
    notes = [e.headline() for e in loaded.errors if isinstance(e, Skipped)]
    first_seen: dict[tuple, str] = {}
    for manifest in loaded.manifests:
        if not is_kubernetes_object(manifest):
            notes.append(f"{manifest.file}:{manifest.line}:{manifest.column}: note: not a Kubernetes object "
                         f"(a tool's configuration, or no apiVersion and kind); skipped")
            continue
        decoded = decode_manifest(manifest)
        if decoded.problems:
            errors += [problem.to_read_error() for problem in decoded.problems]
            continue
        refused = _rejected_by_the_api_server(decoded.obj, manifest)
        if refused:
            errors += refused
            continue
        key = _identity(decoded.obj)
        if key in first_seen:
            errors.append(ReadError(f"{key[1]} {'/'.join(p for p in key[2:] if p)} is defined twice: here and at "
                                    f"{first_seen[key]}; the model holds one object per name (kustomize bases and "
                                    f"overlays: give the rendered output)", manifest.node.source, manifest.node.start))
            continue
        first_seen[key] = f"{manifest.file}:{manifest.line}:{manifest.column}"
        objects.append(decoded.obj)
    return ModelInput(objects=tuple(objects), errors=tuple(errors), notes=tuple(notes))


def _rejected_by_the_api_server(obj, manifest) -> list[ReadError]:
    """The API server's validation errors for ``obj`` (``kspec validate``'s semantic checks of
    severity error): the model runs only objects the API server would accept, so a
    DaemonSet whose selector misses its template never spins up pods it cannot count."""
    from kspec.validation.schema import object_id
    from kspec.validation.semantic import run_semantic

    errors = []
    for finding in run_semantic(obj, object_id(manifest), manifest.node):
        if finding.severity == "error":
            error = ReadError(f"{finding.message} [{finding.rule}]", path=finding.file, line=finding.line,
                              column=finding.column)
            error.excerpt = manifest.node.source.line_text(finding.line)
            errors.append(error)
    return errors


# Files that are YAML but never Kubernetes objects, whatever they contain.
_NOT_OBJECT_FILES = {"kustomization.yaml", "kustomization.yml", "Kustomization", "Chart.yaml",
                     "values.yaml", "values.yml", ".pre-commit-config.yaml", ".pre-commit-hooks.yaml"}
# Tool configurations that look like objects but are never sent to the API server.
_NOT_OBJECT_GROUPS = {"kustomize.config.k8s.io", "config.kubernetes.io", "kpt.dev"}
_NOT_OBJECT_KINDS = {("v1", "Config")}  # a kubeconfig


def is_kubernetes_object(manifest: Manifest) -> bool:
    """Whether a document is meant for the API server: not a tool's file (kustomization.yaml,
    Chart.yaml, values.yaml, a kubeconfig, kpt/kustomize function configs) and with an
    apiVersion or a kind."""
    if os.path.basename(manifest.file) in _NOT_OBJECT_FILES:
        return False
    api_version, kind = manifest.field("apiVersion"), manifest.field("kind")
    if isinstance(api_version, str) and (api_version.rpartition("/")[0] in _NOT_OBJECT_GROUPS
                                         or (isinstance(kind, str) and (api_version, kind) in _NOT_OBJECT_KINDS)):
        return False
    return api_version is not None or kind is not None


def _identity(obj) -> tuple[str, str, str, str]:
    """(group, kind, namespace, name): two objects with the same are one object to the API server."""
    group = obj.api_version.rpartition("/")[0]
    return group, obj.kind, obj.metadata.namespace, obj.metadata.name


def load_objects(paths: Iterable[str]) -> tuple[list, list[ReadError]]:
    """Decoded objects of ``paths`` and every error that makes a model command refuse them."""
    found = load_model_input(paths)
    return list(found.objects), list(found.errors)
