"""Evaluate designers' expressions (conditions, parameters, timers, mappings) safely.

The language is Python expression syntax cut down to what a condition or a data mapping
needs, run by a small tree-walking interpreter over a whitelist of AST nodes — never by
`eval`. There are no imports, no lambdas, no comprehensions, no attribute access except a few
listed methods of str/dict/list, and no calls except listed functions; sizes and powers are
bounded so no expression can exhaust memory or CPU. `check` gives the same verdict statically.
"""

from __future__ import annotations

import ast
import operator
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta, timezone
from functools import lru_cache
from typing import Any

from engine.errors import InvalidInput, UnsafeExpression

MAX_LENGTH = 2_000  # characters in one expression
MAX_NODES = 300  # AST nodes in one expression
MAX_SIZE = 100_000  # longest string/list/tuple an operator may build
MAX_INT_BITS = 4_096  # largest integer arithmetic may build

_BINOPS: dict[type, Callable[[Any, Any], Any]] = {
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.Mult: operator.mul,
    ast.Div: operator.truediv,
    ast.FloorDiv: operator.floordiv,
    ast.Mod: operator.mod,
    ast.Pow: operator.pow,
}
_UNARYOPS: dict[type, Callable[[Any], Any]] = {
    ast.Not: operator.not_,
    ast.USub: operator.neg,
    ast.UAdd: operator.pos,
}
_CMPOPS: dict[type, Callable[[Any, Any], Any]] = {
    ast.Eq: operator.eq,
    ast.NotEq: operator.ne,
    ast.Lt: operator.lt,
    ast.LtE: operator.le,
    ast.Gt: operator.gt,
    ast.GtE: operator.ge,
    ast.In: lambda a, b: a in b,
    ast.NotIn: lambda a, b: a not in b,
    ast.Is: operator.is_,
    ast.IsNot: operator.is_not,
}
# Methods callable on values of these exact types; none can build more than its input's size.
SAFE_METHODS: dict[type, frozenset[str]] = {
    str: frozenset(
        "lower upper strip lstrip rstrip startswith endswith split count find "
        "title capitalize isdigit isalpha isalnum".split()
    ),
    dict: frozenset({"get", "keys", "values", "items"}),
    list: frozenset({"count", "index"}),
    tuple: frozenset({"count", "index"}),
}
_ALL_METHODS = frozenset().union(*SAFE_METHODS.values())
_ALLOWED_NODES = (
    ast.Expression, ast.Constant, ast.Name, ast.Load, ast.BinOp, ast.UnaryOp, ast.BoolOp,
    ast.Compare, ast.IfExp, ast.Call, ast.Subscript, ast.Slice, ast.Attribute, ast.List,
    ast.Tuple, ast.Dict, ast.Set, ast.And, ast.Or, ast.keyword,
    *_BINOPS, *_UNARYOPS, *_CMPOPS,
)  # fmt: skip
_FORBIDDEN_NAMES = frozenset(
    "eval exec compile open __import__ getattr setattr delattr globals locals vars dir "
    "type object super breakpoint input memoryview classmethod staticmethod property".split()
)


def _sum(values: Any, start: int | float = 0) -> Any:
    if not isinstance(start, int | float):
        raise TypeError("sum() chỉ cộng các số")
    return sum(values, start)


def _lower(value: Any) -> str:
    return str(value).lower()


def _upper(value: Any) -> str:
    return str(value).upper()


DEFAULT_FUNCTIONS: dict[str, Callable[..., Any]] = {
    "len": len, "min": min, "max": max, "abs": abs, "round": round, "int": int,
    "float": float, "str": str, "bool": bool, "sum": _sum, "any": any, "all": all,
    "sorted": sorted, "lower": _lower, "upper": _upper,
}  # fmt: skip


def _parse(expression: str) -> ast.Expression:
    """Parse with the size limits applied first; raise InvalidInput on syntax errors."""
    if not isinstance(expression, str):
        raise InvalidInput(f"biểu thức phải là văn bản, không phải {type(expression).__name__}")
    if len(expression) > MAX_LENGTH:
        raise InvalidInput(f"biểu thức quá dài ({len(expression)} ký tự, giới hạn {MAX_LENGTH})")
    if not expression.strip():
        raise InvalidInput("biểu thức trống")
    try:
        tree = ast.parse(expression.strip(), mode="eval")
    except (SyntaxError, ValueError, RecursionError, MemoryError) as exc:
        reason = getattr(exc, "msg", None) or str(exc) or type(exc).__name__
        raise InvalidInput(f"biểu thức {expression!r} không hợp lệ: {reason}") from None
    return tree


