#!/usr/bin/env bash
# The JupyterLab extension's tests: type-check and prettier, Jest (model logic, on this
# checkout's source), then galata + Playwright UI tests in Debian's Chromium against the
# extension as a user installs it: the wheel venv's JupyterLab, nbprod server extension
# and share/jupyter/labextensions/nbprod (NBPROD_WHEEL_VENV, built by `make wheel-venv`).
# Needs jlpm and node on PATH (`make install-lab` puts them in .venv/bin).
# NBPROD_UI_DEV=1 opts in to this checkout's fresh build instead (fast iteration only).
# Exits non-zero on any failure; the last line is "labextension: N passed, N failed".
set -euo pipefail
cd "$(dirname "$0")"

export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 # we drive the system Chromium, never download one
CHROMIUM="${NBPROD_CHROMIUM:-/usr/bin/chromium}"
export NBPROD_CHROMIUM="$CHROMIUM"
DEV="${NBPROD_UI_DEV:-0}"

summary() { # passed failed: the one closing line, also when we stop early
  echo "labextension: $1 passed, $2 failed"
}

if [ "$DEV" != 1 ]; then
  if [ -z "${NBPROD_WHEEL_VENV:-}" ]; then
    echo "test.sh: NBPROD_WHEEL_VENV is not set. The UI tests run against the installed wheel:" >&2
    echo "  make wheel-venv   # builds the wheel from a clean copy into build/wheel-venv" >&2
    echo "  NBPROD_WHEEL_VENV=\$PWD/build/wheel-venv bash labextension/test.sh" >&2
    echo "(make test does both; NBPROD_UI_DEV=1 tests the checkout's build instead)" >&2
    summary 0 1
    exit 2
  fi
  NBPROD_WHEEL_VENV="$(cd "$NBPROD_WHEEL_VENV" 2> /dev/null && pwd)" || {
    echo "test.sh: NBPROD_WHEEL_VENV does not exist; build it with: make wheel-venv" >&2
    summary 0 1
    exit 2
  }
  export NBPROD_WHEEL_VENV
  if [ ! -x "$NBPROD_WHEEL_VENV/bin/jupyter" ]; then
    echo "test.sh: $NBPROD_WHEEL_VENV/bin/jupyter not found; rebuild it with: make wheel-venv" >&2
    summary 0 1
    exit 2
  fi
fi

for tool in jlpm node; do
  if ! command -v "$tool" > /dev/null; then
    echo "test.sh: '$tool' not found; run: make install-lab (and install Node.js >= 20)" >&2
    summary 0 1
    exit 2
  fi
done

if [ ! -x "$CHROMIUM" ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get > /dev/null; then
    echo "test.sh: installing Debian's chromium"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium > /dev/null
  else
    echo "test.sh: $CHROMIUM not found; install it (apt-get install chromium) or set NBPROD_CHROMIUM" >&2
    summary 0 1
    exit 2
  fi
fi

REPORTS="$(mktemp -d)"
trap 'rm -rf "$REPORTS"' EXIT
echo '{"numPassedTests":0,"numFailedTests":0}' > "$REPORTS/jest.json"
status=0

close() { # status: print the closing line from the Jest and Playwright reports, exit
  node -e '
    const fs = require("fs");
    const jest = JSON.parse(fs.readFileSync(process.argv[1], "utf8"));
    let ui = { expected: 0, unexpected: 0, flaky: 0 };
    try { ui = JSON.parse(fs.readFileSync("ui-tests/test-results/results.json", "utf8")).stats; } catch {}
    const passed = jest.numPassedTests + ui.expected + ui.flaky;
    // a step that failed without a test report (type errors, no server) still fails
    const failed = Math.max(jest.numFailedTests + ui.unexpected, Number(process.argv[2]) === 0 ? 0 : 1);
    console.log(`labextension: ${passed} passed, ${failed} failed`);
  ' "$REPORTS/jest.json" "$1"
  exit "$1"
}

rm -f ui-tests/test-results/results.json # a stale report must not count

echo "== JS dependencies"
jlpm install > "$REPORTS/install.log" 2>&1 || { cat "$REPORTS/install.log" >&2; close 1; }

echo "== type-check (src, unit tests, UI tests) and prettier"
jlpm typecheck || close 1
jlpm prettier:check > "$REPORTS/prettier.log" 2>&1 || { cat "$REPORTS/prettier.log" >&2; close 1; }

echo "== Jest"
jlpm jest --ci --json --outputFile="$REPORTS/jest.json" || status=$?

if [ "$DEV" = 1 ]; then
  echo "== NBPROD_UI_DEV=1: build this checkout's extension into nbprod/labextension"
  jlpm build:prod > "$REPORTS/build.log" 2>&1 || { cat "$REPORTS/build.log" >&2; close 1; }
  echo "== UI tests against the checkout's build (not the installed wheel)"
else
  # The extension as installed: listed, enabled and OK in the wheel venv, found nowhere else.
  echo "== installed extension in $NBPROD_WHEEL_VENV"
  "$NBPROD_WHEEL_VENV/bin/jupyter" labextension list > "$REPORTS/labext.log" 2>&1 || true
  listed="$(sed 's/\x1b\[[0-9;]*m//g' "$REPORTS/labext.log")"
  expected_dir="$NBPROD_WHEEL_VENV/share/jupyter/labextensions"
  if ! awk -v dir="$expected_dir" '
      /^\// { here = ($0 == dir) }
      here && /^[ \t]+nbprod v[^ ]+ enabled +OK/ { found = 1 }
      !here && /^[ \t]+nbprod / { elsewhere = 1 }
      END { exit !(found && !elsewhere) }' <<< "$listed"; then
    echo "test.sh: nbprod is not listed enabled and OK in $expected_dir alone:" >&2
    echo "$listed" >&2
    close 1
  fi
  "$NBPROD_WHEEL_VENV/bin/jupyter" server extension list 2>&1 | sed 's/\x1b\[[0-9;]*m//g' | grep -Eq '^ +nbprod enabled' || {
    echo "test.sh: the nbprod server extension is not enabled in $NBPROD_WHEEL_VENV" >&2
    close 1
  }
  echo "== UI tests against the installed wheel ($NBPROD_WHEEL_VENV)"
fi

echo "   (galata + Playwright, Chromium: $CHROMIUM)"
cd ui-tests
../node_modules/.bin/playwright test --project=ui || status=$?
cd ..
echo "screenshots: labextension/ui-tests/artifacts/{sidebar-light,sidebar-dark,lab,sidebar-live}.png"
close "$status"
