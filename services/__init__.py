"""The QGIS side of the plugin that is not a widget: saved connections, secrets in QGIS's
authentication database, network settings, project redaction, the one path from a
connection text to a provider, the task keeper and the scene layer schema shared by the
panel and the Processing algorithms."""
