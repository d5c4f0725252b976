#!/usr/bin/env python3
"""Translation sources of the plugin: extract the messages, keep the Qt Linguist files in step.

Every user-facing string of the QGIS side goes through ``tr()`` (``i18n.py``, one context,
``EoSceneFinder``). This script reads the shipped code, never imports it:

- ``python3 scripts/i18n.py extract``: every ``tr("...")`` / ``QCoreApplication.translate(
  "EoSceneFinder", "...")`` literal with its ``file:line`` locations;
- ``python3 scripts/i18n.py update [LANG...]``: merges them into ``i18n/eo_scene_finder_<LANG>.ts``
  (existing translations kept, new sources added as ``unfinished``, vanished ones marked
  ``vanished``, locations refreshed); a new language gets a new file;
- ``python3 scripts/i18n.py unwrapped``: strings shown to the user but not wrapped in ``tr()``
  (the check ``tests/test_translations.py`` runs);
- ``python3 scripts/i18n.py stats``: translated / unfinished counts per language.

Translate with Qt Linguist (``linguist i18n/eo_scene_finder_fr.ts``), then ``make translations``
builds the ``.qm`` files QGIS loads. ``providers/`` never imports Qt: its messages stay English.
"""
from __future__ import annotations

import argparse
import ast
import re
import sys
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Dict, Iterable, List, Optional, Sequence, Tuple

REPO = Path(__file__).resolve().parent.parent
I18N_DIR = REPO / "i18n"
CONTEXT = "EoSceneFinder"
TS_PREFIX = "eo_scene_finder_"
LANGUAGES = ("fr", "pt_BR")

# The QGIS side: everything shipped but providers/ (pure Python, English messages).
SCANNED_DIRS = ("ui", "algorithms", "services", "tasks")
SCANNED_FILES = ("plugin.py", "__init__.py", "i18n.py", "qgis_compat.py")

Location = Tuple[str, int]


def source_files(repo: Path = REPO) -> List[Path]:
    files = [repo / name for name in SCANNED_FILES if (repo / name).is_file()]
    for folder in SCANNED_DIRS:
        files.extend(sorted((repo / folder).rglob("*.py")))
    return [f for f in files if "_vendor" not in f.parts and "__pycache__" not in f.parts]


# --------------------------------------------------------------------------------------------
# extraction

def _call_name(node: ast.AST) -> str:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    return ""


def _translated_literal(call: ast.Call) -> Optional[str]:
    """The source text of ``tr("...")`` or ``QCoreApplication.translate("EoSceneFinder", "...")``."""
    name = _call_name(call.func)
    if name in ("tr", "tr_noop") and call.args:
        arg = call.args[0]
    elif name == "translate" and len(call.args) >= 2 and isinstance(call.func, ast.Attribute) \
            and _call_name(call.func.value) == "QCoreApplication":
        ctx = call.args[0]
        if not (isinstance(ctx, ast.Constant) and ctx.value == CONTEXT):
            return None
        arg = call.args[1]
    else:
        return None
    if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
        return arg.value
    return None


def extract(repo: Path = REPO, files: Optional[Iterable[Path]] = None) -> Dict[str, List[Location]]:
    """``{source text: [(relative path, line), ...]}`` in order of first appearance."""
    messages: Dict[str, List[Location]] = {}
    for path in files if files is not None else source_files(repo):
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        rel = path.relative_to(repo).as_posix()
        for node in ast.walk(tree):
            if isinstance(node, ast.Call):
                text = _translated_literal(node)
                if text is not None:
                    messages.setdefault(text, []).append((rel, node.lineno))
    for locations in messages.values():
        locations.sort()
    return dict(sorted(messages.items(), key=lambda item: item[1][0]))


def non_literal_tr_calls(repo: Path = REPO) -> List[str]:
    """``tr(f"...")``, ``tr("a" + b)``, ``tr("...".format())``: text that cannot be extracted
    (``tr()`` takes the literal, ``.format`` goes on its result). ``tr(variable)`` is allowed:
    a text marked with ``tr_noop`` where it is defined, or one from a provider spec (English)."""
    found = []
    for path in source_files(repo):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and _call_name(node.func) in ("tr", "tr_noop") and node.args \
                    and _translated_literal(node) is None and raw_text(node.args[0]):
                found.append(f"{path.relative_to(repo).as_posix()}:{node.lineno}")
    return found


