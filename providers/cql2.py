"""OGC CQL2 filters: CQL2-text to CQL2-JSON, and evaluation of CQL2-JSON against a scene.

Pure Python, no dependency (shapely only when a spatial operator is evaluated).

Supported: Basic CQL2 (``AND``/``OR``/``NOT``, ``= <> < <= > >=``, ``IS [NOT] NULL``,
booleans), advanced comparison (``[NOT] LIKE``, ``[NOT] BETWEEN``, ``[NOT] IN``),
``CASEI``/``ACCENTI``, arithmetic (``+ - * / % div ^``), spatial operators
``S_INTERSECTS S_EQUALS S_DISJOINT S_TOUCHES S_WITHIN S_OVERLAPS S_CROSSES S_CONTAINS``
with WKT literals (``POINT``, ``LINESTRING``, ``POLYGON``, ``MULTI*``,
``GEOMETRYCOLLECTION``, ``BBOX(w,s,e,n)``, ``ENVELOPE(w,e,n,s)``), temporal literals
``TIMESTAMP('…')``, ``DATE('…')``, ``INTERVAL(a, b)`` and every ``T_*`` operator, and the
array operators ``A_EQUALS A_CONTAINS A_CONTAINEDBY A_OVERLAPS``. Other function calls
are parsed (``{"op": name, "args": [...]}``) but cannot be evaluated client-side.

Keywords are case-insensitive; property names may contain ``:`` and ``.``
(``eo:cloud_cover``, ``properties.platform``) or be double-quoted (``"my prop"``).
"""
from __future__ import annotations

import datetime as _dt
import re
import unicodedata
from typing import Any, Callable, Dict, Iterator, List, Optional, Set, Tuple

from .errors import InvalidRequestError

__all__ = ["parse", "evaluate", "property_names", "to_text"]

_UTC = _dt.timezone.utc

COMPARISON_OPS = ("=", "<>", "<", "<=", ">", ">=")
SPATIAL_OPS = ("s_intersects", "s_equals", "s_disjoint", "s_touches", "s_within", "s_overlaps",
               "s_crosses", "s_contains")
TEMPORAL_OPS = ("t_after", "t_before", "t_contains", "t_disjoint", "t_during", "t_equals",
                "t_finishedby", "t_finishes", "t_intersects", "t_meets", "t_metby",
                "t_overlappedby", "t_overlaps", "t_startedby", "t_starts")
ARRAY_OPS = ("a_equals", "a_contains", "a_containedby", "a_overlaps")
ARITHMETIC_OPS = ("+", "-", "*", "/", "%", "div", "^")
# CQL2-JSON spells these in camel case (OGC 21-065, the standard's JSON schema and examples):
# a strict server refuses "t_finishedby". Lookups stay case-insensitive; output uses these.
CANONICAL_OPS = {name.lower(): name for name in ("t_finishedBy", "t_metBy", "t_overlappedBy", "t_startedBy",
                                                 "a_containedBy")}
_RESERVED = {"AND", "OR", "NOT", "LIKE", "BETWEEN", "IN", "IS", "NULL", "TRUE", "FALSE", "DIV"}
_GEOMETRY_WORDS = {"POINT", "LINESTRING", "POLYGON", "MULTIPOINT", "MULTILINESTRING",
                   "MULTIPOLYGON", "GEOMETRYCOLLECTION", "BBOX", "ENVELOPE"}


# =========================================================================== tokenizer
class _Token:
    __slots__ = ("kind", "value", "pos", "text")

    def __init__(self, kind: str, value: Any, pos: int, text: str):
        self.kind = kind  # ident, qident, string, number, op, punct, eof
        self.value = value
        self.pos = pos  # 0-based offset in the filter
        self.text = text

    @property
    def upper(self) -> str:
        return self.value.upper() if self.kind == "ident" else ""


_NUMBER = re.compile(r"(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?")
_IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_:.]*")


def _syntax_error(message: str) -> InvalidRequestError:
    return InvalidRequestError(message)