def _problems(tree: ast.AST) -> list[str]:
    """List every construct of `tree` the language forbids."""
    problems: list[str] = []
    nodes = list(ast.walk(tree))
    if len(nodes) > MAX_NODES:
        problems.append(f"biểu thức quá phức tạp ({len(nodes)} thành phần, giới hạn {MAX_NODES})")
    called = {id(node.func) for node in nodes if isinstance(node, ast.Call)}
    for node in nodes:
        if not isinstance(node, _ALLOWED_NODES):
            problems.append(f"{_describe(node)} không được dùng")
        elif isinstance(node, ast.Name) and (
            node.id.startswith("_") or node.id in _FORBIDDEN_NAMES
        ):
            problems.append(f"tên {node.id!r} không được dùng")
        elif isinstance(node, ast.Attribute):
            if node.attr.startswith("_"):
                problems.append(f"thuộc tính {node.attr!r} không được dùng")
            elif id(node) not in called or node.attr not in _ALL_METHODS:
                problems.append(f"truy cập thuộc tính '.{node.attr}' không được dùng")
        elif isinstance(node, ast.Constant) and isinstance(node.value, bytes):
            problems.append("giá trị bytes không được dùng")
        elif isinstance(node, ast.Call) and not isinstance(node.func, ast.Name | ast.Attribute):
            problems.append("chỉ được gọi hàm và phương thức có tên")
        elif (
            isinstance(node, ast.BinOp)
            and isinstance(node.op, ast.Mod)
            and isinstance(node.left, ast.Constant)
            and isinstance(node.left.value, str)
        ):
            problems.append("định dạng chuỗi bằng % không được dùng")
    return problems


def _describe(node: ast.AST) -> str:
    names = {
        ast.Lambda: "lambda",
        ast.ListComp: "comprehension",
        ast.SetComp: "comprehension",
        ast.DictComp: "comprehension",
        ast.GeneratorExp: "generator expression",
        ast.NamedExpr: "phép gán (:=)",
        ast.JoinedStr: "f-string",
        ast.Starred: "giải nén bằng *",
        ast.Await: "await",
    }
    return names.get(type(node), f"'{type(node).__name__}'")


def check(expression: str) -> list[str]:
    """Return the static problems of an expression (empty when it is acceptable)."""
    try:
        tree = _parse(expression)
    except InvalidInput as exc:
        return [str(exc)]
    return _problems(tree)


@lru_cache(maxsize=1024)
def _checked(expression: str) -> ast.Expression:
    """Parse and check once per distinct expression (a model's expressions repeat a lot)."""
    tree = _parse(expression)
    problems = _problems(tree)
    if problems:
        raise UnsafeExpression(f"biểu thức {expression!r} không được phép: {'; '.join(problems)}")
    return tree


def evaluate(
    expression: str,
    names: Mapping[str, Any],
    *,
    functions: Mapping[str, Callable[..., Any]] | None = None,
) -> Any:
    """Evaluate `expression` over `names` (task data) with the allowed and injected functions.

    Raises `UnsafeExpression` for a forbidden construct and `InvalidInput` for a malformed
    expression, an unknown name, a type error or a result that would be too large.
    """
    if not isinstance(expression, str):
        raise InvalidInput(f"biểu thức phải là văn bản, không phải {type(expression).__name__}")
    tree = _checked(expression)
    funcs = dict(DEFAULT_FUNCTIONS)
    funcs.update(functions or {})
    try:
        return _Interpreter(names, funcs).run(tree.body)
    except (UnsafeExpression, InvalidInput) as exc:
        exc.args = (f"biểu thức {expression!r}: {exc}",)
        raise
    except RecursionError:
        raise InvalidInput(f"biểu thức {expression!r} lồng nhau quá sâu") from None
    except Exception as exc:  # the expression's own error: 1/0, "a" + 1, int("x")...
        raise InvalidInput(
            f"biểu thức {expression!r} lỗi khi tính: {type(exc).__name__}: {exc}"
        ) from None


