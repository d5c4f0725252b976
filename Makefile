# EO Scene Finder: development tasks. `make test` works on a fresh Debian 12 machine:
# it installs the Debian packages, the two venvs, then runs every test headless.
# Variables are overridable: `make test PYTHON=/usr/bin/python3 PYTEST_ARGS="-x -k stac"`.

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

PYTHON ?= /usr/bin/python3
VENV ?= .venv
STAC_VENV ?= .venv-stac
BUILD ?= .build
STAMPS ?= $(BUILD)/stamps
PYTEST_ARGS ?=
# Debian packages the tests need (append with APT_PACKAGES += ... in your own target).
APT_PACKAGES ?= qgis python3-qgis qgis-providers python3-gdal xvfb xauth \
	postgresql-15 postgresql-15-postgis-3 nginx-light python3-shapely python3-venv \
	tinyproxy xdotool dbus gnome-keyring qttools5-dev-tools
SUDO := $(if $(filter 0,$(shell id -u)),,sudo)

export STAC_VENV

.PHONY: help test fuzz deps apt venv stac-venv stac-server stac-server-stop clean-test-cache

help:
	@echo "make test              install what is missing, then run all tests headless"
	@echo "make fuzz              fuzz every parser with many examples (Hypothesis profile fuzz)"
	@echo "make deps              only install (Debian packages, $(VENV), $(STAC_VENV))"
	@echo "make stac-server       start the real test STAC API in the background (prints URL)"
	@echo "make stac-server-stop  stop it"
	@echo "make clean-test-cache  drop the cached test database under $(BUILD)/"
	@echo "make package           dist/eo_scene_finder-<version>.zip (dependencies vendored, translations built)"
	@echo "make translations      i18n/*.qm from the Qt Linguist sources i18n/*.ts (lrelease)"
	@echo "make translations-update  merge new/changed strings of the code into i18n/*.ts"
	@echo "make demo              QGIS on a dedicated profile with the plugin and the demo catalog (DEV=1: symlink)"
	@echo "make demo-shot         the same under Xvfb, saves docs/screenshots/demo.png"

test: deps translations
	QT_QPA_PLATFORM=offscreen $(VENV)/bin/python -m pytest $(PYTEST_ARGS) tests

# the parsers fuzzed with many more examples than make test's profile (a few minutes)
fuzz: deps
	HYPOTHESIS_PROFILE=fuzz QT_QPA_PLATFORM=offscreen $(VENV)/bin/python -m pytest $(PYTEST_ARGS) tests/test_fuzz.py

deps: apt venv stac-venv

apt: $(STAMPS)/apt
venv: $(VENV)/.stamp-requirements-dev
stac-venv: $(STAC_VENV)/.requirements.sha256

# Re-checked when this Makefile changes; apt-get runs only if something is missing.
$(STAMPS)/apt: Makefile
	@missing=""; \
	for pkg in $(APT_PACKAGES); do \
	  dpkg-query -W -f='$${Status}' "$$pkg" 2>/dev/null | grep -q "install ok installed" \
	    || missing="$$missing $$pkg"; \
	done; \
	if [ -n "$$missing" ]; then \
	  echo "Installing Debian packages:$$missing"; \
	  $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get update; \
	  $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y $$missing; \
	fi
	@mkdir -p $(STAMPS) && touch $@

$(VENV)/.stamp-requirements-dev: requirements-dev.txt | $(STAMPS)/apt
	test -x $(VENV)/bin/python || $(PYTHON) -m venv --system-site-packages $(VENV)
	$(VENV)/bin/python -m pip install --disable-pip-version-check -q -r requirements-dev.txt
	touch $@

# The script keeps a hash of the requirements in this stamp and skips pip when unchanged.
$(STAC_VENV)/.requirements.sha256: requirements-stac-server.txt | $(STAMPS)/apt
	$(PYTHON) tests/servers/pgstac_server.py install --quiet --python $(PYTHON)

stac-server: stac-venv
	@$(PYTHON) tests/servers/pgstac_server.py start

stac-server-stop:
	@$(PYTHON) tests/servers/pgstac_server.py stop