def _tokenize(text: str) -> List[_Token]:
    tokens: List[_Token] = []
    i, n = 0, len(text)
    while i < n:
        ch = text[i]
        if ch.isspace():
            i += 1
            continue
        if ch == "'":
            j, buf = i + 1, []
            while True:
                if j >= n:
                    raise _syntax_error(f"The text in quotes starting at character {i + 1} of the "
                                        "filter is never closed (missing ').")
                if text[j] == "'":
                    if j + 1 < n and text[j + 1] == "'":  # '' is an escaped quote
                        buf.append("'")
                        j += 2
                        continue
                    break
                buf.append(text[j])
                j += 1
            tokens.append(_Token("string", "".join(buf), i, text[i:j + 1]))
            i = j + 1
            continue
        if ch == '"':
            j = text.find('"', i + 1)
            if j < 0:
                raise _syntax_error(f"The quoted property name starting at character {i + 1} of "
                                    "the filter is never closed (missing \").")
            tokens.append(_Token("qident", text[i + 1:j], i, text[i:j + 1]))
            i = j + 1
            continue
        m = _NUMBER.match(text, i)
        if m and (ch.isdigit() or ch == "."):
            raw = m.group(0)
            value: Any = float(raw) if any(c in raw for c in ".eE") else int(raw)
            tokens.append(_Token("number", value, i, raw))
            i = m.end()
            continue
        m = _IDENT.match(text, i)
        if m:
            raw = m.group(0)
            tokens.append(_Token("ident", raw, i, raw))
            i = m.end()
            continue
        two = text[i:i + 2]
        if two in ("<=", ">=", "<>", "!="):
            tokens.append(_Token("op", "<>" if two == "!=" else two, i, two))
            i += 2
            continue
        if ch in "=<>+-*/%^":
            tokens.append(_Token("op", ch, i, ch))
            i += 1
            continue
        if ch in "(),[]":
            tokens.append(_Token("punct", ch, i, ch))
            i += 1
            continue
        raise _syntax_error(f"Unexpected '{ch}' at character {i + 1} in the filter.")
    tokens.append(_Token("eof", None, n, ""))
    return tokens


