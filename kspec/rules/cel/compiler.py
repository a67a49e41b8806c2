"""CEL expressions parsed with ``grammar/cel.lark`` and compiled once to Python closures.

Each compiled node is ``f(activation) -> value`` (``activation``: a dict of variable
names to values). Errors are ``CelEvalError`` exceptions; ``&&``, ``||`` and the
comprehension macros absorb them where the spec says so (``false && error`` is false).
Macros (``has``, ``all``, ``exists``, ``exists_one``, ``map``, ``filter``, ``cel.bind``)
are expanded at compile time.
"""

from __future__ import annotations

import threading
from importlib import resources
from typing import Any, Callable

from lark import Lark, Token, Tree
from lark.exceptions import UnexpectedCharacters, UnexpectedEOF, UnexpectedInput, UnexpectedToken

from kspec.rules.cel import functions as fn
from kspec.rules.cel.values import INT_MAX, CelEvalError, CelType, Optional, UInt, check_int, lookup, type_name

Compiled = Callable[[dict], Any]
TWO_VARIABLE = ("all", "exists", "exists_one", "existsOne", "transformList", "transformMap", "transformMapEntry")
_local = threading.local()
TYPE_IDENTS = {"int": "int", "uint": "uint", "double": "double", "bool": "bool", "string": "string",
               "bytes": "bytes", "list": "list", "map": "map", "null_type": "null_type", "type": "type",
               "google.protobuf.Timestamp": "google.protobuf.Timestamp",
               "google.protobuf.Duration": "google.protobuf.Duration", "net.IP": "net.IP",
               "net.CIDR": "net.CIDR"}


class CelParseError(Exception):
    """A syntax error at ``line``:``column`` of the expression (1-based)."""

    def __init__(self, message: str, line: int, column: int):
        super().__init__(message)
        self.message, self.line, self.column = message, line, column


def parser() -> Lark:
    found = getattr(_local, "parser", None)
    if found is None:
        grammar = resources.files("kspec.grammar").joinpath("cel.lark").read_text(encoding="utf-8")
        found = _local.parser = Lark(grammar, parser="lalr", start="start", propagate_positions=False)
    return found


def parse(text: str) -> Tree:
    try:
        return parser().parse(text)
    except UnexpectedInput as error:
        line, column = getattr(error, "line", 1) or 1, getattr(error, "column", 1) or 1
        if isinstance(error, UnexpectedEOF) or (isinstance(error, UnexpectedToken) and error.token.type == "$END"):
            message = "unexpected end of expression"
            line, column = text.count("\n") + 1, len(text.rsplit("\n", 1)[-1]) + 1
        elif isinstance(error, UnexpectedCharacters):
            message = f"unexpected character {text[error.pos_in_stream]!r}" if error.pos_in_stream < len(text) \
                else "unexpected character"
        else:
            message = f"unexpected {error.token!s}" if isinstance(error, UnexpectedToken) else "syntax error"
        raise CelParseError(message, line, column) from None


# ---- literals ------------------------------------------------------------------------------------

_ESCAPES = {"a": "\a", "b": "\b", "f": "\f", "n": "\n", "r": "\r", "t": "\t", "v": "\v", "\\": "\\", "'": "'",
            '"': '"', "`": "`", "?": "?"}


def _unquote(token: str) -> tuple[str, bool]:
    """(body, raw) of a string literal token without prefix and quotes."""
    raw = False
    while token[0] in "rRbB":
        raw = raw or token[0] in "rR"
        token = token[1:]
    quote = token[:3] if token[:3] in ('"""', "'''") else token[0]
    return token[len(quote):-len(quote)], raw


