"""The plugin's one translation context (``EoSceneFinder``) and its loading from QGIS's locale.

Qt Linguist sources live in ``i18n/*.ts`` (``scripts/i18n.py update`` keeps them in step with
the code), ``make translations`` builds the ``.qm`` files loaded here. ``providers/`` never
imports Qt: its messages are English.
"""
from __future__ import annotations

import os
from typing import List, Optional

from qgis.core import QgsSettings
from qgis.PyQt.QtCore import QCoreApplication, QLocale, QTranslator

CONTEXT = "EoSceneFinder"
I18N_DIR = os.path.join(os.path.dirname(__file__), "i18n")
QM_PREFIX = "eo_scene_finder_"


def tr(text: str) -> str:
    """``text`` in the user's language (named ``{placeholders}``: call ``.format`` on the result)."""
    return QCoreApplication.translate(CONTEXT, text)


def tr_noop(text: str) -> str:
    """Marks a literal for translation where it is defined (a table's column titles); the
    code that shows it calls ``tr()`` on it."""
    return text


def qgis_locale() -> str:
    """The locale QGIS shows its own interface in (``fr_FR``, ``pt_BR``…)."""
    settings = QgsSettings()
    override = str(settings.value("locale/overrideFlag", False)).lower() in ("true", "1")
    locale = settings.value("locale/userLocale", "") if override else ""
    return str(locale or QLocale().name() or "en_US")


def candidate_files(locale: str, i18n_dir: Optional[str] = None) -> List[str]:
    """The ``.qm`` files to try, most specific first: fr_FR, then fr; pt (any) → pt_BR."""
    i18n_dir = i18n_dir or I18N_DIR
    locale = locale.replace("-", "_")
    language = locale.split("_")[0]
    names = [locale, language]
    if language == "pt":
        names.append("pt_BR")
    seen = []
    for name in names:
        if name and name not in seen:
            seen.append(name)
    return [os.path.join(i18n_dir, f"{QM_PREFIX}{name}.qm") for name in seen]


def install_translator(locale: Optional[str] = None, i18n_dir: Optional[str] = None) -> Optional[QTranslator]:
    """Load the first matching ``.qm`` and install it; ``None`` when there is none (English)."""
    for path in candidate_files(locale or qgis_locale(), i18n_dir):
        if not os.path.isfile(path):
            continue
        translator = QTranslator()
        if translator.load(path):
            QCoreApplication.installTranslator(translator)
            return translator
    return None


def remove_translator(translator: Optional[QTranslator]) -> None:
    if translator is not None:
        QCoreApplication.removeTranslator(translator)