# --------------------------------------------------------------------------------------------
# user-facing strings that are not wrapped

# methods whose string arguments are shown to the user
TEXT_METHODS = {
    "setText", "setToolTip", "setPlaceholderText", "setWindowTitle", "setStatusTip", "setWhatsThis",
    "addTab", "insertTab", "setTabText", "setTabToolTip", "setHeaderLabels", "setHorizontalHeaderLabels",
    "setVerticalHeaderLabels", "setTitle", "setLabelText", "setSpecialValueText", "addMenu",
    "pushMessage", "pushInfo", "pushWarning", "reportError", "pushCritical", "pushSuccess",
    "pushCommandInfo", "pushConsoleInfo", "setProgressText", "showMessage", "setDescription",
    "setButtonText", "setInformativeText", "setDetailedText", "setAccessibleName", "drawText",
    # the plugin's own: status line and error bar of the dock, its search controller
    "_set_status", "set_status", "_show_error", "show_error",
    # QgsMessageLog.logMessage(message, tag, level): the Log Messages panel is read by users
    "logMessage",
}
# the plugin's signals that carry a text to the status line / error bar: sig.emit(text, ...)
TEXT_SIGNALS = {"statusChanged", "statusMessage", "failed", "progressChanged", "message"}
# functions (not methods) whose first argument is shown: the plugin's log helpers
TEXT_FUNCTIONS = {"log_message", "_log"}
# only the text argument: addItem(text, userData) / insertItem(index, text, userData)
ITEM_METHODS = {"addItem": 0, "insertItem": 1, "addAction": 0, "addRow": 0, "addSection": 0,
                # file dialogs: the caption
                "getExistingDirectory": 1, "getSaveFileName": 1, "getOpenFileName": 1, "getOpenFileNames": 1}
ITEM_LIST_METHODS = {"addItems": 0, "insertItems": 1}
WIDGET_CONSTRUCTORS = {
    "QLabel", "QPushButton", "QCheckBox", "QGroupBox", "QRadioButton", "QAction", "QToolButton", "QMenu",
    "QgsCollapsibleGroupBox", "QProgressDialog", "QgsProcessingException", "QStandardItem", "QMessageBox",
    # tasks: the description QGIS's task manager shows
    "QgsTask", "FunctionTask", "OpenRemoteRasterTask", "SearchTask", "DownloadTask",
}
# the plugin's errors carry their message to the user (message bar, dialogs, Processing log);
# Python's own errors are for programming mistakes
PYTHON_ERRORS = {"ValueError", "TypeError", "RuntimeError", "KeyError", "AssertionError", "NotImplementedError",
                 "AttributeError", "OSError", "IndexError", "LookupError", "ImportError"}
MESSAGE_BOX_FUNCTIONS = {"information", "warning", "critical", "question", "about"}
# QgsProcessingAlgorithm / QgsProcessingProvider methods whose return value is shown
TEXT_RETURNING_METHODS = {"displayName", "shortHelpString", "group", "shortDescription", "helpString",
                          "longName"}

_LETTER = re.compile(r"[^\W\d_]")
_MARKUP = re.compile(r"<[^>]*>|&\w+;|\{[^{}]*\}")


def _has_letters(text: str) -> bool:
    """Words a translator would change (markup, entities and ``{placeholders}`` are not)."""
    return bool(_LETTER.search(_MARKUP.sub("", text)))


