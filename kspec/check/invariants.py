"""The built-in invariants of ``kspec check``: importing this module registers them all.

Each family lives beside the controller it mirrors (``quota_invariants`` <-> admission's
ResourceQuota); this module only gathers them in a fixed order, so ``--list-properties``
and ``docs/properties.md`` are stable.
"""

from kspec.check import quota_invariants  # noqa: F401
