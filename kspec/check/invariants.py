"""The built-in invariants of ``kspec check``: importing this module registers them all.

Each family lives beside the controllers it mirrors (``statefulset_invariants`` <->
``kspec.controllers.statefulset``, ``quota_invariants`` <-> admission's ResourceQuota);
this module only gathers them in a fixed order, so ``--list-properties`` and
``docs/properties.md`` are stable.
"""

from kspec.check import workload_invariants  # noqa: F401  (first: the others import its readers)
from kspec.check import statefulset_invariants  # noqa: F401
from kspec.check import cluster_invariants  # noqa: F401
from kspec.check import quota_invariants  # noqa: F401
from kspec.check import volume_invariants  # noqa: F401
from kspec.check.declared import register_builtin

register_builtin()  # the invariants written as files in properties/invariants
