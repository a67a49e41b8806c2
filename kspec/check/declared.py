"""Invariants written as files: ``kind: Invariant`` (``kspec.dev/v1alpha1``), in CEL.

```yaml
apiVersion: kspec.dev/v1alpha1
kind: Invariant
metadata: {name: web-capacity}
spec:
  id: web-max-four                       # the property id (kspec check --property ID)
  title: web never runs more than four pods
  doc: Why, in a paragraph (shown by --list-properties --format markdown).
  scope: {kinds: [Deployment], namespaces: [shop], labelSelector: {matchLabels: {...}}}
  always: "pods.filter(p, !has(p.metadata.deletionTimestamp)).size() <= 4"
  # or  transition: "old == null || new == null || new.spec.replicas >= old.spec.replicas"
  # or  eventually: "object.status.readyReplicas == object.spec.replicas"
  message: "..."                         # or messageExpression
```

For each object in scope (matched like a Rule), the expression sees ``object`` (``new``
and ``old`` for ``transition``: the object after and before the step, null when absent),
``pods`` (the pods it controls, through ReplicaSets for a Deployment), ``cluster`` (kind ->
every object of that kind, computed on first use) and ``clock``. ``true`` holds.
"""

from __future__ import annotations

from typing import Iterable, Iterator

from kspec.api.encode import encode
from kspec.check.properties import PROPERTIES, Property, Violation
from kspec.model.state import ClusterState, object_ref
from kspec.reading.loader import Manifest
from kspec.reading.nodes import Mapping
from kspec.rules.cel import CelError, Program
from kspec.rules.ruleset import RuleFileError, _expression, _get, _plain

KINDS = {"always": "state", "transition": "transition", "eventually": "eventually"}


class _Cluster(dict):
    """kind -> objects as plain data, converted on first use."""

    def __init__(self, state: ClusterState):
        super().__init__()
        self._state = state

    def __contains__(self, kind):
        return bool(self._state.list(kind))

    def __getitem__(self, kind):
        if not dict.__contains__(self, kind):
            dict.__setitem__(self, kind, [encode(o) for o in self._state.list(kind)])
        return dict.__getitem__(self, kind)

    def get(self, kind, default=None):
        return self[kind]


def _pods(state: ClusterState, obj) -> list:
    owners = {obj.metadata.uid}
    if obj.kind == "Deployment":
        owners |= {rs.metadata.uid for rs in state.list("ReplicaSet", obj.metadata.namespace)
                   if (ref := rs.metadata.controller_ref()) is not None and ref.uid == obj.metadata.uid}
    return [encode(p) for p in state.list("Pod", obj.metadata.namespace)
            if (ref := p.metadata.controller_ref()) is not None and ref.uid in owners]


