"""kspec: turn Kubernetes manifests into a formal model and check it."""

from kspec.reading import (Document, Mapping, Node, ReadError, Scalar, Sequence, read_stream,
                           read_yaml, to_python)

__version__ = "0.1.0"

__all__ = ["Document", "Mapping", "Node", "ReadError", "Scalar", "Sequence", "read_stream",
           "read_yaml", "to_python", "__version__"]
