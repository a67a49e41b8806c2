"""``kspec place``: exact placement queries proved with Z3; the only package that imports z3."""
