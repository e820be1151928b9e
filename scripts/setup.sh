#!/usr/bin/env bash
# Set up everything jiceng needs on a fresh machine that has only Python 3.11, pip and git:
# a CJK font for chart labels (Debian's fonts-noto-cjk), a virtualenv in .venv, jiceng and its test tools.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! ls /usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "installing fonts-noto-cjk (Chinese chart labels)"
    apt-get update -qq >/dev/null
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq fonts-noto-cjk >/dev/null
  else
    echo "warning: Chinese font missing; install fonts-noto-cjk (root needed)" >&2
  fi
fi

# Headless Chromium drives the test that opens the generated docs site.
if ! command -v chromium >/dev/null 2>&1 || ! command -v chromedriver >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "installing chromium and chromium-driver (docs test)"
    apt-get update -qq >/dev/null
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver >/dev/null
  else
    echo "warning: chromium/chromedriver missing; install chromium chromium-driver (root needed)" >&2
  fi
fi

if [ ! -x .venv/bin/python ]; then
  python3 -m venv .venv
fi
.venv/bin/python -m pip install -q --upgrade pip 2>&1 | grep -v "is ignored" || true
.venv/bin/python -m pip install -q -e ".[test]" 2>&1 | grep -v "is ignored" || true
.venv/bin/python -c "import jiceng" # fails loudly if the install did not work