class DeclaredInvariant:
    def __init__(self, manifest: Manifest):
        from kspec.validation.ownkinds import own_kind_errors

        node = manifest.node
        for error in own_kind_errors(manifest):
            raise RuleFileError(f"Invariant {error.path or 'object'}: {error.message}", error.file, error.line,
                                error.column)
        spec = _get(node, "spec")
        if not isinstance(spec, Mapping):
            raise RuleFileError("an Invariant needs a spec", node.file, node.line, node.column)
        self.id = str(_plain(_get(spec, "id")) or manifest.field("metadata", "name") or "")
        if not self.id:
            raise RuleFileError("an Invariant needs spec.id", node.file, node.line, node.column)
        forms = [k for k in KINDS if _get(spec, k) is not None]
        if len(forms) != 1:
            raise RuleFileError("an Invariant has exactly one of always, transition, eventually",
                                spec.file, spec.line, spec.column)
        self.form = forms[0]
        self.program: Program = _expression(_get(spec, self.form), f"{self.id} {self.form}", spec)
        message_node = _get(spec, "messageExpression")
        self.message_program = _expression(message_node, f"{self.id} messageExpression", spec) \
            if message_node is not None else None
        self.message = str(_plain(_get(spec, "message")) or f"{self.id} does not hold")
        scope = _get(spec, "scope")
        self.kinds = tuple(_plain(_get(scope, "kinds")) or ())
        self.namespaces = tuple(_plain(_get(scope, "namespaces")) or ())
        selector = _plain(_get(scope, "labelSelector"))
        from kspec.api.selectors import LabelSelector

        self.selector = LabelSelector.from_python(selector) if selector is not None else None
        self.title = str(_plain(_get(spec, "title")) or self.id)
        self.doc = " ".join(str(_plain(_get(spec, "doc")) or self.title).split())
        self.file = manifest.file

    def in_scope(self, obj) -> bool:
        if self.kinds and obj.kind not in self.kinds:
            return False
        if self.namespaces and obj.metadata.namespace not in self.namespaces:
            return False
        return self.selector is None or self.selector.matches(obj.metadata.labels)

    def objects(self, state: ClusterState) -> list:
        kinds = self.kinds or tuple(state.kinds())
        return [o for kind in kinds for o in state.list(kind) if self.in_scope(o)]

    def _verdict(self, activation: dict, ref: str) -> Iterator[Violation]:
        try:
            ok = self.program.evaluate_raw(activation)
        except CelError as error:
            yield Violation(self.id, ref, f"could not be evaluated: {error}")
            return
        if ok is True:
            return
        message = self.message
        if self.message_program is not None:
            try:
                produced = self.message_program.evaluate_raw(activation)
                message = produced if isinstance(produced, str) and produced else message
            except CelError:
                pass
        yield Violation(self.id, ref, message)

    def check_state(self, state: ClusterState) -> Iterator[Violation]:
        cluster = _Cluster(state)
        for obj in self.objects(state):
            activation = {"object": encode(obj), "pods": _pods(state, obj), "cluster": cluster, "clock": state.clock}
            yield from self._verdict(activation, object_ref(obj))

    def check_transition(self, old: ClusterState, new: ClusterState) -> Iterator[Violation]:
        cluster = _Cluster(new)
        keys = {(o.kind, o.metadata.namespace, o.metadata.name) for o in self.objects(old) + self.objects(new)}
        for kind, namespace, name in sorted(keys):
            before, after = old.get(kind, namespace, name), new.get(kind, namespace, name)
            if before is not None and after is not None and before == after:
                continue
            current = after if after is not None else before
            activation = {"old": encode(before) if before is not None else None,
                          "new": encode(after) if after is not None else None,
                          "object": encode(current), "pods": _pods(new, current), "cluster": cluster,
                          "clock": new.clock}
            yield from self._verdict(activation, object_ref(current))

    def as_property(self) -> Property:
        check = self.check_transition if self.form == "transition" else self.check_state
        return Property(self.id, KINDS[self.form], self.title, self.doc, check,
                        lambda state: bool(self.objects(state)))


def load_invariants(paths: Iterable[str]) -> list[DeclaredInvariant]:
    from kspec.reading.loader import load

    loaded = load(list(paths))
    if loaded.errors:
        error = loaded.errors[0]
        raise RuleFileError(error.message, error.path, error.line or 1, error.column or 1)
    return [DeclaredInvariant(m) for m in loaded.manifests if m.field("kind") == "Invariant"]


def register(invariants: Iterable[DeclaredInvariant]) -> list[str]:
    """Add the invariants to the registry (an id already registered is an error)."""
    ids = []
    for inv in invariants:
        if inv.id in PROPERTIES:
            raise RuleFileError(f"property id {inv.id!r} is already defined", inv.file, 1, 1)
        PROPERTIES.add(inv.as_property())
        ids.append(inv.id)
    return ids




def register_builtin() -> list[str]:
    """The built-in invariants written as files (``properties/invariants``, package data)."""
    from importlib import resources

    from kspec.reading.loader import load_text

    found = []
    folder = resources.files("kspec.properties").joinpath("invariants")
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        if entry.name.endswith((".yaml", ".yml")):
            manifests, errors = load_text(entry.read_text(encoding="utf-8"), f"properties/invariants/{entry.name}")
            assert not errors, errors  # shipped with kspec; tests load every file
            found += [DeclaredInvariant(m) for m in manifests if m.field("kind") == "Invariant"]
    return register(inv for inv in found if inv.id not in PROPERTIES)