class _Interpreter:
    """Walk a checked expression tree; every operation is bounded in size."""

    def __init__(self, names: Mapping[str, Any], functions: Mapping[str, Callable]) -> None:
        self.names = names
        self.functions = functions

    def run(self, node: ast.AST) -> Any:
        method = getattr(self, f"_{type(node).__name__}", None)
        if method is None:
            raise UnsafeExpression(f"{_describe(node)} không được dùng")
        return method(node)

    def _Constant(self, node: ast.Constant) -> Any:
        return node.value

    def _Name(self, node: ast.Name) -> Any:
        if node.id in self.names:
            return self.names[node.id]
        raise InvalidInput(f"tên {node.id!r} chưa được định nghĩa (không có trong dữ liệu)")

    def _List(self, node: ast.List) -> list:
        return [self.run(elt) for elt in node.elts]

    def _Tuple(self, node: ast.Tuple) -> tuple:
        return tuple(self.run(elt) for elt in node.elts)

    def _Set(self, node: ast.Set) -> set:
        return {self.run(elt) for elt in node.elts}

    def _Dict(self, node: ast.Dict) -> dict:
        if any(key is None for key in node.keys):
            raise UnsafeExpression("giải nén từ điển (**) không được dùng")
        return {self.run(k): self.run(v) for k, v in zip(node.keys, node.values, strict=True)}

    def _BinOp(self, node: ast.BinOp) -> Any:
        left, right = self.run(node.left), self.run(node.right)
        _check_binop(type(node.op), left, right)
        return _limit(_BINOPS[type(node.op)](left, right))

    def _UnaryOp(self, node: ast.UnaryOp) -> Any:
        return _UNARYOPS[type(node.op)](self.run(node.operand))

    def _BoolOp(self, node: ast.BoolOp) -> Any:
        value: Any = None
        for operand in node.values:
            value = self.run(operand)
            if isinstance(node.op, ast.And) and not value:
                return value
            if isinstance(node.op, ast.Or) and value:
                return value
        return value

    def _Compare(self, node: ast.Compare) -> bool:
        left = self.run(node.left)
        for op, comparator in zip(node.ops, node.comparators, strict=True):
            right = self.run(comparator)
            if not _CMPOPS[type(op)](left, right):
                return False
            left = right
        return True

    def _IfExp(self, node: ast.IfExp) -> Any:
        return self.run(node.body) if self.run(node.test) else self.run(node.orelse)

    def _Subscript(self, node: ast.Subscript) -> Any:
        value = self.run(node.value)
        if not isinstance(value, dict | list | tuple | str):
            raise InvalidInput(f"không lấy phần tử theo chỉ số từ kiểu {type(value).__name__} được")
        return value[self.run(node.slice)]

    def _Slice(self, node: ast.Slice) -> slice:
        parts = (node.lower, node.upper, node.step)
        return slice(*(None if part is None else self.run(part) for part in parts))

    def _Call(self, node: ast.Call) -> Any:
        if isinstance(node.func, ast.Name):
            function = self.functions.get(node.func.id)
            if function is None:
                raise UnsafeExpression(f"không có hàm {node.func.id!r}")
        else:
            target = self.run(node.func.value)
            allowed = SAFE_METHODS.get(type(target), frozenset())
            if node.func.attr not in allowed:
                raise UnsafeExpression(
                    f"phương thức '.{node.func.attr}()' không được dùng "
                    f"trên kiểu {type(target).__name__}"
                )
            function = getattr(target, node.func.attr)
        args = [self.run(arg) for arg in node.args]
        kwargs = {kw.arg: self.run(kw.value) for kw in node.keywords}
        if None in kwargs:
            raise UnsafeExpression("giải nén đối số (**) không được dùng")
        return _limit(function(*args, **kwargs))


def _check_binop(op: type, left: Any, right: Any) -> None:
    """Refuse an operation whose result would be huge, before computing it."""
    if op is ast.Pow and isinstance(left, int) and isinstance(right, int):
        if right > 0 and max(abs(left).bit_length(), 1) * right > MAX_INT_BITS and abs(left) > 1:
            raise InvalidInput(f"lũy thừa {left}**{right} quá lớn")
    if op is ast.Mult:
        for seq, count in ((left, right), (right, left)):
            if isinstance(seq, str | list | tuple) and isinstance(count, int):
                if len(seq) * count > MAX_SIZE:
                    raise InvalidInput(f"kết quả sẽ quá dài (giới hạn {MAX_SIZE})")
    if op is ast.Mod and isinstance(left, str | bytes):
        raise UnsafeExpression("định dạng chuỗi bằng % không được dùng")


def _limit(value: Any) -> Any:
    """Raise if a computed value is larger than the language allows."""
    if isinstance(value, int) and not isinstance(value, bool):
        if value.bit_length() > MAX_INT_BITS:
            raise InvalidInput(f"số quá lớn (hơn {MAX_INT_BITS} bit)")
    elif isinstance(value, str | list | tuple | dict | set) and len(value) > MAX_SIZE:
        raise InvalidInput(f"kết quả quá dài ({len(value)} phần tử, giới hạn {MAX_SIZE})")
    return value


VIETNAM_TZ = timezone(timedelta(hours=7), "ICT")  # no daylight saving in Vietnam


def clock_functions(now: Callable[[], datetime]) -> dict[str, Callable[[], str]]:
    """Build `today()` and `now()` (ISO strings, Vietnam time) from an injected clock."""

    def _now() -> datetime:
        moment = now()
        return moment.astimezone(VIETNAM_TZ) if moment.tzinfo else moment

    return {
        "today": lambda: _now().date().isoformat(),
        "now": lambda: _now().isoformat(),
    }