def _decode(body: str, as_bytes: bool) -> str | bytes:
    out: list = []
    i = 0
    while i < len(body):
        c = body[i]
        if c != "\\":
            out.append(c.encode("utf-8") if as_bytes else c)
            i += 1
            continue
        nxt = body[i + 1] if i + 1 < len(body) else ""
        if nxt in _ESCAPES:
            out.append(_ESCAPES[nxt].encode() if as_bytes else _ESCAPES[nxt])
            i += 2
        elif nxt in "xX":
            value = int(body[i + 2:i + 4], 16)
            out.append(bytes([value]) if as_bytes else chr(value))
            i += 4
        elif nxt == "u" or nxt == "U":
            width = 4 if nxt == "u" else 8
            code = int(body[i + 2:i + 2 + width], 16)
            if as_bytes or 0xD800 <= code <= 0xDFFF or code > 0x10FFFF:
                raise CelParseError(f"invalid escape \\{nxt} in literal", 1, 1)
            out.append(chr(code))
            i += 2 + width
        elif nxt in "01234567":
            value = int(body[i + 1:i + 4], 8)
            out.append(bytes([value]) if as_bytes else chr(value))
            i += 4
        else:
            raise CelParseError(f"invalid escape \\{nxt}", 1, 1)
    if as_bytes:
        return b"".join(out)
    return "".join(out)


def string_literal(token: str) -> str:
    body, raw = _unquote(token)
    return body if raw else _decode(body, False)


def bytes_literal(token: str) -> bytes:
    body, raw = _unquote(token)
    return body.encode("utf-8") if raw else _decode(body, True)


# ---- the compiler --------------------------------------------------------------------------------

def _const(value):
    return lambda act: value


def _lookup_name(name: str) -> Compiled:
    def run(act):
        try:
            return act[name]
        except KeyError:
            if name in TYPE_IDENTS:
                return CelType(TYPE_IDENTS[name])
            raise CelEvalError(f"undeclared reference to '{name}'") from None
    return run


_RESERVED = {"as", "break", "const", "continue", "else", "false", "for", "function", "if", "import", "in", "let",
             "loop", "package", "namespace", "null", "return", "true", "var", "void", "while"}


def _field(token) -> str:
    """A field name, with Kubernetes' escaping of property names undone
    (``__namespace__`` -> ``namespace``, ``a__dash__b`` -> ``a-b``)."""
    text = str(token)
    if text.startswith("`"):
        return text[1:-1]
    if text.startswith("__") and text.endswith("__") and text[2:-2] in _RESERVED:
        return text[2:-2]
    if "__" in text:
        for escaped, plain in (("__underscores__", "\0"), ("__dash__", "-"), ("__dot__", "."), ("__slash__", "/")):
            text = text.replace(escaped, plain)
        text = text.replace("\0", "__")
    return text


def _dotted(node) -> str | None:
    """``a.b.c`` when the node is a chain of plain identifiers, else None."""
    if isinstance(node, Tree) and node.data in ("ident", "root_ident"):
        return str(node.children[0])
    if isinstance(node, Tree) and node.data == "select":
        head = _dotted(node.children[0])
        return f"{head}.{node.children[1]}" if head is not None else None
    return None


def _select(value, field: str):
    if isinstance(value, dict):
        found, result = lookup(value, field)
        if not found:
            raise CelEvalError(f"no such key: {field}")
        return result
    if isinstance(value, Optional):
        if not value.present:
            return value
        inner = value.value
        if isinstance(inner, dict):
            found, result = lookup(inner, field)
            return Optional(result, True) if found else Optional()
        raise CelEvalError("no_such_field")
    raise CelEvalError(f"no_such_field: {field} on {type_name(value)}")


def _bool(value) -> bool:
    if not isinstance(value, bool):
        raise CelEvalError("no_such_overload")
    return value


def _undeclared(name: str) -> Compiled:
    def run(act):
        raise CelEvalError(f"undeclared reference to function '{name}'")
    return run


