"""models/quota: a rollout stalled by a ResourceQuota, through `kspec simulate --format json`."""

import json
from pathlib import Path

from kspec.api.core import Pod
from kspec.api.quantity import Quantity
from kspec.api.resources import ResourceList
from kspec.cli import main

MODELS = Path(__file__).resolve().parents[2] / "models"


def test_rollout_stalls_on_the_quota_with_the_reason_in_the_timeline(capsys):
    """Quota room for exactly 3 pods, maxSurge 1 / maxUnavailable 0: after the image update the
    surge pod is refused with upstream's exceeded-quota reason, the 3 old pods keep running, no
    new pod is ever created, and the run settles (exit 0: the stall is a stable state)."""
    code = main(["simulate", str(MODELS / "quota"), "--format", "json"])
    data = json.loads(capsys.readouterr().out)
    assert code == 0 and data["converged"]
    refused = [s for s in data["timeline"] if not s["ok"]]
    assert refused and all(s["actor"] == "replicaset" and s["action"] == "create" for s in refused)
    assert all(s["clock"] >= 60 for s in refused)  # the first rollout fits the quota exactly
    first = refused[0]
    assert first["object"].startswith("Pod/team-a/api-")
    assert first["message"] == (f'pods "{first["object"].rsplit("/", 1)[1]}" is forbidden: exceeded quota: compute, '
                                'requested: pods=1,requests.cpu=250m, used: pods=3,requests.cpu=750m, '
                                'limited: pods=3,requests.cpu=750m')
    (api,) = data["workloads"]
    assert (api["desired"], api["current"], api["ready"], api["updated"]) == (3, 3, 3, 0)
    running = [p for p in data["pods"] if p["object"].startswith("Pod/team-a/api-")]
    assert len(running) == 3 and all(p["ready"] for p in running)


def test_the_limit_range_bounds_are_enforced_on_the_example_pods():
    """The example's LimitRange admits its pods (within min/max) and refuses one above max."""
    import attrs

    from kspec.api.registry import decode_object
    from kspec.model.cluster import initial_state
    from kspec.model.store import Create, apply
    from kspec.reading.loader import load

    objects = [decode_object(m) for m in load([str(MODELS / "quota" / "policy.yaml")]).manifests]
    deployment = next(decode_object(m) for m in load([str(MODELS / "quota" / "api.yaml")]).manifests
                      if m.field("kind") == "Deployment")
    template = deployment.spec.template
    pod = Pod(metadata=attrs.evolve(template.metadata, name="p", namespace="team-a"), spec=template.spec)
    state = initial_state(objects)
    assert apply(state, Create(pod)).ok
    big = attrs.evolve(pod.spec.containers[0], resources=attrs.evolve(
        pod.spec.containers[0].resources, limits=ResourceList({"cpu": Quantity.parse(2)})))
    outcome = apply(state, Create(attrs.evolve(pod, spec=attrs.evolve(pod.spec, containers=(big,)))))
    assert outcome.message == 'pods "p" is forbidden: maximum cpu usage per Container is 1, but limit is 2'


def test_the_example_validates_without_errors(capsys):
    """`kspec validate models/quota` reports no error (best-practice warnings aside)."""
    assert main(["validate", "--severity", "error", str(MODELS / "quota")]) == 0
    assert capsys.readouterr().out.startswith("no findings")
