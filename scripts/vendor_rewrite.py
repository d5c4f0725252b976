"""Rewrite imports of vendored packages so they resolve inside ``<plugin>._vendor``.

The release zip bundles pure-Python dependencies (pystac-client, pystac, dateutil, keyring...)
under ``eo_scene_finder/_vendor/``. Their imports, and the plugin's own imports of them, are
rewritten so that ``import pystac`` inside the zip loads ``eo_scene_finder._vendor.pystac`` and
never the copy another plugin or the user installed (nothing vendored is put on ``sys.path``).

The rewriting uses the ``ast`` module to find import statements and the few places where a
module name travels as a string, and ``tokenize`` to locate the module name of
``from x import ...`` precisely, so formatting, comments and line numbers stay as they were
(except where one ``import`` statement must become two). It handles:

* ``import a`` / ``import a as b`` / ``import a.b.c`` (binds ``a``) / ``import a.b as c`` /
  ``import os, a`` (only ``a`` changes);
* ``from a.b import c``, parenthesised multi-line forms, ``from <namespace> import <vendored>``
  (``from backports import tarfile``, ``from jaraco import functools``); relative imports are
  left alone;
* imports anywhere (functions, ``try`` blocks, ``if TYPE_CHECKING:``);
* string module names given to ``importlib.import_module``, ``__import__``,
  ``importlib.resources.files`` and ``importlib.util.find_spec``, and the strings of a
  ``__lazy_modules__`` declaration (PEP 810, used by importlib_metadata and more_itertools);
* ``entry_points(group="<group a vendored package declares>")``: a vendored package has no
  ``*.dist-info`` on ``sys.path``, so its entry points are invisible to ``importlib.metadata``
  (and a globally installed copy's entry points would load *that* copy). Such calls are routed
  to ``_vendor.vendored_entry_points``, which reads the vendored ``entry_points.txt`` files;
* keyring's ``_load_keyring_class`` (backend names from ``PYTHON_KEYRING_BACKEND`` or
  keyringrc.cfg): the name is mapped with ``_vendor.vendored_module_name`` first.

``find_unrewritten`` is the independent check run on the built zip (and by the tests).
"""
from __future__ import annotations

import ast
import io
import os
import tokenize
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator, List, Optional, Sequence, Tuple

# Calls whose first positional argument is a module name.
MODULE_NAME_CALLS = frozenset({"import_module", "__import__", "files", "find_spec"})

# Entry-point groups that are only metadata for tools (never read at run time).
IGNORED_ENTRY_POINT_GROUPS = frozenset({"console_scripts", "gui_scripts"})

# (relative path inside _vendor, function name, parameter holding a dotted module/class name)
DYNAMIC_NAME_FUNCTIONS = (
    ("keyring/core.py", "_load_keyring_class", "keyring_name"),
)


class RewriteError(Exception):
    """An import the rewriter cannot rewrite safely (the build stops)."""


@dataclass(frozen=True)
class VendoredNames:
    """Which module names are vendored, as seen from a ``_vendor`` directory."""

    modules: frozenset  # importable roots: "pystac", "six", "jaraco.functools", "backports.tarfile"
    namespaces: frozenset = frozenset()  # shared parents: "jaraco", "backports"
    entry_point_groups: frozenset = frozenset()  # e.g. "keyring.backends", "pystac.extensions"

    def is_vendored(self, dotted: str) -> bool:
        return any(dotted == m or dotted.startswith(m + ".") for m in self.modules)

    @property
    def top_level(self) -> frozenset:
        return frozenset(m.split(".")[0] for m in self.modules)

    @classmethod
    def from_vendor_dir(cls, vendor_dir: os.PathLike) -> "VendoredNames":
        """Find the vendored module roots and entry-point groups in an unpacked ``_vendor``."""
        vendor_dir = Path(vendor_dir)
        modules, namespaces, groups = set(), set(), set()
        for entry in sorted(vendor_dir.iterdir()):
            name = entry.name
            if name.startswith(("_", ".")) or name.endswith(".dist-info") or name == "LICENSES":
                continue
            if entry.is_file() and name.endswith(".py"):
                modules.add(name[:-3])
            elif entry.is_dir() and name.isidentifier():
                if _is_namespace_dir(entry):
                    namespaces.add(name)
                    for child in sorted(entry.iterdir()):
                        if child.name.startswith(("_", ".")):
                            continue
                        if child.is_dir() and child.name.isidentifier():
                            modules.add(f"{name}.{child.name}")
                        elif child.suffix == ".py":
                            modules.add(f"{name}.{child.stem}")
                else:
                    modules.add(name)
        for ep_file in vendor_dir.glob("*.dist-info/entry_points.txt"):
            for line in ep_file.read_text(encoding="utf-8").splitlines():
                line = line.strip()
                if line.startswith("[") and line.endswith("]"):
                    group = line[1:-1].strip()
                    if group not in IGNORED_ENTRY_POINT_GROUPS:
                        groups.add(group)
        return cls(frozenset(modules), frozenset(namespaces), frozenset(groups))


