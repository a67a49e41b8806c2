"""The PV controller against upstream pkg/controller/volume/persistentvolume behaviour."""

import attrs

from kspec.controllers import kubelet, pvbinder, scheduler
from kspec.model.events import ApplyObject, DeleteObject
from kspec.model.run import Actor, run
from kspec.model.store import Delete, apply
from tests.controllers.helpers import objects, state_of

PV = Actor(pvbinder.NAME, pvbinder.reconcile)
ACTORS = (Actor(scheduler.NAME, scheduler.reconcile), Actor(kubelet.NAME, kubelet.reconcile, kubelet.wakeup), PV)


def pv(name: str, size: str = "10Gi", modes: str = "[ReadWriteOnce]", cls: str = "", extra: str = "",
       labels: str = "{}", policy: str = "Retain") -> str:
    return (f"---\napiVersion: v1\nkind: PersistentVolume\nmetadata: {{name: {name}, labels: {labels}}}\n"
            f"spec:\n  capacity: {{storage: {size}}}\n  accessModes: {modes}\n  storageClassName: '{cls}'\n"
            f"  persistentVolumeReclaimPolicy: {policy}\n  hostPath: {{path: /x}}\n{extra}")


def pvc(name: str = "data", size: str = "5Gi", modes: str = "[ReadWriteOnce]", cls: str | None = "",
        extra: str = "") -> str:
    cls_line = "" if cls is None else f"  storageClassName: '{cls}'\n"
    return (f"---\napiVersion: v1\nkind: PersistentVolumeClaim\nmetadata: {{name: {name}, namespace: ns}}\n"
            f"spec:\n  accessModes: {modes}\n  resources: {{requests: {{storage: {size}}}}}\n{cls_line}{extra}")


def sc(name: str, provisioner: str = "ebs.csi.aws.com", default: bool = False, extra: str = "") -> str:
    annotations = "{storageclass.kubernetes.io/is-default-class: 'true'}" if default else "{}"
    return (f"---\napiVersion: storage.k8s.io/v1\nkind: StorageClass\nmetadata: {{name: {name}, "
            f"annotations: {annotations}}}\nprovisioner: {provisioner}\n{extra}")


def consumer(claim: str = "data") -> str:
    return (f"---\napiVersion: v1\nkind: Pod\nmetadata: {{name: app, namespace: ns}}\nspec:\n"
            f"  containers: [{{name: c, image: x}}]\n"
            f"  volumes: [{{name: d, persistentVolumeClaim: {{claimName: {claim}}}}}]\n")


def settle(text: str, actors=(PV,)):
    result = run(state_of(text), actors)
    assert result.converged
    return result.state


def bound_to(state, claim: str = "data") -> str | None:
    """The volume the claim is bound to (both sides Bound and pointing at each other), or None."""
    c = state.get("PersistentVolumeClaim", "ns", claim)
    if c.status.phase != "Bound" or not c.spec.volume_name:
        return None
    v = state.get("PersistentVolume", "", c.spec.volume_name)
    assert v.status.phase == "Bound" and (v.spec.claim_ref.namespace, v.spec.claim_ref.name) == ("ns", claim)
    return v.metadata.name


def test_binds_to_the_smallest_matching_volume_in_four_writes():
    """Static binding: the smallest Available volume with enough capacity; PV claimRef, PV Bound,
    PVC volumeName, PVC Bound, in that order."""
    state = state_of(pv("big", "100Gi") + pv("small", "8Gi") + pv("tiny", "1Gi") + pvc())
    result = run(state, (PV,))
    assert [(s.action, s.object) for s in result.timeline] == [
        ("update", "PersistentVolume/small"), ("update-status", "PersistentVolume/small"),
        ("update", "PersistentVolumeClaim/ns/data"), ("update-status", "PersistentVolumeClaim/ns/data")]
    assert bound_to(result.state) == "small"
    assert result.state.get("PersistentVolume", "", "big").status.phase == "Available"


def test_access_modes_must_all_be_offered_and_fewest_modes_win():
    """The volume must offer every requested mode; among those, the one with fewest modes is chosen."""
    state = settle(pv("rwo", modes="[ReadWriteOnce]") + pv("both", "5Gi", modes="[ReadWriteOnce, ReadOnlyMany]")
                   + pv("all", "5Gi", modes="[ReadWriteOnce, ReadOnlyMany, ReadWriteMany]")
                   + pvc(modes="[ReadOnlyMany]"))
    assert bound_to(state) == "both"
    state = settle(pv("rwo") + pvc(modes="[ReadWriteMany]"))
    assert bound_to(state) is None and state.get("PersistentVolumeClaim", "ns", "data").status.phase == "Pending"