def raw_text(node: Optional[ast.AST]) -> bool:
    """Whether an expression is (or is built from) a literal with words, not a ``tr()`` result."""
    if node is None:
        return False
    if isinstance(node, ast.Constant):
        return isinstance(node.value, str) and _has_letters(node.value)
    if isinstance(node, ast.JoinedStr):
        return _has_letters("".join(str(v.value) for v in node.values if isinstance(v, ast.Constant)))
    if isinstance(node, ast.BinOp) and isinstance(node.op, (ast.Add, ast.Mod)):
        return raw_text(node.left) or (isinstance(node.op, ast.Add) and raw_text(node.right))
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in ("format", "join"):
        return raw_text(node.func.value)
    if isinstance(node, ast.IfExp):
        return raw_text(node.body) or raw_text(node.orelse)
    if isinstance(node, (ast.List, ast.Tuple)):
        return any(raw_text(e) for e in node.elts)
    return False


def _checked_arguments(call: ast.Call) -> List[ast.AST]:
    func, name = call.func, _call_name(call.func)
    args = list(call.args)
    if isinstance(func, ast.Attribute) and name in MESSAGE_BOX_FUNCTIONS and _call_name(func.value) == "QMessageBox":
        return args[1:3] + [k.value for k in call.keywords if k.arg in ("title", "text")]
    if isinstance(func, ast.Attribute) and name == "emit" and _call_name(func.value) in TEXT_SIGNALS:
        return args
    if isinstance(func, ast.Attribute) and name == "logMessage":
        return args[:1]
    if isinstance(func, ast.Name) and name in TEXT_FUNCTIONS:
        return args[:1]
    if isinstance(func, ast.Attribute) and name in TEXT_METHODS:
        return args + [k.value for k in call.keywords if k.arg in ("text", "title", "message", "toolTip")]
    if isinstance(func, ast.Attribute) and name in ITEM_METHODS:
        index = ITEM_METHODS[name]
        return args[index:index + 1]
    if isinstance(func, ast.Attribute) and name in ITEM_LIST_METHODS:
        index = ITEM_LIST_METHODS[name]
        return args[index:index + 1]
    if name.endswith("Error") and name not in PYTHON_ERRORS:
        return args[:1] + [k.value for k in call.keywords if k.arg in ("message", "user_message")]
    if name in WIDGET_CONSTRUCTORS:
        return args + [k.value for k in call.keywords if k.arg in ("text", "title")]
    if name.startswith(("QgsProcessingParameter", "QgsProcessingOutput")) and name != "QgsProcessingParameters":
        described = args[1:2] + [k.value for k in call.keywords if k.arg == "description"]
        if name.startswith("QgsProcessingParameterEnum"):
            described += args[2:3] + [k.value for k in call.keywords if k.arg == "options"]
        return described
    return []


def unwrapped_in_source(text: str, filename: str = "<sample>") -> List[Tuple[int, str]]:
    """``[(line, snippet)...]`` of user-facing strings not passed through ``tr()``."""
    tree = ast.parse(text, filename=filename)
    found: List[Tuple[int, str]] = []

    def report(node: ast.AST) -> None:
        snippet = ast.get_source_segment(text, node) or ""
        found.append((node.lineno, " ".join(snippet.split())[:90]))

    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            for arg in _checked_arguments(node):
                if raw_text(arg):
                    report(arg)
        elif isinstance(node, ast.FunctionDef) and node.name in TEXT_RETURNING_METHODS:
            for sub in ast.walk(node):
                if isinstance(sub, ast.Return) and raw_text(sub.value):
                    report(sub.value)
    return sorted(found)


def unwrapped(repo: Path = REPO) -> List[str]:
    out = []
    for path in source_files(repo):
        rel = path.relative_to(repo).as_posix()
        for line, snippet in unwrapped_in_source(path.read_text(encoding="utf-8"), rel):
            out.append(f"{rel}:{line}: {snippet}")
    return out


# --------------------------------------------------------------------------------------------
# .ts files

def ts_path(language: str, i18n_dir: Path = I18N_DIR) -> Path:
    return i18n_dir / f"{TS_PREFIX}{language}.ts"


def read_ts(path: Path) -> Dict[str, Tuple[str, str]]:
    """``{source: (translation, type)}``; type is "" (finished), "unfinished", "vanished" or "obsolete"."""
    if not path.is_file():
        return {}
    root = ET.parse(path).getroot()
    out = {}
    for context in root.iter("context"):
        for message in context.iter("message"):
            source = message.findtext("source") or ""
            translation = message.find("translation")
            text = "" if translation is None else (translation.text or "")
            kind = "" if translation is None else translation.get("type", "")
            out[source] = (text, kind)
    return out


