"""Object metadata shared by every kind (``metadata``, ``ownerReferences``)."""

from __future__ import annotations

import attrs

from kspec.api.decode import k8s, node_field
from kspec.api.types import EMPTY_MAP, FrozenMap
from kspec.reading.nodes import Mapping


@attrs.frozen(kw_only=True)
class OwnerReference:
    api_version: str = k8s("apiVersion", "")
    kind: str = k8s("kind", "")
    name: str = k8s("name", "")
    uid: str = k8s("uid", "")
    controller: bool = k8s("controller", False)
    block_owner_deletion: bool = k8s("blockOwnerDeletion", False)
    node: Mapping | None = node_field()


@attrs.frozen(kw_only=True)
class ObjectMeta:
    name: str = k8s("name", "")
    generate_name: str = k8s("generateName", "")
    namespace: str = k8s("namespace", "")
    labels: FrozenMap = k8s("labels", EMPTY_MAP)
    annotations: FrozenMap = k8s("annotations", EMPTY_MAP)
    uid: str = k8s("uid", "")
    resource_version: str = k8s("resourceVersion", "")
    generation: int = k8s("generation", 0, int64=True)
    owner_references: tuple[OwnerReference, ...] = k8s("ownerReferences", ())
    finalizers: tuple[str, ...] = k8s("finalizers", ())
    # Times on the model's logical clock (seconds); a timestamp string read from YAML decodes
    # to None: the model cannot place it on its clock.
    creation_timestamp: int | None = k8s("creationTimestamp", timestamp=True)
    deletion_timestamp: int | None = k8s("deletionTimestamp", timestamp=True)
    deletion_grace_period_seconds: int | None = k8s("deletionGracePeriodSeconds", int64=True)
    node: Mapping | None = node_field()

    def controller_ref(self) -> OwnerReference | None:
        """The owner reference with ``controller: true``, as upstream ``GetControllerOf``."""
        return next((ref for ref in self.owner_references if ref.controller), None)


EMPTY_META = ObjectMeta()