class Compiler:
    def __init__(self):
        self.locals: set[str] = set()

    def compile(self, node) -> Compiled:
        if isinstance(node, Token):
            raise CelEvalError(f"unexpected token {node}")
        method = getattr(self, node.data, None)
        if method is None:
            raise CelParseError(f"unsupported syntax {node.data}", 1, 1)
        return method(node)

    # literals
    def int_(self, node):
        text = str(node.children[0])
        value = int(text, 16) if text.lower().startswith("0x") else int(text)
        if value > INT_MAX:
            raise CelParseError("integer literal out of range", 1, 1)
        return _const(value)

    def uint_(self, node):
        text = str(node.children[0])[:-1]
        value = int(text, 16) if text.lower().startswith("0x") else int(text)
        if value > 2 ** 64 - 1:
            raise CelParseError("unsigned integer literal out of range", 1, 1)
        return _const(UInt(value))

    def float_(self, node):
        return _const(float(str(node.children[0])))

    def string_(self, node):
        return _const(string_literal(str(node.children[0])))

    def bytes_(self, node):
        return _const(bytes_literal(str(node.children[0])))

    def true_(self, node):
        return _const(True)

    def false_(self, node):
        return _const(False)

    def null_(self, node):
        return _const(None)

    # names
    def ident(self, node):
        return _lookup_name(str(node.children[0]))

    def root_ident(self, node):
        return _lookup_name(str(node.children[0]))

    def select(self, node):
        dotted = _dotted(node)
        target, field = self.compile(node.children[0]), _field(node.children[1])
        head = dotted.split(".", 1)[0] if dotted is not None else None
        if dotted is not None and head not in self.locals:  # a qualified name may be a variable (``a.b.c``)
            def run(act):
                if dotted in act:
                    return act[dotted]
                if dotted in TYPE_IDENTS:
                    return CelType(TYPE_IDENTS[dotted])
                return _select(target(act), field)
            return run
        return lambda act: _select(target(act), field)

    def opt_select(self, node):
        target, field = self.compile(node.children[0]), _field(node.children[1])

        def run(act):
            value = target(act)
            if isinstance(value, Optional):
                return _select(value, field)
            if isinstance(value, dict):
                found, result = lookup(value, field)
                return Optional(result, True) if found else Optional()
            raise CelEvalError("no_such_field")
        return run

    def index(self, node):
        target, key = self.compile(node.children[0]), self.compile(node.children[1])
        return lambda act: fn.index(target(act), key(act))

    def opt_index(self, node):
        target, key = self.compile(node.children[0]), self.compile(node.children[1])

        def run(act):
            value, k = target(act), key(act)
            if isinstance(value, Optional):
                if not value.present:
                    return value
                value = value.value
            try:
                return Optional(fn.index(value, k), True)
            except CelEvalError:
                if isinstance(value, (dict, list)):
                    return Optional()
                raise
        return run

    # operators
    def not_(self, node):
        inner = self.compile(node.children[0])
        return lambda act: fn.not_(inner(act))

    def neg(self, node):
        child = node.children[0]
        if isinstance(child, Tree) and child.data == "int_":  # -9223372036854775808 is a literal
            text = str(child.children[0])
            value = -(int(text, 16) if text.lower().startswith("0x") else int(text))
            try:
                return _const(check_int(value))
            except CelEvalError:
                raise CelParseError("integer literal out of range", 1, 1) from None
        inner = self.compile(child)
        return lambda act: fn.neg(inner(act))

    def binop(self, node):
        left, op, right = self.compile(node.children[0]), str(node.children[1]), self.compile(node.children[2])
        f = fn.BINARY[op]
        return lambda act: f(left(act), right(act))

    relop = binop

    def and_(self, node):
        left, right = self.compile(node.children[0]), self.compile(node.children[1])

        def run(act):
            try:
                a = _bool(left(act))
            except CelEvalError as error:
                b = _bool(right(act))
                if b is False:
                    return False
                raise error
            if not a:
                return False
            return _bool(right(act))
        return run

    def or_(self, node):
        left, right = self.compile(node.children[0]), self.compile(node.children[1])

        def run(act):
            try:
                a = _bool(left(act))
            except CelEvalError as error:
                b = _bool(right(act))
                if b is True:
                    return True
                raise error
            if a:
                return True
            return _bool(right(act))
        return run

    def ternary(self, node):
        cond, yes, no = (self.compile(c) for c in node.children)
        return lambda act: yes(act) if _bool(cond(act)) else no(act)

    # aggregates
    def list_(self, node):
        items_node = node.children[0]
        if items_node is None:
            return lambda act: []
        parts = []
        for item in items_node.children:
            optional = isinstance(item, Tree) and item.data == "opt_item"
            parts.append((optional, self.compile(item.children[0])))

        def run(act):
            out = []
            for optional, part in parts:
                value = part(act)
                if optional:
                    if not isinstance(value, Optional):
                        raise CelEvalError("no_such_overload")
                    if value.present:
                        out.append(value.value)
                else:
                    out.append(value)
            return out
        return run

    def map_(self, node):
        inits = node.children[0]
        if inits is None:
            return lambda act: {}
        parts = [(init.data == "opt_mapinit", self.compile(init.children[0]), self.compile(init.children[1]))
                 for init in inits.children]

        def run(act):
            out: dict = {}
            for optional, k, v in parts:
                key, value = k(act), v(act)
                if isinstance(key, (list, dict, float)) or key is None:
                    raise CelEvalError("unsupported key type")
                if optional:
                    if not isinstance(value, Optional):
                        raise CelEvalError("no_such_overload")
                    if not value.present:
                        continue
                    value = value.value
                if lookup(out, key)[0]:
                    raise CelEvalError(f"Failed with repeated key: {key!r}")
                out[key] = value
            return out
        return run

    def message(self, node):
        raise CelParseError("message construction (protocol buffers) is not supported", 1, 1)

    # calls and macros
    def _args(self, exprlist) -> list:
        return [] if exprlist is None else list(exprlist.children)

    def call(self, node):
        name, args = str(node.children[0]), self._args(node.children[1])
        return self._call(name, args)

    def root_call(self, node):
        return self.call(node)

    def _call(self, name: str, args: list) -> Compiled:
        if name == "has" and len(args) == 1:
            return self._has(args[0])
        compiled = [self.compile(a) for a in args]
        function = fn.FUNCTIONS.get(name)
        if function is None:
            return _undeclared(name)  # a runtime error, as an unbound function is
        if len(compiled) == 1:
            a0 = compiled[0]
            return lambda act: function(a0(act))
        return lambda act: function(*(c(act) for c in compiled))

    def _has(self, arg) -> Compiled:
        if not (isinstance(arg, Tree) and arg.data == "select"):
            raise CelParseError("invalid argument to has() macro", 1, 1)
        target, field = self.compile(arg.children[0]), _field(arg.children[1])

        def run(act):
            value = target(act)
            if isinstance(value, dict):
                return lookup(value, field)[0]
            raise CelEvalError(f"no_such_field: has() on {type_name(value)}")
        return run

    def method(self, node):
        target_node, name, args = node.children[0], str(node.children[1]), self._args(node.children[2])
        qualified = _dotted(target_node)
        if qualified is not None and f"{qualified}.{name}" in fn.FUNCTIONS and qualified not in ("self",):
            # ``math.greatest(...)``, ``base64.encode(...)``: namespaced functions
            if qualified == "cel" and name == "bind":
                return self._bind(args)
            return self._call(f"{qualified}.{name}", args)
        if qualified == "cel" and name == "bind":
            return self._bind(args)
        two = (len(args) >= 3 and all(isinstance(a, Tree) and a.data == "ident" for a in args[:2]))
        if name in TWO_VARIABLE and two:
            return self._comprehension2(name, self.compile(target_node), str(args[0].children[0]),
                                        str(args[1].children[0]), args[2:])
        if name in ("all", "exists", "exists_one", "existsOne", "map", "filter") and args and \
                isinstance(args[0], Tree) and args[0].data == "ident":
            kind = "exists_one" if name == "existsOne" else name
            return self._comprehension(kind, self.compile(target_node), str(args[0].children[0]), args[1:])
        target = self.compile(target_node)
        compiled = [self.compile(a) for a in args]
        function = fn.METHODS.get(name)
        if function is None:
            return _undeclared(name)
        if not compiled:
            return lambda act: function(target(act))
        if len(compiled) == 1:
            a0 = compiled[0]
            return lambda act: function(target(act), a0(act))
        return lambda act: function(target(act), *(c(act) for c in compiled))

    def _bind(self, args) -> Compiled:
        if len(args) != 3 or not (isinstance(args[0], Tree) and args[0].data == "ident"):
            raise CelParseError("cel.bind(name, value, expr) takes an identifier", 1, 1)
        name, init = str(args[0].children[0]), self.compile(args[1])
        (body,) = self._scoped((name,), [args[2]])

        def run(act):
            scope = dict(act)
            scope[name] = init(act)
            return body(scope)
        return run

    def _scoped(self, names, nodes) -> list:
        saved = set(self.locals)
        self.locals |= set(names)
        try:
            return [self.compile(n) for n in nodes]
        finally:
            self.locals = saved

    def _comprehension2(self, kind: str, target: Compiled, first: str, second: str, rest: list) -> Compiled:
        """Two-variable comprehensions: (index, value) over lists, (key, value) over maps."""
        parts = self._scoped((first, second), rest)

        def pairs(act):
            value = target(act)
            if isinstance(value, dict):
                return list(value.items())
            if isinstance(value, list):
                return list(enumerate(value))
            raise CelEvalError("no_such_overload")

        def each(act):
            scope = dict(act)
            for a, b in pairs(act):
                scope[first], scope[second] = a, b
                yield scope

        if kind in ("all", "exists"):
            pred, want = parts[0], kind == "exists"

            def run(act):
                error = None
                for scope in each(act):
                    try:
                        if _bool(pred(scope)) == want:
                            return want
                    except CelEvalError as e:
                        error = error or e
                if error is not None:
                    raise error
                return not want
            return run
        if kind in ("exists_one", "existsOne"):
            pred = parts[0]
            return lambda act: sum(1 for scope in each(act) if _bool(pred(scope))) == 1
        keep = parts[0] if len(parts) == 2 else None
        transform = parts[-1]
        if kind == "transformList":
            return lambda act: [transform(scope) for scope in each(act) if keep is None or _bool(keep(scope))]

        def run_map(act):
            out = {}
            for scope in each(act):
                if keep is None or _bool(keep(scope)):
                    if kind == "transformMapEntry":
                        entry = transform(scope)
                        if not isinstance(entry, dict):
                            raise CelEvalError("no_such_overload")
                        for k, v in entry.items():
                            if lookup(out, k)[0]:
                                raise CelEvalError(f"insert failed: key {k!r} already exists")
                            out[k] = v
                    else:
                        out[scope[first]] = transform(scope)
            return out
        return run_map

    def _comprehension(self, kind: str, target: Compiled, var: str, rest: list) -> Compiled:
        parts = self._scoped((var,), rest)
        if kind in ("all", "exists", "exists_one", "filter") and len(parts) != 1:
            raise CelParseError(f"{kind}() takes a variable and a predicate", 1, 1)
        if kind == "map" and len(parts) not in (1, 2):
            raise CelParseError("map() takes a variable, an optional filter and a transform", 1, 1)

        def items(act):
            value = target(act)
            if isinstance(value, dict):
                return list(value)
            if isinstance(value, list):
                return value
            raise CelEvalError("no_such_overload")

        if kind == "all":
            pred = parts[0]

            def run(act):
                error = None
                scope = dict(act)
                for item in items(act):
                    scope[var] = item
                    try:
                        if not _bool(pred(scope)):
                            return False
                    except CelEvalError as e:
                        error = error or e
                if error is not None:
                    raise error
                return True
            return run
        if kind == "exists":
            pred = parts[0]

            def run(act):
                error = None
                scope = dict(act)
                for item in items(act):
                    scope[var] = item
                    try:
                        if _bool(pred(scope)):
                            return True
                    except CelEvalError as e:
                        error = error or e
                if error is not None:
                    raise error
                return False
            return run
        if kind == "exists_one":
            pred = parts[0]

            def run(act):
                scope = dict(act)
                count = 0
                for item in items(act):
                    scope[var] = item
                    if _bool(pred(scope)):
                        count += 1
                return count == 1
            return run
        if kind == "filter":
            pred = parts[0]

            def run(act):
                scope = dict(act)
                out = []
                for item in items(act):
                    scope[var] = item
                    if _bool(pred(scope)):
                        out.append(item)
                return out
            return run
        transform = parts[-1]
        keep = parts[0] if len(parts) == 2 else None

        def run(act):
            scope = dict(act)
            out = []
            for item in items(act):
                scope[var] = item
                if keep is None or _bool(keep(scope)):
                    out.append(transform(scope))
            return out
        return run


def compile_text(text: str) -> Compiled:
    return Compiler().compile(parse(text))

