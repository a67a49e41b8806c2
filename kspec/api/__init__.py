"""Typed Kubernetes objects (attrs, frozen) decoded from read documents, and the value types they use."""