def _is_namespace_dir(path: Path) -> bool:
    """A directory shared by several distributions (PEP 420 or pkgutil-style)."""
    init = path / "__init__.py"
    if not init.exists():
        return True
    text = init.read_text(encoding="utf-8", errors="replace")
    own_modules = [p for p in path.glob("*.py") if p.name != "__init__.py"]
    return ("extend_path" in text or "declare_namespace" in text) and not own_modules


# --------------------------------------------------------------------------------------------
# source positions

class _Source:
    """A module's text with conversions from ast (line, utf-8 byte col) to string offsets."""

    def __init__(self, text: str):
        self.text = text
        self.lines = text.splitlines(keepends=True)
        self.starts = [0]
        for line in self.lines:
            self.starts.append(self.starts[-1] + len(line))

    def offset(self, lineno: int, byte_col: int) -> int:
        line = self.lines[lineno - 1] if lineno - 1 < len(self.lines) else ""
        return self.starts[lineno - 1] + len(line.encode("utf-8")[:byte_col].decode("utf-8", "replace"))

    def char_offset(self, lineno: int, char_col: int) -> int:
        return self.starts[lineno - 1] + char_col

    def node_span(self, node: ast.AST) -> Tuple[int, int]:
        return (self.offset(node.lineno, node.col_offset),
                self.offset(node.end_lineno, node.end_col_offset))


@dataclass
class _Edit:
    start: int
    end: int
    text: str
    why: str


@dataclass
class RewriteResult:
    """New text plus a human-readable list of what changed."""

    text: str
    changes: List[str] = field(default_factory=list)


def _terminal_name(func: ast.AST) -> Optional[str]:
    if isinstance(func, ast.Name):
        return func.id
    if isinstance(func, ast.Attribute):
        return func.attr
    return None


def _is_simple_string(node: ast.AST) -> bool:
    return isinstance(node, ast.Constant) and isinstance(node.value, str)


def _lazy_module_strings(tree: ast.AST) -> Iterator[ast.Constant]:
    """String constants of ``__lazy_modules__ = {...}`` declarations."""
    for node in ast.walk(tree):
        targets = []
        if isinstance(node, ast.Assign):
            targets = node.targets
        elif isinstance(node, ast.AnnAssign) and node.value is not None:
            targets = [node.target]
        if any(isinstance(t, ast.Name) and t.id == "__lazy_modules__" for t in targets):
            for sub in ast.walk(node.value):
                if _is_simple_string(sub):
                    yield sub


