"""volume-single-writer and volume-mounted-before-start: the bundled node-loss scenario
holds them under both engines; an attach/detach controller that does not wait for the
detach elsewhere is caught with a short trace."""

from pathlib import Path

import pytest

from kspec.check.command import load_objects
from kspec.check.engine import CheckOptions, check
from kspec.check.volume_invariants import volume_mounted_before_start, volume_single_writer
from kspec.controllers import volumes
from tests.check import mutants as m
from tests.controllers.helpers import state_of

MODELS = Path(__file__).resolve().parents[2] / "models"
PROPERTIES = ("volume-single-writer", "volume-mounted-before-start")

# A claim bound to an RWO volume still attached to a node that is gone, and a pod that
# needs it elsewhere: the shortest way to a second attachment.
STRANDED = """\
apiVersion: v1
kind: Node
metadata: {name: alive, labels: {kubernetes.io/hostname: alive}}
status: {allocatable: {cpu: "4", memory: 8Gi, pods: "110"}}
---
apiVersion: v1
kind: PersistentVolume
metadata: {name: pv-a}
spec:
  capacity: {storage: 1Gi}
  accessModes: [ReadWriteOnce]
  storageClassName: ""
  claimRef: {namespace: data, name: data-db-0}
status: {phase: Bound}
---
apiVersion: v1
kind: PersistentVolumeClaim
metadata: {name: data-db-0, namespace: data}
spec:
  accessModes: [ReadWriteOnce]
  storageClassName: ""
  volumeName: pv-a
  resources: {requests: {storage: 1Gi}}
status: {phase: Bound}
---
apiVersion: storage.k8s.io/v1
kind: VolumeAttachment
metadata: {name: pv-a-gone}
spec:
  attacher: csi.kspec.dev
  nodeName: gone
  source: {persistentVolumeName: pv-a}
status: {attached: true}
---
apiVersion: v1
kind: Pod
metadata: {name: db-0, namespace: data}
spec:
  containers: [{name: db, image: "postgres:17"}]
  volumes:
  - name: data
    persistentVolumeClaim: {claimName: data-db-0}
"""


def attaching_anywhere():
    """An attach/detach controller that never reports a Multi-Attach error."""
    return m.patching("attachdetach", volumes, is_exclusive=lambda pv: False)


def _objects(text: str) -> list:
    from tests.controllers.helpers import objects

    return objects(text)


def test_the_properties_on_states():
    """Two attachments of one RWO volume break single-writer; a running pod whose volume is
    not mounted breaks mounted-before-start."""
    state = state_of(STRANDED + STRANDED.split("---\n")[3].replace("pv-a-gone", "pv-a-alive").replace(
        "nodeName: gone", "nodeName: alive").join(["---\n", ""]))
    found = list(volume_single_writer(state))
    assert [v.message for v in found] == ["ReadWriteOnce volume attached to 2 nodes: alive, gone"]
    assert list(volume_mounted_before_start(state_of(STRANDED))) == []


@pytest.mark.parametrize("engine", ["random", "exhaustive"])
def test_the_real_controller_waits_for_the_detach(engine):
    """With the real controllers the pod waits (Multi-Attach) and nothing breaks."""
    result = check(_objects(STRANDED), CheckOptions(engine=engine, depth=6, max_examples=30, seed=3,
                                                    properties=PROPERTIES))
    assert result.result == "pass", result.violations


def test_exhaustive_catches_the_broken_controller_in_two_moves():
    """Bind the pod, attach its volume next to the stale attachment: depth 2, the shortest trace."""
    assert check(_objects(STRANDED), CheckOptions(engine="exhaustive", depth=1, properties=PROPERTIES),
                 actors=attaching_anywhere()).result == "pass"
    result = check(_objects(STRANDED), CheckOptions(engine="exhaustive", depth=2, properties=PROPERTIES),
                   actors=attaching_anywhere())
    violation = result.violations[0]
    assert violation.property == "volume-single-writer" and violation.object == "PersistentVolume/pv-a"
    assert [(s.actor, s.action) for s in violation.trace] == [("scheduler", "bind to alive"),
                                                              ("attachdetach", "create")]


@pytest.mark.parametrize("engine", ["random", "exhaustive"])
def test_bundled_node_loss_scenario_holds_single_writer(engine):
    """models/volumes (StatefulSet on RWO volumes, nodeFailure faults, a node deleted for
    good) keeps volume-single-writer under both engines, from the deployed cluster."""
    objects, errors = load_objects([str(MODELS / "volumes")])
    assert not errors
    result = check(objects, CheckOptions(engine=engine, start="settled", depth=6 if engine == "exhaustive" else 30,
                                         max_examples=40, seed=2))
    assert result.result == "pass", result.violations
    assert "volume-single-writer" in result.properties and result.faults == ("nodeFailure",)


def test_random_engine_catches_the_broken_controller_in_the_bundled_scenario():
    """From the deployed cluster, the node loss and the recreated pod lead the broken
    controller to a second attachment; the shrunk trace ends with that attach."""
    objects, _ = load_objects([str(MODELS / "volumes")])
    result = check(objects, CheckOptions(engine="random", start="settled", seed=4, properties=PROPERTIES),
                   actors=attaching_anywhere())
    violation = result.violations[0]
    assert violation.property == "volume-single-writer"
    assert violation.trace[-1].actor == "attachdetach" and violation.trace[-1].action == "create"
    assert len(violation.trace) <= 16, [(s.actor, s.action, s.object) for s in violation.trace]
