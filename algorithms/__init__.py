"""Processing algorithms (provider id ``eoscenefinder``). Not named ``processing``: that
would shadow QGIS's own module."""