# ============================================================================== parser
class _Parser:
    """Recursive descent over the CQL2-text grammar, producing CQL2-JSON."""

    def __init__(self, text: str):
        self.text = text
        self.tokens = _tokenize(text)
        self.i = 0

    # -- helpers ---------------------------------------------------------------
    @property
    def tok(self) -> _Token:
        return self.tokens[self.i]

    def peek(self, k: int = 1) -> _Token:
        return self.tokens[min(self.i + k, len(self.tokens) - 1)]

    def advance(self) -> _Token:
        tok = self.tokens[self.i]
        if tok.kind != "eof":
            self.i += 1
        return tok

    def error(self, expected: Optional[str] = None, tok: Optional[_Token] = None) -> InvalidRequestError:
        tok = tok or self.tok
        hint = f": expected {expected}" if expected else ""
        if tok.kind == "eof":
            return _syntax_error(f"The filter ends too early (after character {len(self.text)}){hint}.")
        shown = tok.text if len(tok.text) <= 30 else tok.text[:27] + "…"
        return _syntax_error(f"Unexpected '{shown}' at character {tok.pos + 1} in the filter{hint}.")

    def is_kw(self, *words: str, tok: Optional[_Token] = None) -> bool:
        tok = tok or self.tok
        return tok.kind == "ident" and tok.upper in words

    def accept_kw(self, word: str) -> bool:
        if self.is_kw(word):
            self.advance()
            return True
        return False

    def expect_kw(self, word: str) -> None:
        if not self.accept_kw(word):
            raise self.error(word)

    def is_punct(self, ch: str, tok: Optional[_Token] = None) -> bool:
        tok = tok or self.tok
        return tok.kind == "punct" and tok.value == ch

    def expect_punct(self, ch: str) -> None:
        if not self.is_punct(ch):
            raise self.error(f"'{ch}'")
        self.advance()

    def is_op(self, *ops: str) -> bool:
        return self.tok.kind == "op" and self.tok.value in ops

    # -- grammar ---------------------------------------------------------------
    def parse(self) -> Any:
        if self.tok.kind == "eof":
            raise _syntax_error("The filter is empty.")
        expr = self.boolean_expression()
        if self.tok.kind != "eof":
            raise self.error("AND, OR or the end of the filter")
        return expr

    def boolean_expression(self) -> Any:
        args = [self.boolean_term()]
        while self.accept_kw("OR"):
            args.append(self.boolean_term())
        return args[0] if len(args) == 1 else {"op": "or", "args": args}

    def boolean_term(self) -> Any:
        args = [self.boolean_factor()]
        while self.accept_kw("AND"):
            args.append(self.boolean_factor())
        return args[0] if len(args) == 1 else {"op": "and", "args": args}

    def boolean_factor(self) -> Any:
        if self.accept_kw("NOT"):
            return {"op": "not", "args": [self.boolean_factor()]}
        return self.boolean_primary()

    def boolean_primary(self) -> Any:
        if self.is_punct("("):
            # "(" can open a nested boolean expression or an arithmetic one: (a + b) > 3
            start = self.i
            self.advance()
            first_error: Optional[Tuple[int, InvalidRequestError]] = None
            try:
                expr = self.boolean_expression()
                self.expect_punct(")")
                if not self._starts_predicate_tail():
                    return expr
            except InvalidRequestError as err:
                first_error = (self.i, err)
            self.i = start
            try:
                return self.predicate()
            except InvalidRequestError:
                # report whichever reading got further into the text
                if first_error is not None and first_error[0] >= self.i:
                    raise first_error[1] from None
                raise
        return self.predicate()

    def _starts_predicate_tail(self) -> bool:
        return self.is_op(*COMPARISON_OPS, "+", "-", "*", "/", "%", "^") or self.is_kw(
            "LIKE", "BETWEEN", "IN", "IS", "NOT", "DIV")

    def predicate(self) -> Any:
        tok = self.tok
        if tok.kind == "ident" and self.is_punct("(", self.peek()):
            name = tok.value.lower()
            if name in SPATIAL_OPS or name in TEMPORAL_OPS or name in ARRAY_OPS:
                self.advance()
                self.expect_punct("(")
                left = self.operand_for(name)
                self.expect_punct(",")
                right = self.operand_for(name)
                self.expect_punct(")")
                return {"op": CANONICAL_OPS.get(name, name), "args": [left, right]}
        left = self.scalar_expression()
        negate = False
        if self.is_kw("NOT") and self.is_kw("LIKE", "BETWEEN", "IN", tok=self.peek()):
            self.advance()
            negate = True
        if self.tok.kind == "op" and self.tok.value in COMPARISON_OPS:
            op = self.advance().value
            node: Any = {"op": op, "args": [left, self.scalar_expression()]}
        elif self.accept_kw("LIKE"):
            node = {"op": "like", "args": [left, self.scalar_expression()]}
        elif self.accept_kw("BETWEEN"):
            low = self.scalar_expression()
            self.expect_kw("AND")
            node = {"op": "between", "args": [left, low, self.scalar_expression()]}
        elif self.accept_kw("IN"):
            values = self.parenthesized(self.scalar_expression)
            node = {"op": "in", "args": [left, values]}
        elif self.accept_kw("IS"):
            is_not = self.accept_kw("NOT")
            self.expect_kw("NULL")
            node = {"op": "isNull", "args": [left]}
            if is_not:
                node = {"op": "not", "args": [node]}
        else:
            if isinstance(left, bool) or (isinstance(left, dict) and "op" in left
                                          and left["op"] not in ARITHMETIC_OPS):
                return left  # TRUE, FALSE or a function returning a boolean
            raise self.error("a comparison (=, <>, <, <=, >, >=, LIKE, BETWEEN, IN or IS NULL)")
        return {"op": "not", "args": [node]} if negate else node

    def operand_for(self, op: str) -> Any:
        if op in ARRAY_OPS and self.is_punct("(") or self.is_punct("["):
            return self.array_literal()
        return self.scalar_expression()

    def array_literal(self) -> List[Any]:
        close = ")" if self.is_punct("(") else "]"
        self.advance()
        items: List[Any] = []
        if self.is_punct(close):
            self.advance()
            return items
        while True:
            if self.is_punct("(") or self.is_punct("["):
                items.append(self.array_literal())
            else:
                items.append(self.scalar_expression())
            if self.is_punct(","):
                self.advance()
                continue
            self.expect_punct(close)
            return items

    # arithmetic: + - over * / % div over ^ over unary
    def scalar_expression(self) -> Any:
        left = self.term()
        while self.is_op("+", "-"):
            op = self.advance().value
            left = {"op": op, "args": [left, self.term()]}
        return left

    def term(self) -> Any:
        left = self.power()
        while self.is_op("*", "/", "%") or self.is_kw("DIV"):
            tok = self.advance()
            op = "div" if tok.kind == "ident" else tok.value
            left = {"op": op, "args": [left, self.power()]}
        return left

    def power(self) -> Any:
        base = self.unary()
        if self.is_op("^"):
            self.advance()
            return {"op": "^", "args": [base, self.power()]}
        return base

    def unary(self) -> Any:
        if self.is_op("-", "+"):
            sign = self.advance().value
            if self.tok.kind == "number":
                value = self.advance().value
                return -value if sign == "-" else value
            operand = self.unary()
            return {"op": "*", "args": [-1, operand]} if sign == "-" else operand
        return self.atom()

    def atom(self) -> Any:
        tok = self.tok
        if tok.kind == "number":
            self.advance()
            return tok.value
        if tok.kind == "string":
            self.advance()
            return tok.value
        if tok.kind == "qident":
            self.advance()
            return {"property": tok.value}
        if self.is_punct("("):
            self.advance()
            expr = self.scalar_expression()
            self.expect_punct(")")
            return expr
        if tok.kind != "ident":
            raise self.error("a property name or a value")
        word = tok.upper
        if word in ("TRUE", "FALSE"):
            self.advance()
            return word == "TRUE"
        if word in _RESERVED:
            raise self.error("a property name or a value")
        if self.is_punct("(", self.peek()):
            if word == "TIMESTAMP":
                return {"timestamp": self.instant_arg("TIMESTAMP")}
            if word == "DATE":
                return {"date": self.instant_arg("DATE")}
            if word == "INTERVAL":
                return self.interval()
            if word in _GEOMETRY_WORDS:
                return self.geometry()
            return self.function()
        if word in ("POINT", "LINESTRING", "POLYGON", "MULTIPOINT", "MULTILINESTRING",
                    "MULTIPOLYGON", "GEOMETRYCOLLECTION") and self.is_kw("Z", tok=self.peek()):
            return self.geometry()
        self.advance()
        return {"property": tok.value}

    def function(self) -> Dict[str, Any]:
        name = self.advance().value
        self.expect_punct("(")
        args: List[Any] = []
        if not self.is_punct(")"):
            while True:
                args.append(self.array_literal() if self.is_punct("[") else self.scalar_expression())
                if self.is_punct(","):
                    self.advance()
                    continue
                break
        self.expect_punct(")")
        return {"op": name.lower() if name.lower() in ("casei", "accenti") else name, "args": args}

    def instant_arg(self, word: str) -> str:
        self.advance()
        self.expect_punct("(")
        tok = self.tok
        if tok.kind != "string":
            raise self.error(f"a quoted {'date' if word == 'DATE' else 'timestamp'}, e.g. "
                             f"{word}('2024-05-01{'' if word == 'DATE' else 'T10:00:00Z'}')")
        self.advance()
        self.expect_punct(")")
        _check_instant(tok.value, word, tok.pos)
        return tok.value

    def interval(self) -> Dict[str, Any]:
        self.advance()
        self.expect_punct("(")
        bounds = [self.interval_bound()]
        self.expect_punct(",")
        bounds.append(self.interval_bound())
        self.expect_punct(")")
        return {"interval": bounds}

    def interval_bound(self) -> Any:
        tok = self.tok
        if tok.kind == "string":
            self.advance()
            if tok.value != "..":
                _check_instant(tok.value, "INTERVAL", tok.pos)
            return tok.value
        if self.is_kw("TIMESTAMP", "DATE") and self.is_punct("(", self.peek()):
            word = tok.upper
            value = self.instant_arg(word)
            return {"timestamp": value} if word == "TIMESTAMP" else {"date": value}
        if tok.kind in ("ident", "qident") and not self.is_kw(*_RESERVED):
            self.advance()
            return {"property": tok.value}
        raise self.error("a quoted date, '..', or a property name")

    # -- WKT -------------------------------------------------------------------
    def number(self) -> float:
        sign = 1
        if self.is_op("-", "+"):
            sign = -1 if self.advance().value == "-" else 1
        if self.tok.kind != "number":
            raise self.error("a number")
        return sign * self.advance().value

    def coords(self) -> List[float]:
        pos = [self.number(), self.number()]
        if self.tok.kind == "number" or self.is_op("-", "+"):
            pos.append(self.number())
        return pos

    def parenthesized(self, item: Callable[[], Any]) -> List[Any]:
        """``( item, item, ... )``: one or more items between parentheses."""
        self.expect_punct("(")
        out = [item()]
        while self.is_punct(","):
            self.advance()
            out.append(item())
        self.expect_punct(")")
        return out

    def coord_list(self) -> List[List[float]]:
        return self.parenthesized(self.coords)

    def ring_list(self) -> List[List[List[float]]]:
        return self.parenthesized(self.coord_list)

    def geometry(self) -> Dict[str, Any]:
        word = self.advance().upper
        if word == "BBOX":
            values = self.parenthesized(self.number)
            if len(values) not in (4, 6):
                raise _syntax_error("BBOX needs 4 numbers (west, south, east, north) or 6 with heights.")
            return {"bbox": values}
        if word == "ENVELOPE":  # older CQL drafts: ENVELOPE(west, east, north, south)
            values = self.parenthesized(self.number)
            if len(values) != 4:
                raise _syntax_error("ENVELOPE needs 4 numbers: west, east, north, south.")
            w, e, n, s = values
            return {"bbox": [w, s, e, n]}
        self.accept_kw("Z")
        if word == "POINT":
            self.expect_punct("(")
            c = self.coords()
            self.expect_punct(")")
            return {"type": "Point", "coordinates": c}
        if word == "LINESTRING":
            return {"type": "LineString", "coordinates": self.coord_list()}
        if word == "POLYGON":
            return {"type": "Polygon", "coordinates": self.ring_list()}
        if word == "MULTIPOINT":
            self.expect_punct("(")
            pts = []
            while True:
                if self.is_punct("("):
                    self.advance()
                    pts.append(self.coords())
                    self.expect_punct(")")
                else:
                    pts.append(self.coords())
                if self.is_punct(","):
                    self.advance()
                    continue
                break
            self.expect_punct(")")
            return {"type": "MultiPoint", "coordinates": pts}
        if word == "MULTILINESTRING":
            return {"type": "MultiLineString", "coordinates": self.ring_list()}
        if word == "MULTIPOLYGON":
            polys = self.parenthesized(self.ring_list)
            return {"type": "MultiPolygon", "coordinates": polys}
        if word == "GEOMETRYCOLLECTION":
            self.expect_punct("(")
            geoms = []
            while True:
                if not self.is_kw(*(_GEOMETRY_WORDS - {"BBOX", "ENVELOPE"})):
                    raise self.error("a geometry (POINT, POLYGON...)")
                geoms.append(self.geometry())
                if self.is_punct(","):
                    self.advance()
                    continue
                break
            self.expect_punct(")")
            return {"type": "GeometryCollection", "geometries": geoms}
        raise self.error("a geometry")  # pragma: no cover - guarded by callers


