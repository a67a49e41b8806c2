"""Declarative rules: the CEL engine, Kubernetes policies evaluated offline, kspec Rule files."""
