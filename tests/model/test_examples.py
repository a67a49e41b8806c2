"""The bundled examples run to quiescence, and what they promise holds at every step.

Every intermediate state is observed by wrapping the actors: each one's view before it
decides is recorded, so no state of the run is missed.
"""

from pathlib import Path

import pytest

from kspec.api.others import Scenario
from kspec.api.registry import decode_object
from kspec.controllers.common import is_pod_ready
from kspec.controllers.endpoints import service_backends
from kspec.model.actors import default_actors
from kspec.model.cluster import initial_state
from kspec.model.run import Actor, run
from kspec.model.scenario import scenario_events
from kspec.reading.loader import load

MODELS = Path(__file__).resolve().parents[2] / "models"


def simulate(example: str, until: int = 0):
    loaded = load([str(MODELS / example)])
    assert not loaded.errors
    objects = [decode_object(m) for m in loaded.manifests]
    events = [e for o in objects if isinstance(o, Scenario) for e in scenario_events(o)]
    seen = []

    def recording(actor: Actor) -> Actor:
        def reconcile(view):
            seen.append(view)
            return actor.reconcile(view)
        return Actor(actor.name, reconcile, actor.wakeup, actor.periodic)

    result = run(initial_state(objects), tuple(recording(a) for a in default_actors()), events, until=until)
    return result, seen


def live_pods(state, namespace: str, app: str):
    return [p for p in state.list("Pod", namespace)
            if p.metadata.labels.get("app") == app and p.metadata.deletion_timestamp is None]


def test_web_rolls_out_a_new_image_within_surge_and_availability():
    """models/web: the image update at t=60 rolls out 4 replicas with at most 5 pods and at
    least 3 ready at every step (maxSurge 25% -> 1, maxUnavailable 25% -> 1), and the
    Service routes to the 4 new pods at the end."""
    result, seen = simulate("web")
    assert result.converged
    for state in seen:
        if state.clock >= 60:
            pods = live_pods(state, "shop", "web")
            assert len(pods) <= 5
            assert sum(is_pod_ready(p) for p in pods) >= 3
    final = live_pods(result.state, "shop", "web")
    assert sorted(p.spec.containers[0].image for p in final) == ["nginx:1.28"] * 4
    service = result.state.get("Service", "shop", "web")
    assert sorted(service_backends(result.state, service)) == sorted(p.status.pod_ip for p in final)
    deployment = result.state.get("Deployment", "shop", "web")
    assert (deployment.status.updated_replicas, deployment.status.available_replicas) == (4, 4)


def test_database_starts_ordinals_in_order_each_after_its_predecessor_is_ready():
    """models/database: db-0, db-1, db-2 are created in order, each only once all lower
    ordinals are Running and Ready (OrderedReady); each gets its own bound claim."""
    result, seen = simulate("database")
    assert result.converged
    created = [s.object for s in result.timeline if s.action == "create" and s.object.startswith("Pod/")]
    assert created == ["Pod/data/db-0", "Pod/data/db-1", "Pod/data/db-2"]
    for state in seen:
        ordinals = sorted(int(p.metadata.name.rsplit("-", 1)[1]) for p in state.list("Pod", "data"))
        for ordinal in ordinals:
            lower = [state.get("Pod", "data", f"db-{i}") for i in range(ordinal)]
            assert all(p is not None and is_pod_ready(p) for p in lower), (state.clock, ordinal)
    claims = result.state.list("PersistentVolumeClaim", "data")
    assert [c.metadata.name for c in claims] == ["data-db-0", "data-db-1", "data-db-2"]
    assert all(c.status.phase == "Bound" for c in claims)


def test_batch_daemonset_covers_every_node_and_the_job_respects_parallelism():
    """models/batch: one log agent per node; the migration Job never runs more than 2 pods
    at once and completes 3."""
    result, seen = simulate("batch")
    assert result.converged
    agents = result.state.list("Pod", "ops")
    assert sorted(p.spec.node_name for p in agents if p.metadata.labels.get("app") == "log-agent") == \
        ["node-0", "node-1", "node-2"]
    for state in seen:
        active = [p for p in state.list("Pod", "ops") if p.metadata.name.startswith("migrate")
                  and p.status.phase in ("Pending", "Running") and p.metadata.deletion_timestamp is None]
        assert len(active) <= 2
    job = result.state.get("Job", "ops", "migrate")
    assert job.status.succeeded == 3 and any(c.type == "Complete" and c.status == "True" for c in job.status.conditions)


@pytest.mark.parametrize("until,expected", [(0, []), (900, ["report-10", "report-15", "report-5"])])
def test_batch_cronjob_runs_on_its_schedule_up_to_the_horizon(until, expected):
    """models/batch: the */5 CronJob creates a Job every 300 s, followed only up to --until."""
    result, _ = simulate("batch", until=until)
    jobs = sorted(j.metadata.name for j in result.state.list("Job", "ops") if j.metadata.name.startswith("report"))
    assert jobs == expected