def _check_instant(value: str, word: str, pos: int) -> None:
    if _parse_instant(value, end=False) is None:
        raise _syntax_error(f"'{value}' at character {pos + 1} in the filter is not a valid "
                            f"{'date' if word == 'DATE' else 'date or timestamp'}.")


def parse(text: str) -> Dict[str, Any]:
    """CQL2-text as CQL2-JSON. Raises :class:`InvalidRequestError` on a syntax error,
    saying where (e.g. “Unexpected 'AND' at character 14 in the filter”)."""
    if not isinstance(text, str):
        raise InvalidRequestError("The filter must be CQL2 text.")
    return _Parser(text).parse()


# ============================================================================ to text
def to_text(expr: Any) -> str:
    """CQL2-JSON back to CQL2-text (for display and for servers that want text)."""
    if isinstance(expr, bool):
        return "TRUE" if expr else "FALSE"
    if isinstance(expr, (int, float)):
        return repr(expr)
    if isinstance(expr, str):
        return "'" + expr.replace("'", "''") + "'"
    if isinstance(expr, list):
        return "(" + ", ".join(to_text(v) for v in expr) + ")"
    if not isinstance(expr, dict):
        raise InvalidRequestError("The filter is not valid CQL2-JSON.")
    if "property" in expr:
        name = str(expr["property"])
        return name if _IDENT.fullmatch(name) and name.upper() not in _RESERVED else f'"{name}"'
    if "timestamp" in expr:
        return f"TIMESTAMP('{expr['timestamp']}')"
    if "date" in expr:
        return f"DATE('{expr['date']}')"
    if "interval" in expr:
        return "INTERVAL(" + ", ".join(to_text(v) for v in expr["interval"]) + ")"
    if "bbox" in expr:
        return "BBOX(" + ", ".join(repr(v) for v in expr["bbox"]) + ")"
    if "type" in expr:
        return _wkt(expr)
    op, args = str(expr.get("op", "")), list(expr.get("args") or [])
    low = op.lower()
    if low in ("and", "or"):
        return "(" + f" {low.upper()} ".join(to_text(a) for a in args) + ")"
    if low == "not":
        return f"NOT ({to_text(args[0])})"
    if op in COMPARISON_OPS or op in ARITHMETIC_OPS:
        return f"({to_text(args[0])} {op} {to_text(args[1])})" if op in ARITHMETIC_OPS \
            else f"{to_text(args[0])} {op} {to_text(args[1])}"
    if low == "like":
        return f"{to_text(args[0])} LIKE {to_text(args[1])}"
    if low == "between":
        return f"{to_text(args[0])} BETWEEN {to_text(args[1])} AND {to_text(args[2])}"
    if low == "in":
        return f"{to_text(args[0])} IN {to_text(args[1])}"
    if low == "isnull":
        return f"{to_text(args[0])} IS NULL"
    return f"{op.upper() if low in SPATIAL_OPS + TEMPORAL_OPS + ARRAY_OPS else op}(" + \
        ", ".join(to_text(a) for a in args) + ")"


