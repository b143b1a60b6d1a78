/**
 * Benchmark, not a test: from an edit to the updated sidebar on a 200-cell notebook.
 *
 * An edit is a change to a cell's source in the notebook model (what typing does).
 * The clock runs in the page, from just before the edit until a MutationObserver sees
 * the sidebar show the re-checked result: notebook JSON serialisation, the POST, the
 * server's analysis, the live hidden-state pass, React rendering and the cell marks.
 * With debounceMs = 0 that is the pipeline's own latency; the default 500 ms debounce
 * (waiting for typing to pause) comes on top and is measured separately.
 *
 * Run from labextension/: `jlpm bench:latency` (results in ui-tests/artifacts/latency.json).
 */
import { expect, galata, IJupyterLabPageFixture, test } from '@jupyterlab/galata';
import type { NotebookPanel } from '@jupyterlab/notebook';
import * as fs from 'fs';
import * as path from 'path';

import { BROKEN, CELLS, FIXED, generateNotebook, TOGGLE } from '../generate';

const RUNS = Number(process.env.NBPROD_BENCH_RUNS || '30');
const ARTIFACTS = path.resolve(__dirname, '..', 'artifacts');

/** Edit the toggle cell, wait for the sidebar to reflect it; ms, measured in the page. */
async function editToSidebar(page: IJupyterLabPageFixture, source: string, expectFinding: boolean): Promise<number> {
  return page.evaluate(
    async ({ index, source, expectFinding }) => {
      const panel = window.jupyterapp.shell.currentWidget as NotebookPanel;
      const cell = panel.content.model!.cells.get(index);
      const root = document.querySelector('#nbprod-checklist .nbprod-checklist') as HTMLElement;
      const selector = `.nbprod-finding[data-code="NBP104"][data-cell-id="${cell.id}"]`;
      const settled = () => root.dataset.status === 'done' && (root.querySelector(selector) !== null) === expectFinding;
      const t0 = performance.now();
      const done = new Promise<number>(resolve => {
        const observer = new MutationObserver(() => {
          if (settled()) {
            observer.disconnect();
            resolve(performance.now() - t0);
          }
        });
        observer.observe(document.querySelector('#nbprod-checklist')!, {
          subtree: true,
          childList: true,
          attributes: true,
          characterData: true
        });
      });
      cell.sharedModel.setSource(source);
      return done;
    },
    { index: TOGGLE, source, expectFinding }
  );
}

function stats(samples: number[]): Record<string, number> {
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
  const round = (x: number) => Math.round(x * 10) / 10;
  return {
    runs: samples.length,
    min: round(sorted[0]),
    median: round(at(0.5)),
    p95: round(at(0.95)),
    max: round(sorted[sorted.length - 1])
  };
}

async function measure(
  page: IJupyterLabPageFixture,
  tmpPath: string,
  runs: number
): Promise<{ latency: number[]; server: number[] }> {
  await page.contents.uploadContent(JSON.stringify(generateNotebook(FIXED)), 'text', `${tmpPath}/forecast.ipynb`);
  await page.notebook.openByPath(`${tmpPath}/forecast.ipynb`);
  await page.notebook.activate('forecast.ipynb');
  await page.sidebar.openTab('nbprod-checklist');
  await expect(page.locator('#nbprod-checklist .nbprod-checklist')).toHaveAttribute('data-status', 'done');

  const [broken, fixed] = [BROKEN, FIXED];
  for (let k = 0; k < 3; k++) {
    await editToSidebar(page, broken, true); // warm-up: JIT, server caches
    await editToSidebar(page, fixed, false);
  }
  await page.evaluate(() => performance.clearResourceTimings());
  const latency: number[] = [];
  for (let k = 0; k < runs; k++) {
    latency.push(await editToSidebar(page, k % 2 === 0 ? broken : fixed, k % 2 === 0));
  }
  const server = await page.evaluate(() =>
    performance
      .getEntriesByType('resource')
      .filter(e => e.name.includes('/nbprod/check'))
      .map(e => e.duration)
  );
  return { latency, server };
}

test.describe('edit-to-sidebar latency, 200 cells', () => {
  test.describe(() => {
    test.use({ mockSettings: { ...galata.DEFAULT_SETTINGS, 'nbprod:plugin': { debounceMs: 0 } } });
    test('pipeline (debounce 0 ms)', async ({ page, tmpPath }) => {
      const { latency, server } = await measure(page, tmpPath, RUNS);
      record('debounce_0ms', { edit_to_sidebar_ms: stats(latency), check_request_ms: stats(server) });
    });
  });

  test.describe(() => {
    test.use({ mockSettings: { ...galata.DEFAULT_SETTINGS, 'nbprod:plugin': { debounceMs: 500 } } });
    test('as shipped (debounce 500 ms)', async ({ page, tmpPath }) => {
      const { latency } = await measure(page, tmpPath, Math.min(RUNS, 10));
      record('debounce_500ms', { edit_to_sidebar_ms: stats(latency) });
    });
  });
});

function record(name: string, result: object): void {
  fs.mkdirSync(ARTIFACTS, { recursive: true });
  const file = path.join(ARTIFACTS, 'latency.json');
  const all = fs.existsSync(file) ? JSON.parse(fs.readFileSync(file, 'utf-8')) : {};
  all[name] = { cells: CELLS, ...result };
  fs.writeFileSync(file, JSON.stringify(all, null, 2) + '\n');
  console.log(`latency ${name}: ${JSON.stringify(result)}`);
}
