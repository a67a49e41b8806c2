"""Controllers: one module each, each a pure ``reconcile(view) -> tuple[Action, ...]``."""