def _wkt(geom: Dict[str, Any]) -> str:
    def pos(c):
        return " ".join(repr(v) for v in c)

    def seq(cs):
        return "(" + ", ".join(pos(c) for c in cs) + ")"

    def rings(rs):
        return "(" + ", ".join(seq(r) for r in rs) + ")"

    kind, coords = geom.get("type"), geom.get("coordinates")
    if kind == "Point":
        return f"POINT({pos(coords)})"
    if kind == "LineString":
        return "LINESTRING" + seq(coords)
    if kind == "Polygon":
        return "POLYGON" + rings(coords)
    if kind == "MultiPoint":
        return "MULTIPOINT(" + ", ".join("(" + pos(c) + ")" for c in coords) + ")"
    if kind == "MultiLineString":
        return "MULTILINESTRING" + rings(coords)
    if kind == "MultiPolygon":
        return "MULTIPOLYGON(" + ", ".join(rings(p) for p in coords) + ")"
    if kind == "GeometryCollection":
        return "GEOMETRYCOLLECTION(" + ", ".join(_wkt(g) for g in geom.get("geometries", [])) + ")"
    raise InvalidRequestError(f"Unknown geometry type “{kind}” in the filter.")


# ======================================================================== property names
def property_names(expr: Any) -> Set[str]:
    """Every property name a CQL2-JSON expression refers to."""
    out: Set[str] = set()

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if "property" in node and isinstance(node["property"], str):
                out.add(node["property"])
                return
            for arg in node.get("args") or []:
                walk(arg)
            for bound in node.get("interval") or []:
                walk(bound)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(expr)
    return out


# ============================================================================ evaluation
class _Missing:
    """A property the scene does not have (NULL in CQL2 terms)."""

    def __repr__(self) -> str:
        return "MISSING"


MISSING = _Missing()