clean-test-cache:
	rm -rf $(BUILD)/pgstac-cache $(BUILD)/stamps

# Rebuild the bundled offline demo catalog (demo_catalog/) from rio-tiler's real COGs.
# DEMO_SOURCES defaults to ../shared/data/real/cog/rio-tiler next to the repository.
DEMO_SOURCES ?=
.PHONY: demo-catalog
demo-catalog: apt
	$(PYTHON) scripts/build_demo_catalog.py $(DEMO_SOURCES)

# --- release zip and demo (scripts/package.py, scripts/demo.py, scripts/qgis_profile.py) ---
# `make package`: dist/eo_scene_finder-<version>.zip; the pure-Python dependencies pinned in
# requirements-vendor.txt are vendored under eo_scene_finder/_vendor with rewritten imports.
# `make vendor` stops at the staged tree (.build/package/eo_scene_finder) for inspection.
# `make demo` opens QGIS on a dedicated profile under DEMO_ROOT (never your default profile);
# `make demo DEV=1` links the working tree instead of installing the zip.
# `make demo-shot` does it under Xvfb in a fresh profile and saves docs/screenshots/demo.png.
DEMO_ROOT ?= $(HOME)/.local/share/eo_scene_finder/qgis-profiles
DEMO_PROFILE ?= eo-scene-finder-demo
DEV ?=
.PHONY: vendor-wheels vendor package demo demo-shot
deps: vendor-wheels

vendor-wheels: $(BUILD)/vendor-cache/.stamp-requirements-vendor
$(BUILD)/vendor-cache/.stamp-requirements-vendor: requirements-vendor.txt
	@$(PYTHON) -m pip --version >/dev/null 2>&1 || { \
	  $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get update && \
	  $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y python3-pip; }
	$(PYTHON) scripts/package.py --download-only
	touch $@

vendor: vendor-wheels
	$(PYTHON) scripts/package.py --offline --vendor-only

package: vendor-wheels translations
	$(PYTHON) scripts/package.py --offline

# --- translations (i18n.py, scripts/i18n.py; README "Languages") ---
# The .ts files are the sources (committed); the .qm files are built (not committed): here for
# `make demo DEV=1` and the tests, and again inside the staged tree by scripts/package.py.
TS_FILES := $(wildcard i18n/eo_scene_finder_*.ts)
QM_FILES := $(TS_FILES:.ts=.qm)
.PHONY: translations translations-update
translations: $(QM_FILES)
i18n/%.qm: i18n/%.ts | $(STAMPS)/apt
	lrelease -silent $< -qm $@

translations-update:
	$(PYTHON) scripts/i18n.py update
	$(PYTHON) scripts/i18n.py stats

demo: $(if $(DEV),translations)
	$(PYTHON) scripts/demo.py --root "$(DEMO_ROOT)" --profile "$(DEMO_PROFILE)" $(if $(DEV),--dev)

demo-shot:
	rm -rf "$(BUILD)/qgis-profiles/profiles/$(DEMO_PROFILE)"
	$(PYTHON) scripts/demo.py --root "$(BUILD)/qgis-profiles" --profile "$(DEMO_PROFILE)" \
	  --screenshot docs/screenshots/demo.png

# Refresh the README's screenshots from a real QGIS window (Xvfb): the demo, a search on the
# real STAC API fixture, a COG streamed from nginx, three catalogs searched at once, best coverage.
.PHONY: screenshots
screenshots: deps demo-shot
	QT_QPA_PLATFORM=offscreen $(VENV)/bin/python -m pytest -q tests/test_qgis_screenshots.py tests/test_usgs_screenshot.py tests/test_multi_screenshot.py
	cp tests/.artifacts/qgis/panel-results/panel-results.png tests/.artifacts/qgis/panel-results/panel-scene.png \
	   tests/.artifacts/qgis/panel-fr/panel-fr.png tests/.artifacts/qgis/panel-cog/panel-cog.png tests/.artifacts/qgis/panel-usgs/panel-usgs.png \
	   tests/.artifacts/qgis/panel-multi/panel-multi.png tests/.artifacts/qgis/multi-coverage/panel-coverage.png \
	   docs/screenshots/