def test_capacity_class_volume_mode_and_selector_must_match():
    """Too small, another class, Block vs Filesystem, or labels outside the selector: no binding."""
    assert bound_to(settle(pv("a", "4Gi") + pvc())) is None
    assert bound_to(settle(pv("a", cls="fast") + pvc())) is None
    assert bound_to(settle(pv("a", extra="  volumeMode: Block\n") + pvc())) is None
    selected = pvc(extra="  selector: {matchLabels: {tier: gold}}\n")
    assert bound_to(settle(pv("a") + selected)) is None
    assert bound_to(settle(pv("a") + pv("b", labels="{tier: gold}") + selected)) == "b"
    assert bound_to(settle(pv("a", cls="fast") + pvc(cls="fast"))) == "a"


def test_nil_class_means_the_default_class_and_empty_means_none():
    """storageClassName unset: the default StorageClass is written into the claim and used;
    '' binds only to volumes without a class; unset with no default behaves as ''."""
    state = settle(sc("std", provisioner=pvbinder.NO_PROVISIONER, default=True) + pv("classless")
                   + pv("std-vol", cls="std") + pvc(cls=None))
    assert state.get("PersistentVolumeClaim", "ns", "data").spec.storage_class_name == "std"
    assert bound_to(state) == "std-vol"
    state = settle(sc("std", provisioner=pvbinder.NO_PROVISIONER, default=True) + pv("classless")
                   + pv("std-vol", cls="std") + pvc(cls=""))
    assert bound_to(state) == "classless"
    state = settle(pv("classless") + pvc(cls=None))
    assert bound_to(state) == "classless" and state.get("PersistentVolumeClaim", "ns", "data").spec.storage_class_name is None


def test_newest_default_class_wins():
    """Several default classes: the most recently created one (upstream GetDefaultClass)."""
    state = state_of(sc("old", default=True) + pvc(cls=None))
    state = run(state, (), [ApplyObject(objects(sc("new", default=True))[0], at=5)]).state
    assert pvbinder.default_storage_class(state).metadata.name == "new"


def test_volume_name_prebinding():
    """A claim naming its volume binds to it, even if a smaller one fits; not if it does not satisfy the claim."""
    state = settle(pv("tiny", "6Gi") + pv("chosen", "50Gi") + pvc(extra="  volumeName: chosen\n"))
    assert bound_to(state) == "chosen"
    state = settle(pv("small", "1Gi") + pvc(extra="  volumeName: small\n"))
    assert bound_to(state) is None
    # the named volume does not exist yet: the claim waits, then binds when it appears
    state = settle(pv("other") + pvc(extra="  volumeName: later\n"))
    assert bound_to(state) is None
    result = run(state, (PV,), [ApplyObject(objects(pv("later"))[0], at=1)])
    assert bound_to(result.state) == "later"


def test_volume_reserved_by_claim_ref_goes_to_that_claim_only():
    """A volume whose claimRef names a claim is Available but binds only to that claim, first."""
    reserved = pv("reserved", "50Gi", extra="  claimRef: {namespace: ns, name: data}\n")
    state = settle(reserved + pv("fit", "5Gi") + pvc() + pvc("other"))
    assert bound_to(state, "data") == "reserved" and bound_to(state, "other") == "fit"
    assert state.get("PersistentVolume", "", "reserved").metadata.annotations.get(pvbinder.BOUND_BY_CONTROLLER) is None


def test_dynamic_provisioning_when_nothing_matches():
    """No matching volume and a class with a provisioner: pvc-<uid> with the requested size, the
    claim's modes and the class's reclaimPolicy, then bound."""
    state = settle(sc("fast", extra="reclaimPolicy: Retain\n") + pv("slow", cls="slow") + pvc(cls="fast"))
    name = bound_to(state)
    claim = state.get("PersistentVolumeClaim", "ns", "data")
    assert name == "pvc-" + claim.metadata.uid.replace("#", "").replace("/", "-") == "pvc-ns-data1"
    volume = state.get("PersistentVolume", "", name)
    assert str(volume.spec.capacity["storage"]) == "5Gi" and volume.spec.access_modes == ("ReadWriteOnce",)
    assert volume.spec.reclaim_policy == "Retain" and volume.spec.storage_class_name == "fast"
    assert volume.metadata.annotations[pvbinder.PROVISIONED_BY] == "ebs.csi.aws.com"


