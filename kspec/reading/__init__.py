"""Reading manifests: kspec's own YAML reader (Lark) with positions, and the loader."""

from kspec.reading.errors import ReadError
from kspec.reading.nodes import Document, Mapping, Node, Scalar, Sequence, to_python
from kspec.reading.parser import read_stream, read_yaml
from kspec.reading.source import Source

__all__ = ["Document", "Mapping", "Node", "ReadError", "Scalar", "Sequence", "Source",
           "read_stream", "read_yaml", "to_python"]
