/**
 * Galata + Playwright, driving Debian's Chromium against a JupyterLab started here.
 * Projects: "ui" (the tests test.sh runs) and "benchmark" (sidebar latency, run on demand).
 *
 * The JupyterLab is the wheel venv's (`$NBPROD_WHEEL_VENV/bin/jupyter`, built by
 * `make wheel-venv`): the installed extension, as a user gets it. `NBPROD_UI_DEV=1`
 * opts in to the checkout's build from the `jupyter` on PATH, for fast iteration.
 */
const path = require('path');
const baseConfig = require('@jupyterlab/galata/lib/playwright-config');

const port = process.env.NBPROD_UI_PORT || '8917';
const chromium = process.env.NBPROD_CHROMIUM || '/usr/bin/chromium';
const dev = process.env.NBPROD_UI_DEV === '1';
const wheelVenv = process.env.NBPROD_WHEEL_VENV;
if (!dev && !wheelVenv) {
  throw new Error(
    'NBPROD_WHEEL_VENV is not set: the UI tests run against the installed wheel. Build it with ' +
      '`make wheel-venv` and set NBPROD_WHEEL_VENV=<repo>/build/wheel-venv (or NBPROD_UI_DEV=1 for the checkout build).'
  );
}
const jupyter = dev ? 'jupyter' : path.join(path.resolve(wheelVenv), 'bin', 'jupyter');

module.exports = {
  ...baseConfig,
  reporter: [
    ['list'],
    ['html', { open: 'never', outputFolder: 'playwright-report' }],
    ['json', { outputFile: 'test-results/results.json' }]
  ],
  timeout: 120000,
  expect: { timeout: 20000 },
  retries: process.env.CI ? 1 : 0,
  outputDir: 'test-results',
  workers: 1, // one JupyterLab, two cores: parallel browsers only add flakiness
  use: {
    ...baseConfig.use,
    baseURL: `http://localhost:${port}`,
    video: 'off',
    trace: 'retain-on-failure',
    screenshot: 'only-on-failure',
    launchOptions: {
      executablePath: chromium,
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--no-first-run'
      ]
    }
  },
  projects: [
    { name: 'ui', testDir: './tests' },
    { name: 'benchmark', testDir: './benchmarks', timeout: 1800000 }
  ],
  webServer: {
    command: `"${jupyter}" lab --config jupyter_server_test_config.py`,
    url: `http://localhost:${port}/lab`,
    timeout: 120000,
    // never a server that happens to be running: it may serve another build
    reuseExistingServer: false,
    stdout: 'ignore',
    stderr: 'pipe'
  }
};