def test_no_provisioning_without_provisioner_with_selector_or_unknown_class():
    """kubernetes.io/no-provisioner, a claim selector, or a missing class: the claim stays Pending."""
    assert bound_to(settle(sc("local", provisioner=pvbinder.NO_PROVISIONER) + pvc(cls="local"))) is None
    assert bound_to(settle(sc("fast") + pvc(cls="fast", extra="  selector: {matchLabels: {a: b}}\n"))) is None
    assert bound_to(settle(pvc(cls="ghost"))) is None


def test_wait_for_first_consumer_binds_after_the_pod_is_scheduled():
    """WaitForFirstConsumer: nothing happens until a pod using the claim has a node, then it is provisioned."""
    text = sc("wffc", extra="volumeBindingMode: WaitForFirstConsumer\n") + pvc(cls="wffc")
    state = settle(text)
    assert state.list("PersistentVolume") == []
    state = settle(text + consumer(), ACTORS)
    assert bound_to(state) is not None
    # a static volume of that class also waits for the consumer
    static = sc("wffc", provisioner=pvbinder.NO_PROVISIONER, extra="volumeBindingMode: WaitForFirstConsumer\n")
    assert bound_to(settle(static + pv("local", cls="wffc") + pvc(cls="wffc"))) is None
    assert bound_to(settle(static + pv("local", cls="wffc") + pvc(cls="wffc") + consumer(), ACTORS)) == "local"


def test_released_volume_retain_stays_released_and_is_never_rebound():
    """Retain: the claim deleted, the volume is Released and a new claim does not get it."""
    state = settle(pv("keep") + pvc())
    result = run(state, (PV,), [DeleteObject("PersistentVolumeClaim", "ns", "data", at=1),
                                ApplyObject(objects(pvc("again"))[0], at=2)])
    volume = result.state.get("PersistentVolume", "", "keep")
    assert volume.status.phase == "Released" and volume.spec.claim_ref.name == "data"
    assert bound_to(result.state, "again") is None


def test_recreated_claim_does_not_inherit_the_released_volume():
    """A claim deleted and recreated under the same name is another claim (uid): the volume is Released."""
    state = settle(pv("keep") + pvc())
    claim = state.get("PersistentVolumeClaim", "ns", "data")
    fresh = attrs.evolve(claim, metadata=attrs.evolve(claim.metadata, uid="", resource_version=""),
                         spec=attrs.evolve(claim.spec, volume_name=""), status=attrs.evolve(claim.status, phase="Pending"))
    result = run(state, (PV,), [DeleteObject("PersistentVolumeClaim", "ns", "data", at=1), ApplyObject(fresh, at=1)])
    assert result.state.get("PersistentVolume", "", "keep").status.phase == "Released"
    assert bound_to(result.state) is None


def test_released_volume_delete_policy_deletes_it():
    """Delete: a provisioned volume goes with its claim (Released first)."""
    state = settle(sc("fast") + pvc(cls="fast"))
    name = bound_to(state)
    result = run(state, (PV,), [DeleteObject("PersistentVolumeClaim", "ns", "data", at=1)])
    steps = [(s.action, s.object) for s in result.timeline if s.actor == pvbinder.NAME]
    assert steps == [("update-status", f"PersistentVolume/{name}"), ("delete", f"PersistentVolume/{name}")]
    assert result.state.list("PersistentVolume") == []


def test_claim_is_lost_when_its_volume_disappears():
    """syncBoundClaim: a Bound claim whose volume was deleted turns Lost."""
    state = settle(pv("v") + pvc())
    state = apply(state, Delete("PersistentVolume", "", "v")).state
    state = run(state, (PV,)).state
    assert state.get("PersistentVolumeClaim", "ns", "data").status.phase == "Lost"


def test_one_volume_for_one_claim():
    """Two claims, one volume: exactly one gets it, the other stays Pending."""
    state = settle(pv("only") + pvc("a") + pvc("b"))
    assert [bound_to(state, "a"), bound_to(state, "b")] == ["only", None]


def test_reconcile_does_not_modify_its_view():
    """Decisions are pure: same hash and equal to a copy afterwards."""
    state = state_of(sc("fast", default=True) + pv("a") + pvc(cls=None) + pvc("b", cls="fast"))
    before, copy = hash(state), attrs.evolve(state)
    pvbinder.reconcile(state)
    assert hash(state) == before and state == copy