def _module_name_strings(tree: ast.AST) -> Iterator[ast.Constant]:
    """String literals passed as module names to import_module/__import__/files/find_spec."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and _terminal_name(node.func) in MODULE_NAME_CALLS:
            if node.args and _is_simple_string(node.args[0]):
                yield node.args[0]


def _entry_point_calls(tree: ast.AST, groups: frozenset) -> Iterator[ast.Call]:
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and _terminal_name(node.func) == "entry_points":
            for kw in node.keywords:
                if kw.arg == "group" and _is_simple_string(kw.value) and kw.value.value in groups:
                    yield node


# --------------------------------------------------------------------------------------------
# rewriting

class _Rewriter:
    def __init__(self, text: str, names: VendoredNames, package: str, filename: str):
        self.src = _Source(text)
        self.names = names
        self.vendor = f"{package}._vendor"
        self.filename = filename
        self.edits: List[_Edit] = []
        self._tokens = None

    # tokens are only needed for `from x import` statements; computed lazily
    def tokens(self):
        if self._tokens is None:
            self._tokens = list(tokenize.generate_tokens(io.StringIO(self.src.text).readline))
        return self._tokens

    def where(self, node: ast.AST) -> str:
        return f"{self.filename}:{node.lineno}"

    def run(self, tree: ast.AST, relpath: Optional[str]) -> None:
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                self.rewrite_import(node)
            elif isinstance(node, ast.ImportFrom):
                self.rewrite_import_from(node)
        for const in list(_module_name_strings(tree)) + list(_lazy_module_strings(tree)):
            self.rewrite_string(const)
        for call in _entry_point_calls(tree, self.names.entry_point_groups):
            start, end = self.src.node_span(call.func)
            self.edits.append(_Edit(start, end,
                                    f'__import__("{self.vendor}", fromlist=["vendored_entry_points"])'
                                    f".vendored_entry_points",
                                    f"{self.where(call)}: entry_points() -> vendored_entry_points()"))
        if relpath is not None:
            for path, function, parameter in DYNAMIC_NAME_FUNCTIONS:
                if relpath == path:
                    self.map_parameter(tree, function, parameter)

    def rewrite_import(self, node: ast.Import) -> None:
        if not any(self.names.is_vendored(a.name) for a in node.names):
            return
        parts: List[str] = []
        plain: List[str] = []

        def flush():
            if plain:
                parts.append("import " + ", ".join(plain))
                plain.clear()

        for alias in node.names:
            name, asname = alias.name, alias.asname
            if not self.names.is_vendored(name):
                plain.append(f"{name} as {asname}" if asname else name)
                continue
            flush()
            if asname:
                if "." in name:
                    parts.append(f"import {self.vendor}.{name} as {asname}")
                else:
                    parts.append(f"from {self.vendor} import {name} as {asname}")
            elif "." in name:  # `import a.b.c` loads a.b.c and binds `a`
                top = name.split(".")[0]
                parts.append(f'__import__("{self.vendor}.{name}")')
                parts.append(f"from {self.vendor} import {top}")
            else:
                parts.append(f"from {self.vendor} import {name}")
        flush()
        start, end = self.src.node_span(node)
        self.edits.append(_Edit(start, end, "; ".join(parts), f"{self.where(node)}: {'; '.join(parts)}"))

    def rewrite_import_from(self, node: ast.ImportFrom) -> None:
        if node.level or not node.module or node.module == "__future__":
            return
        module = node.module
        if not self.names.is_vendored(module):
            if module not in self.names.namespaces:
                return
            flags = [self.names.is_vendored(f"{module}.{a.name}") for a in node.names]
            if not any(flags):
                return
            if not all(flags):
                raise RewriteError(f"{self.where(node)}: 'from {module} import ...' mixes vendored and "
                                   f"non-vendored modules; split the statement")
        start, end = self._module_span(node)
        old = self.src.text[start:end]
        if "".join(old.split()).replace("\\", "") != module:
            raise RewriteError(f"{self.where(node)}: could not locate module name {module!r} (found {old!r})")
        self.edits.append(_Edit(start, end, f"{self.vendor}.{module}",
                                f"{self.where(node)}: from {module} -> from {self.vendor}.{module}"))

    def _module_span(self, node: ast.ImportFrom) -> Tuple[int, int]:
        """Offsets of the dotted module name between ``from`` and ``import``."""
        stmt_start = self.src.offset(node.lineno, node.col_offset)
        toks = self.tokens()
        i = 0
        while i < len(toks):
            tok = toks[i]
            if tok.type == tokenize.NAME and tok.string == "from" and \
                    self.src.char_offset(*tok.start) == stmt_start:
                break
            i += 1
        else:
            raise RewriteError(f"{self.where(node)}: 'from' token not found")
        first = last = None
        for tok in toks[i + 1:]:
            if tok.type == tokenize.NAME and tok.string == "import":
                break
            if tok.type in (tokenize.NAME, tokenize.OP):
                first = first or tok
                last = tok
        if first is None:
            raise RewriteError(f"{self.where(node)}: module name not found")
        return self.src.char_offset(*first.start), self.src.char_offset(*last.end)

    def rewrite_string(self, const: ast.Constant) -> None:
        value = const.value
        if not self.names.is_vendored(value):
            return
        start, end = self.src.node_span(const)
        literal = self.src.text[start:end]
        quote = literal[0]
        if quote not in "'\"" or literal[-1] != quote or literal[1:-1] != value:
            raise RewriteError(f"{self.where(const)}: cannot rewrite module-name string {literal}")
        new = f"{quote}{self.vendor}.{value}{quote}"
        self.edits.append(_Edit(start, end, new, f"{self.where(const)}: {literal} -> {new}"))

    def map_parameter(self, tree: ast.AST, function: str, parameter: str) -> None:
        for node in ast.walk(tree):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.name == function:
                body = node.body
                first = body[1] if (len(body) > 1 and isinstance(body[0], ast.Expr)
                                    and _is_simple_string(body[0].value)) else body[0]
                at = self.src.offset(first.lineno, first.col_offset)
                stmt = (f'{parameter} = __import__("{self.vendor}", fromlist=["vendored_module_name"])'
                        f".vendored_module_name({parameter}); ")
                self.edits.append(_Edit(at, at, stmt, f"{self.where(first)}: map {parameter} to vendored name"))
                return
        raise RewriteError(f"{self.filename}: function {function}() not found; update DYNAMIC_NAME_FUNCTIONS")

    def apply(self) -> str:
        text = self.src.text
        last_start = None
        for edit in sorted(self.edits, key=lambda e: (e.start, e.end), reverse=True):
            if last_start is not None and edit.end > last_start:
                raise RewriteError(f"{self.filename}: overlapping rewrites ({edit.why})")
            text = text[:edit.start] + edit.text + text[edit.end:]
            last_start = edit.start
        return text


def rewrite_source(text: str, names: VendoredNames, package: str, filename: str = "<string>",
                   relpath: Optional[str] = None) -> RewriteResult:
    """Rewrite one module's source. ``relpath`` is the path inside ``_vendor`` (for the
    function-specific patches); the result still parses (checked)."""
    tree = ast.parse(text, filename=filename)
    rewriter = _Rewriter(text, names, package, filename)
    rewriter.run(tree, relpath)
    if not rewriter.edits:
        return RewriteResult(text)
    new_text = rewriter.apply()
    ast.parse(new_text, filename=filename)  # raises if the rewrite broke the module
    return RewriteResult(new_text, [e.why for e in sorted(rewriter.edits, key=lambda e: e.start)])


# --------------------------------------------------------------------------------------------
# checking

def find_unrewritten(text: str, names: VendoredNames, filename: str = "<string>") -> List[str]:
    """Every place in ``text`` that would still load a vendored package from the global
    namespace (an empty list means the module is clean)."""
    tree = ast.parse(text, filename=filename)
    problems = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if names.is_vendored(alias.name):
                    problems.append(f"{filename}:{node.lineno}: import {alias.name}")
        elif isinstance(node, ast.ImportFrom) and not node.level and node.module:
            if names.is_vendored(node.module) or (
                    node.module in names.namespaces
                    and any(names.is_vendored(f"{node.module}.{a.name}") for a in node.names)):
                problems.append(f"{filename}:{node.lineno}: from {node.module} import ...")
    for const in _module_name_strings(tree):
        if names.is_vendored(const.value):
            problems.append(f"{filename}:{const.lineno}: module name string {const.value!r}")
    for const in _lazy_module_strings(tree):
        if names.is_vendored(const.value):
            problems.append(f"{filename}:{const.lineno}: __lazy_modules__ entry {const.value!r}")
    for call in _entry_point_calls(tree, names.entry_point_groups):
        problems.append(f"{filename}:{call.lineno}: entry_points() of a vendored group")
    return problems


def iter_python_files(root: os.PathLike) -> Iterator[Path]:
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(d for d in dirnames if d != "__pycache__")
        for name in sorted(filenames):
            if name.endswith(".py"):
                yield Path(dirpath) / name


def check_tree(plugin_dir: os.PathLike) -> List[str]:
    """Check an unpacked plugin folder (``.../eo_scene_finder``) with its ``_vendor``."""
    plugin_dir = Path(plugin_dir)
    names = VendoredNames.from_vendor_dir(plugin_dir / "_vendor")
    problems = []
    for path in iter_python_files(plugin_dir):
        text = path.read_text(encoding="utf-8")
        problems.extend(find_unrewritten(text, names, str(path.relative_to(plugin_dir.parent))))
    return problems


def check_zip(zip_path: os.PathLike) -> List[str]:
    """Check a release zip without unpacking it to disk."""
    import tempfile
    import zipfile

    with zipfile.ZipFile(zip_path) as zf, tempfile.TemporaryDirectory() as tmp:
        tops = {n.split("/")[0] for n in zf.namelist()}
        if len(tops) != 1:
            return [f"{zip_path}: expected one top folder, found {sorted(tops)}"]
        zf.extractall(tmp)
        return check_tree(Path(tmp) / tops.pop())


def main(argv: Optional[Sequence[str]] = None) -> int:
    import argparse

    parser = argparse.ArgumentParser(description="Check a release zip or plugin folder for "
                                                 "imports of vendored packages that were not rewritten.")
    parser.add_argument("path", help="dist/eo_scene_finder-<version>.zip or an unpacked plugin folder")
    args = parser.parse_args(argv)
    problems = check_zip(args.path) if str(args.path).endswith(".zip") else check_tree(args.path)
    for problem in problems:
        print(problem)
    print(f"{len(problems)} unrewritten vendored import(s)")
    return 1 if problems else 0


if __name__ == "__main__":
    raise SystemExit(main())