class _Instant:
    """A temporal value as a closed range [start, end] (an instant has start == end)."""

    __slots__ = ("start", "end", "is_date")

    def __init__(self, start: Optional[_dt.datetime], end: Optional[_dt.datetime], is_date: bool = False):
        self.start = start
        self.end = end
        self.is_date = is_date


_MIN = _dt.datetime.min.replace(tzinfo=_UTC)
_MAX = _dt.datetime.max.replace(tzinfo=_UTC)


def _parse_instant(value: Any, end: bool) -> Optional[_dt.datetime]:
    if isinstance(value, _dt.datetime):
        return value if value.tzinfo else value.replace(tzinfo=_UTC)
    if isinstance(value, _dt.date):
        t = _dt.time(23, 59, 59, 999999) if end else _dt.time(0)
        return _dt.datetime.combine(value, t, tzinfo=_UTC)
    if not isinstance(value, str):
        return None
    text = value.strip()
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
        try:
            return _parse_instant(_dt.date.fromisoformat(text), end)
        except ValueError:
            return None
    if not re.match(r"^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}", text):
        return None
    try:
        parsed = _dt.datetime.fromisoformat(re.sub(r"[Zz]$", "+00:00", text.replace("z", "Z")))
    except ValueError:
        # Python 3.9/3.10 do not accept every fraction length: trim to microseconds
        m = re.match(r"^(.*?\d{2}:\d{2}:\d{2})\.(\d+)(.*)$", text)
        if not m:
            return None
        try:
            parsed = _dt.datetime.fromisoformat(
                m.group(1) + "." + (m.group(2) + "000000")[:6] + re.sub(r"[Zz]$", "+00:00", m.group(3)))
        except ValueError:
            return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=_UTC)


def _lookup(scene: Any, name: str) -> Any:
    if name.startswith("properties."):
        name = name[len("properties."):]
    if name == "id":
        return getattr(scene, "id", MISSING)
    if name == "collection":
        value = getattr(scene, "collection", None)
        return MISSING if value is None else value
    if name == "geometry":
        return _scene_shape(scene)
    if name == "datetime":
        from .filtering import scene_time_range  # late import: filtering imports this module
        start, end = scene_time_range(scene)
        if start is None and end is None:
            return MISSING
        return _Instant(start, end)
    props = getattr(scene, "properties", None) or {}
    if name in props:
        value = props[name]
        return MISSING if value is None else value
    if name in ("eo:cloud_cover", "cloud_cover") and getattr(scene, "cloud_cover", None) is not None:
        return scene.cloud_cover
    if name == "platform" and getattr(scene, "platform", None):
        return scene.platform
    if "." in name:  # nested object: "sat:orbit.state" or "parameters.x"
        node: Any = props
        for part in name.split("."):
            if isinstance(node, dict) and part in node:
                node = node[part]
            else:
                return MISSING
        return MISSING if node is None else node
    return MISSING


def _scene_shape(scene: Any) -> Any:
    from shapely.geometry import box, shape
    geom = getattr(scene, "geometry", None)
    if geom:
        try:
            return shape(geom)
        except Exception:  # noqa: BLE001 - broken geometry: fall back to the bbox
            pass
    bbox = getattr(scene, "bbox", None)
    if bbox and len(bbox) >= 4:
        return box(*bbox[:4])
    return MISSING


