# The two commands that matter:  `make run` (set up, start the app) and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: setup system-deps translations update-translations run test check bench clean

# Debian packages: Xvfb and xdotool for the real-window test, the X11 libraries Qt's xcb
# platform needs to open a window, and fonts for Latin and Chinese (CJK) text. Installed when
# we are root with apt-get; otherwise the real-window test skips and says why. sqlite3: its
# `.recover` salvages a damaged catalog (`clipdesk recover --salvage`; row by row without it).
SYSTEM_PACKAGES := xvfb xdotool libxcb-cursor0 libxkbcommon-x11-0 libxcb-icccm4 libxcb-keysyms1 \
                   libxcb-image0 libxcb-render-util0 libxcb-shape0 libxcb-randr0 libxcb-xinerama0 libegl1 \
                   fonts-dejavu-core fonts-noto-cjk sqlite3

# constraints.txt pins torch to the local CPU build: no CUDA packages are ever downloaded.
$(STAMP): pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c constraints.txt torch==2.13.0
	$(BIN)/python -m pip install --quiet -c constraints.txt -e '.[dev]'
	touch $(STAMP)

setup: $(STAMP) translations system-deps

# The interface's translations: resources/i18n/*.ts (sources, in git) -> clipdesk/ui/translations/*.qm
# (built here, git-ignored; app.py loads them). `make update-translations` re-reads the strings
# from clipdesk/ui after the code changed; then translate the new entries (pyside6-linguist).
I18N    := resources/i18n
QM_DIR  := clipdesk/ui/translations
UI_PY    = $(shell find clipdesk/ui -name '*.py' | sort)

translations: $(STAMP)
	@mkdir -p $(QM_DIR)
	@for ts in $(I18N)/clipdesk_*.ts; do \
		$(BIN)/pyside6-lrelease -silent $$ts -qm $(QM_DIR)/$$(basename $$ts .ts).qm || exit 1; done

update-translations: $(STAMP)
	$(BIN)/pyside6-lupdate -no-obsolete -locations none $(UI_PY) -target-language zh_CN -ts $(I18N)/clipdesk_zh_CN.ts
	$(BIN)/pyside6-lupdate -no-obsolete -locations none -pluralonly $(UI_PY) -target-language en -ts $(I18N)/clipdesk_en.ts

system-deps:
	@if command -v Xvfb >/dev/null && command -v xdotool >/dev/null && fc-list :lang=zh family | grep -q .; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
		echo "Installing $(SYSTEM_PACKAGES)"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $(SYSTEM_PACKAGES) >/dev/null \
			|| echo "warning: could not install $(SYSTEM_PACKAGES); the real-window test will skip"; \
	else echo "note: install $(SYSTEM_PACKAGES) for the app window and the real-window test"; fi

run: setup
	$(BIN)/clipdesk

# Static checks: lint and format (ruff), types of the core (mypy; the UI is left to its tests),
# and the import contracts in pyproject.toml (only clipdesk.ui imports Qt; layers only import downwards).
check: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/lint-imports

# Two test processes (pytest-xdist): every test keeps its own temp dirs, ports and servers.
test: check
	QT_QPA_PLATFORM=offscreen $(BIN)/python -m pytest -q -n 2 --durations=15

clean:
	rm -rf $(VENV) build dist *.egg-info .pytest_cache
