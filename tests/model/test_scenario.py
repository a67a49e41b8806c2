"""Scenario events are read with positions; mistakes are caught at load time."""

import pytest

from kspec.model import events as ev
from kspec.model.scenario import scenario_events
from kspec.reading.errors import ReadError
from tests.controllers.helpers import objects

HEAD = "apiVersion: kspec.dev/v1alpha1\nkind: Scenario\nmetadata: {name: s}\nspec:\n  events:\n"


def read(events: str):
    (scenario,) = objects(HEAD + events)
    return scenario_events(scenario)


def test_every_event_type_reads_in_time_order():
    """Each event type becomes its event, sorted by `at`."""
    found = read("  - {at: 90, type: imageUpdate, target: Deployment/shop/web, container: web, image: 'nginx:2'}\n"
                 "  - {at: 30, type: nodeFailure, node: n1}\n"
                 "  - {at: 60, type: scale, target: Deployment/shop/web, replicas: 6}\n"
                 "  - {at: 120, type: podCrash, pod: shop/web-0}\n"
                 "  - {at: 150, type: metric, pod: shop/web-0, cpu: 400m}\n"
                 "  - {at: 180, type: delete, target: Deployment/shop/web, propagation: Foreground}\n"
                 "  - {at: 200, type: nodeRecovery, node: n1}\n"
                 "  - {at: 210, type: apply, object: {apiVersion: v1, kind: ConfigMap, metadata: {name: c}}}\n")
    assert [type(e) for e in found] == [ev.NodeFailure, ev.Scale, ev.ImageUpdate, ev.PodCrash, ev.MetricChange,
                                        ev.DeleteObject, ev.NodeRecovery, ev.ApplyObject]
    assert found[4].millicores == 400 and found[5].propagation == "Foreground"
    assert found[-1].obj.metadata.name == "c"


@pytest.mark.parametrize("event,line,column,message", [
    ("  - {at: 5, type: explode}\n", 6, 19, "unknown event type 'explode'"),
    ("  - {type: scale, target: web, replicas: 2}\n", 6, 27, "Kind/namespace/name"),
    ("  - {type: scale, target: Deployment/ns/web, replicas: -2}\n", 6, 56, "non-negative"),
    ("  - {type: nodeFailure}\n", 6, 5, "needs 'node'"),
    ("  - {type: metric, pod: ns/p, cpu: lots}\n", 6, 36, "quantity"),
])
def test_mistakes_point_at_the_event(event, line, column, message):
    """A bad event is a ReadError at its line and column."""
    with pytest.raises(ReadError) as error:
        read(event)
    assert (error.value.line, error.value.column) == (line, column)
    assert message in error.value.message
