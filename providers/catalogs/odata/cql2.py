"""CQL2 → OData ``$filter``: the comparisons the catalogue can answer; the rest stays local."""
from __future__ import annotations

from typing import Any, Mapping, Optional, Tuple


from ... import errors
from .query import ALIASES, _ATTR_NAME, _guess_type, attribute_clause, attribute_name, normalize_value, odata_instant, parse_us, quote_literal
from .records import product_stem


# ------------------------------------------------------------------------------ CQL2
_CQL_CMP = {"=": "eq", "<>": "ne", "<": "lt", "<=": "le", ">": "gt", ">=": "ge"}
_DATE_PROPS = {"datetime": "ContentDate/Start", "start_datetime": "ContentDate/Start",
               "end_datetime": "ContentDate/End", "ContentDate/Start": "ContentDate/Start",
               "created": "PublicationDate", "updated": "ModificationDate"}


def _cql_literal(value: Any) -> Tuple[bool, Any]:
    if isinstance(value, (str, int, float, bool)):
        return True, value
    if isinstance(value, dict) and ("timestamp" in value or "date" in value):
        return True, value.get("timestamp") or value.get("date")
    return False, None


def _cql_comparison(op: str, args: list, types: Mapping[str, str]) -> Optional[str]:
    if len(args) != 2:
        return None
    left, right = args
    flipped = False
    if not (isinstance(left, dict) and "property" in left):
        left, right, flipped = right, left, True
    if not (isinstance(left, dict) and "property" in left):
        return None
    ok, value = _cql_literal(right)
    if not ok:
        return None
    odata_op = _CQL_CMP[op]
    if flipped:
        odata_op = {"lt": "gt", "le": "ge", "gt": "lt", "ge": "le"}.get(odata_op, odata_op)
    prop = str(left["property"])
    if prop.startswith("properties."):
        prop = prop[len("properties."):]
    if prop in _DATE_PROPS:
        us = parse_us(str(value)) if "T" in str(value) else parse_us(str(value) + "T00:00:00Z")
        if us is None:
            return None
        return f"{_DATE_PROPS[prop]} {odata_op} {odata_instant(us)}"
    if prop == "collection" and odata_op == "eq":
        return f"Collection/Name eq {quote_literal(value)}"
    if prop in ("id", "Name") and odata_op == "eq":
        return f"startswith(Name,{quote_literal(product_stem(str(value)))})"
    if prop == "Online" and isinstance(value, bool):
        return f"Online {odata_op} {'true' if value else 'false'}"
    name = attribute_name(prop)
    if not _ATTR_NAME.match(name):
        return None
    vtype = types.get(name) or _guess_type(value)
    if vtype in ("Integer", "Double") and isinstance(value, bool):
        return None
    try:
        return attribute_clause(name, vtype, odata_op, normalize_value(name, value))
    except errors.InvalidRequestError:
        return None


def cql2_to_odata(expr: Any, types: Mapping[str, str]) -> Tuple[Optional[str], Optional[dict]]:
    """Split CQL2-JSON into an OData clause the catalogue evaluates and a residual the
    client evaluates (``None`` for either when empty). Comparisons, ``in`` and ``between`` on
    attribute names (and their aliases) go to the server; ``and`` splits; ``or``/``not`` go
    to the server only when all of their parts can."""
    if not isinstance(expr, dict) or "op" not in expr:
        if expr is True:
            return None, None
        return None, expr if isinstance(expr, dict) else None
    op = str(expr["op"]).lower()
    args = expr.get("args") or []
    if op == "and":
        server, residual = [], []
        for arg in args:
            s, r = cql2_to_odata(arg, types)
            if s:
                server.append(s)
            if r is not None:
                residual.append(r)
        s_text = " and ".join(f"({s})" if " or " in s else s for s in server) or None
        if not residual:
            return s_text, None
        return s_text, residual[0] if len(residual) == 1 else {"op": "and", "args": residual}
    if op == "or":
        parts = [cql2_to_odata(a, types) for a in args]
        if all(s and r is None for s, r in parts):
            return "(" + " or ".join(s for s, _ in parts) + ")", None
        return None, _alias_properties(expr)
    if op == "not":
        s, r = cql2_to_odata(args[0], types) if args else (None, None)
        if s and r is None:
            return f"not ({s})", None
        return None, _alias_properties(expr)
    if op in _CQL_CMP:
        clause = _cql_comparison(op, args, types)
        return (clause, None) if clause else (None, _alias_properties(expr))
    if op == "in" and len(args) == 2 and isinstance(args[1], list):
        ors = [_cql_comparison("=", [args[0], v], types) for v in args[1]]
        if ors and all(ors):
            return (ors[0] if len(ors) == 1 else "(" + " or ".join(ors) + ")"), None
        return None, _alias_properties(expr)
    if op == "between" and len(args) == 3:
        lo = _cql_comparison(">=", [args[0], args[1]], types)
        hi = _cql_comparison("<=", [args[0], args[2]], types)
        if lo and hi:
            return f"{lo} and {hi}", None
    return None, _alias_properties(expr)


def _alias_properties(expr: Any) -> Any:
    """CQL2-JSON with friendly property names replaced by the attribute names scenes carry."""
    if isinstance(expr, dict):
        if set(expr) == {"property"}:
            name = str(expr["property"])
            return {"property": attribute_name(name) if name in ALIASES else name}
        return {k: _alias_properties(v) for k, v in expr.items()}
    if isinstance(expr, list):
        return [_alias_properties(v) for v in expr]
    return expr


