/**
 * Galata + Playwright, driving Debian's Chromium against a JupyterLab started here.
 * Projects: "ui" (the tests test.sh runs) and "benchmark" (edit-to-sidebar latency).
 */
const baseConfig = require('@jupyterlab/galata/lib/playwright-config');

const port = process.env.NBPROD_UI_PORT || '8917';
const chromium = process.env.NBPROD_CHROMIUM || '/usr/bin/chromium';

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
    { name: 'benchmark', testDir: './benchmarks', timeout: 600000 }
  ],
  webServer: {
    command: 'jupyter lab --config jupyter_server_test_config.py',
    url: `http://localhost:${port}/lab`,
    timeout: 120000,
    reuseExistingServer: !process.env.CI,
    stdout: 'ignore',
    stderr: 'pipe'
  }
};