class _Evaluator:
    def __init__(self, scene: Any):
        self.scene = scene

    # -- values ---------------------------------------------------------------
    def value(self, node: Any) -> Any:
        if isinstance(node, dict):
            if "property" in node:
                return _lookup(self.scene, str(node["property"]))
            if "timestamp" in node:
                moment = _parse_instant(node["timestamp"], end=False)
                return _Instant(moment, moment)
            if "date" in node:
                return _Instant(_parse_instant(node["date"], False), _parse_instant(node["date"], True), True)
            if "interval" in node:
                bounds = list(node["interval"]) + [None, None]
                return _Instant(self._bound(bounds[0], end=False), self._bound(bounds[1], end=True))
            if "bbox" in node:
                from shapely.geometry import box
                b = node["bbox"]
                return box(b[0], b[1], b[3], b[4]) if len(b) == 6 else box(*b[:4])
            if "type" in node and ("coordinates" in node or "geometries" in node):
                from shapely.geometry import shape
                return shape(node)
            if "op" in node:
                return self.apply(node)
            raise InvalidRequestError("The filter contains something that is not CQL2-JSON.")
        if isinstance(node, list):
            return [self.value(v) for v in node]
        return node

    def _bound(self, node: Any, end: bool) -> Optional[_dt.datetime]:
        if node in (None, ".."):
            return None
        if isinstance(node, str):
            return _parse_instant(node, end)
        value = self.value(node)
        if isinstance(value, _Instant):
            return value.end if end else value.start
        return _parse_instant(value, end)

    # -- evaluation (three-valued: True, False, None = unknown) ------------------
    def truth(self, node: Any) -> Optional[bool]:
        if isinstance(node, bool):
            return node
        if not isinstance(node, dict):
            raise InvalidRequestError("The filter is not a boolean expression.")
        result = self.value(node)
        if result is MISSING or result is None:
            return None
        if isinstance(result, bool):
            return result
        raise InvalidRequestError("The filter is not a boolean expression.")

    def apply(self, node: Dict[str, Any]) -> Any:
        op = str(node.get("op", ""))
        low = op.lower()
        args = node.get("args") or []
        if low == "and":
            results = [self.truth(a) for a in args]
            if any(r is False for r in results):
                return False
            return None if any(r is None for r in results) else True
        if low == "or":
            results = [self.truth(a) for a in args]
            if any(r is True for r in results):
                return True
            return None if any(r is None for r in results) else False
        if low == "not":
            r = self.truth(args[0])
            return None if r is None else not r
        if low == "isnull":
            v = self.value(args[0])
            return v is MISSING or v is None
        if op in COMPARISON_OPS:
            return _compare(op, self.value(args[0]), self.value(args[1]))
        if low == "like":
            return _like(self.value(args[0]), self.value(args[1]))
        if low == "between":
            v, lo, hi = (self.value(a) for a in args[:3])
            a, b = _compare(">=", v, lo), _compare("<=", v, hi)
            if a is False or b is False:
                return False
            return None if a is None or b is None else True
        if low == "in":
            v = self.value(args[0])
            if v is MISSING:
                return None
            options = self.value(args[1])
            if not isinstance(options, list):
                options = [options]
            return any(_compare("=", v, o) for o in options)
        if low in ("casei", "accenti"):
            v = self.value(args[0])
            if not isinstance(v, str):
                return v
            return v.casefold() if low == "casei" else _strip_accents(v)
        if low in SPATIAL_OPS:
            return _spatial(low, self.value(args[0]), self.value(args[1]))
        if low in TEMPORAL_OPS:
            return _temporal(low, self.value(args[0]), self.value(args[1]))
        if low in ARRAY_OPS:
            return _array(low, self.value(args[0]), self.value(args[1]))
        if low in ARITHMETIC_OPS:
            return _arith(low, self.value(args[0]), self.value(args[1]))
        raise InvalidRequestError(
            f"The filter uses “{op}”, which EO Scene Finder cannot evaluate on this catalog.")


