"""kspec's built-in rule and invariant library, shipped as package data (``kspec.properties``)."""
