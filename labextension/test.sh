#!/usr/bin/env bash
# The JupyterLab extension's tests: type-check, Jest (model logic), then galata +
# Playwright UI tests in Debian's Chromium against a JupyterLab this script's
# Playwright config starts. Needs `pip install -e '.[test,lab]'` (jlpm, jupyter lab).
# Exits non-zero on any failure. Safe to re-run: every step is idempotent.
set -euo pipefail
cd "$(dirname "$0")"

export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 # we drive the system Chromium, never download one
CHROMIUM="${NBPROD_CHROMIUM:-/usr/bin/chromium}"
export NBPROD_CHROMIUM="$CHROMIUM"

for tool in jlpm jupyter node; do
  if ! command -v "$tool" > /dev/null; then
    echo "test.sh: '$tool' not found; run: pip install -e '.[test,lab]' (and install Node.js >= 20)" >&2
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
    exit 2
  fi
fi

REPORTS="$(mktemp -d)"
trap 'rm -rf "$REPORTS"' EXIT

echo "== JS dependencies"
jlpm install > "$REPORTS/install.log" 2>&1 || { cat "$REPORTS/install.log" >&2; exit 1; }

echo "== type-check (src, unit tests, UI tests)"
jlpm typecheck

echo "== Jest"
jlpm jest --ci --json --outputFile="$REPORTS/jest.json"

echo "== build the extension into nbprod/labextension"
jlpm build:prod > "$REPORTS/build.log" 2>&1 || { cat "$REPORTS/build.log" >&2; exit 1; }

echo "== UI tests (galata + Playwright, Chromium: $CHROMIUM)"
cd ui-tests
status=0
../node_modules/.bin/playwright test --project=ui || status=$?
echo "sidebar screenshot: labextension/ui-tests/artifacts/sidebar.png"

# One closing line for both runners: "labextension: N passed, N failed".
node -e '
  const fs = require("fs");
  const jest = JSON.parse(fs.readFileSync(process.argv[1], "utf8"));
  let ui = { expected: 0, unexpected: 0, flaky: 0 };
  try { ui = JSON.parse(fs.readFileSync("test-results/results.json", "utf8")).stats; } catch {}
  const passed = jest.numPassedTests + ui.expected + ui.flaky;
  // a run that failed before reporting (e.g. the server did not start) still fails
  const failed = Math.max(jest.numFailedTests + ui.unexpected, Number(process.argv[2]) === 0 ? 0 : 1);
  console.log(`labextension: ${passed} passed, ${failed} failed`);
' "$REPORTS/jest.json" "$status"
exit "$status"