def _strip_accents(text: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFD", text) if unicodedata.category(c) != "Mn")


def _as_number(value: Any) -> Any:
    if isinstance(value, bool):
        return value
    if isinstance(value, (int, float)):
        return value
    if isinstance(value, str):
        try:
            return float(value)
        except ValueError:
            return None
    return None


def _as_instant(value: Any) -> Optional[_Instant]:
    if isinstance(value, _Instant):
        return value
    if isinstance(value, (_dt.datetime, _dt.date)):
        return _Instant(_parse_instant(value, False), _parse_instant(value, not isinstance(value, _dt.datetime)),
                        not isinstance(value, _dt.datetime))
    if isinstance(value, str):
        if "/" in value:  # an interval string ("2023-01-01/2023-02-01", ISDeform's date)
            a, _, b = value.partition("/")
            start, end = _parse_instant(a, False), _parse_instant(b, True)
            if (start or a in ("", "..")) and (end or b in ("", "..")):
                return _Instant(start, end)
            return None
        start = _parse_instant(value, False)
        if start is None:
            return None
        if re.fullmatch(r"\s*\d{4}-\d{2}-\d{2}\s*", value):
            return _Instant(start, _parse_instant(value, True), True)
        return _Instant(start, start)
    return None


def _compare(op: str, left: Any, right: Any) -> Optional[bool]:
    if left is MISSING or right is MISSING or left is None or right is None:
        return None
    if isinstance(left, _Instant) or isinstance(right, _Instant):
        a, b = _as_instant(left), _as_instant(right)
        if a is None or b is None:
            return None
        if a.is_date or b.is_date:  # compare whole days
            ka = (a.start or _MIN).date()
            kb = (b.start or _MIN).date()
        else:
            ka, kb = a.start or _MIN, b.start or _MIN
        return _cmp(op, ka, kb)
    if isinstance(left, bool) or isinstance(right, bool):
        if op not in ("=", "<>"):
            return None
        lb, rb = _as_bool(left), _as_bool(right)
        if lb is None or rb is None:
            return None
        return _cmp(op, lb, rb)
    if isinstance(left, (int, float)) or isinstance(right, (int, float)):
        a, b = _as_number(left), _as_number(right)
        if a is None or b is None:
            return None if op != "<>" else True
        return _cmp(op, a, b)
    if isinstance(left, str) and isinstance(right, str):
        return _cmp(op, left, right)
    if isinstance(left, (list, dict)) or isinstance(right, (list, dict)):
        if op in ("=", "<>"):
            return _cmp(op, left, right)
        return None
    try:
        return _cmp(op, left, right)
    except TypeError:
        return None


def _as_bool(value: Any) -> Optional[bool]:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.lower() in ("true", "false"):
        return value.lower() == "true"
    return None


def _cmp(op: str, a: Any, b: Any) -> bool:
    if op == "=":
        return a == b
    if op == "<>":
        return a != b
    if op == "<":
        return a < b
    if op == "<=":
        return a <= b
    if op == ">":
        return a > b
    return a >= b


_LIKE_CACHE: Dict[str, "re.Pattern[str]"] = {}


def _like(value: Any, pattern: Any) -> Optional[bool]:
    if value is MISSING or pattern is MISSING or not isinstance(pattern, str):
        return None
    if not isinstance(value, str):
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            value = str(value)
        else:
            return None
    rx = _LIKE_CACHE.get(pattern)
    if rx is None:
        out, i = [], 0
        while i < len(pattern):
            c = pattern[i]
            if c == "\\" and i + 1 < len(pattern):
                out.append(re.escape(pattern[i + 1]))
                i += 2
                continue
            out.append(".*" if c == "%" else "." if c == "_" else re.escape(c))
            i += 1
        rx = re.compile("".join(out), re.DOTALL)
        if len(_LIKE_CACHE) < 512:
            _LIKE_CACHE[pattern] = rx
    return rx.fullmatch(value) is not None


def _spatial(op: str, left: Any, right: Any) -> Optional[bool]:
    if left is MISSING or right is MISSING:
        return None
    if not (hasattr(left, "geom_type") and hasattr(right, "geom_type")):
        return None
    method = {"s_intersects": "intersects", "s_equals": "equals", "s_disjoint": "disjoint",
              "s_touches": "touches", "s_within": "within", "s_overlaps": "overlaps",
              "s_crosses": "crosses", "s_contains": "contains"}[op]
    return bool(getattr(left, method)(right))


def _temporal(op: str, left: Any, right: Any) -> Optional[bool]:
    a, b = _as_instant(left), _as_instant(right)
    if a is None or b is None:
        return None
    s1, e1 = a.start or _MIN, a.end or _MAX
    s2, e2 = b.start or _MIN, b.end or _MAX
    if op == "t_after":
        return s1 > e2
    if op == "t_before":
        return e1 < s2
    if op == "t_contains":
        return s1 < s2 and e1 > e2
    if op == "t_disjoint":
        return not (s1 <= e2 and e1 >= s2)
    if op == "t_during":
        return s1 > s2 and e1 < e2
    if op == "t_equals":
        return s1 == s2 and e1 == e2
    if op == "t_finishedby":
        return s1 < s2 and e1 == e2
    if op == "t_finishes":
        return s1 > s2 and e1 == e2
    if op == "t_intersects":
        return s1 <= e2 and e1 >= s2
    if op == "t_meets":
        return e1 == s2
    if op == "t_metby":
        return s1 == e2
    if op == "t_overlappedby":
        return s2 < s1 < e2 < e1
    if op == "t_overlaps":
        return s1 < s2 < e1 < e2
    if op == "t_startedby":
        return s1 == s2 and e1 > e2
    return s1 == s2 and e1 < e2  # t_starts


def _array(op: str, left: Any, right: Any) -> Optional[bool]:
    if left is MISSING or right is MISSING:
        return None
    left = left if isinstance(left, list) else [left]
    right = right if isinstance(right, list) else [right]
    if op == "a_equals":
        return left == right
    if op == "a_contains":
        return all(v in left for v in right)
    if op == "a_containedby":
        return all(v in right for v in left)
    return any(v in right for v in left)  # a_overlaps


def _arith(op: str, left: Any, right: Any) -> Any:
    a, b = _as_number(left), _as_number(right)
    if a is None or b is None or isinstance(a, bool) or isinstance(b, bool):
        return MISSING
    try:
        if op == "+":
            return a + b
        if op == "-":
            return a - b
        if op == "*":
            return a * b
        if op == "/":
            return a / b
        if op == "%":
            return a % b
        if op == "div":
            return a // b
        return a ** b
    except (ZeroDivisionError, OverflowError):
        return MISSING


def evaluate(expr: Any, scene: Any) -> bool:
    """Whether ``scene`` (a :class:`~.model.Scene`) matches the CQL2-JSON ``expr``.

    ``id``, ``collection``, ``datetime`` (the scene's time range) and ``geometry`` (its
    footprint, or its bbox when it has none) are special names; other names are item
    properties, with an optional ``properties.`` prefix. A property the scene does not
    have is NULL: a comparison with it is never true (it is unknown), so ``NOT (x < 3)``
    does not match a scene without ``x`` either. Never raises for missing data; raises
    :class:`InvalidRequestError` for an expression that is not CQL2-JSON.
    """
    if isinstance(expr, str):
        expr = parse(expr)
    return _Evaluator(scene).truth(expr) is True


def iter_ops(expr: Any) -> Iterator[str]:
    """Every operator name used in a CQL2-JSON expression (lower case)."""
    if isinstance(expr, dict):
        if "op" in expr:
            yield str(expr["op"]).lower()
        for arg in expr.get("args") or []:
            yield from iter_ops(arg)
    elif isinstance(expr, list):
        for item in expr:
            yield from iter_ops(item)