def write_ts(path: Path, language: str, messages: Dict[str, List[Location]],
             existing: Dict[str, Tuple[str, str]]) -> Dict[str, int]:
    """Write the merged file; returns counts of new / vanished / finished / unfinished messages."""
    root = ET.Element("TS", version="2.1", language=language)
    context = ET.SubElement(root, "context")
    ET.SubElement(context, "name").text = CONTEXT
    counts = {"new": 0, "vanished": 0, "finished": 0, "unfinished": 0}
    rel_dir = path.parent

    def add(source: str, translation: str, kind: str, locations: Sequence[Location]) -> None:
        message = ET.SubElement(context, "message")
        for filename, line in locations:
            rel = Path("..") / filename if rel_dir == I18N_DIR else REPO / filename
            ET.SubElement(message, "location", filename=rel.as_posix(), line=str(line))
        ET.SubElement(message, "source").text = source
        element = ET.SubElement(message, "translation")
        element.text = translation
        if kind:
            element.set("type", kind)

    for source, locations in messages.items():
        translation, kind = existing.get(source, ("", "unfinished"))
        if source not in existing:
            counts["new"] += 1
        if kind in ("vanished", "obsolete"):  # back in the code
            kind = "" if translation else "unfinished"
        if not translation:
            kind = "unfinished"
        counts["unfinished" if kind == "unfinished" else "finished"] += 1
        add(source, translation, kind, locations)
    for source, (translation, kind) in existing.items():
        if source not in messages and translation:  # keep the work, Linguist shows it as vanished
            counts["vanished"] += 1
            add(source, translation, "vanished", [])
    ET.indent(root, space="    ")
    body = ET.tostring(root, encoding="unicode")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text('<?xml version="1.0" encoding="utf-8"?>\n<!DOCTYPE TS>\n' + body + "\n", encoding="utf-8")
    return counts


def update(languages: Sequence[str] = LANGUAGES, repo: Path = REPO, i18n_dir: Path = I18N_DIR) -> Dict[str, Dict]:
    messages = extract(repo)
    report = {}
    for language in languages:
        path = ts_path(language, i18n_dir)
        report[language] = write_ts(path, language, messages, read_ts(path))
    return report


def ts_languages(i18n_dir: Path = I18N_DIR) -> List[str]:
    return sorted(p.stem[len(TS_PREFIX):] for p in i18n_dir.glob(f"{TS_PREFIX}*.ts"))


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("extract", help="list the translatable messages with their locations")
    up = sub.add_parser("update", help="merge the messages into i18n/*.ts")
    up.add_argument("languages", nargs="*", help=f"language codes (default: the existing files or {LANGUAGES})")
    sub.add_parser("unwrapped", help="user-facing strings not wrapped in tr() (exit 1 if any)")
    sub.add_parser("stats", help="translated and unfinished messages per language")
    args = parser.parse_args(argv)

    if args.command == "extract":
        for source, locations in extract().items():
            where = ", ".join(f"{f}:{line}" for f, line in locations)
            print(f"{where}\n    {source!r}")
        return 0
    if args.command == "update":
        languages = args.languages or ts_languages() or list(LANGUAGES)
        for language, counts in update(languages).items():
            print(f"{ts_path(language).relative_to(REPO)}: " + ", ".join(f"{v} {k}" for k, v in counts.items()))
        return 0
    if args.command == "unwrapped":
        problems = unwrapped() + [f"{where}: tr() of a non-literal" for where in non_literal_tr_calls()]
        print("\n".join(problems) if problems else "every user-facing string is wrapped")
        return 1 if problems else 0
    if args.command == "stats":
        messages = extract()
        for language in ts_languages():
            existing = read_ts(ts_path(language))
            done = sum(1 for s in messages if existing.get(s, ("", "x"))[0] and existing[s][1] == "")
            print(f"{language}: {done}/{len(messages)} translated")
        return 0
    return 2


if __name__ == "__main__":
    sys.exit(main())
