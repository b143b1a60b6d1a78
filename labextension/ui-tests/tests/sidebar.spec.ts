/**
 * What makes the sidebar worth keeping open: right from the moment a notebook opens,
 * quiet about a cell still being typed, filterable, foldable, explained, and readable
 * marks; plus the README screenshots in the light and dark themes.
 */
import { expect, galata, IJupyterLabPageFixture, test } from '@jupyterlab/galata';
import type { NotebookPanel } from '@jupyterlab/notebook';
import * as fs from 'fs';
import * as path from 'path';

import { area, ARTIFACTS, cells, NOTEBOOKS, open, row, sidebar } from './helpers';

test.use({ mockSettings: { ...galata.DEFAULT_SETTINGS, 'nbprod:plugin': { debounceMs: 100 } } });

interface ISeen {
  loaded: string | undefined;
  total: string | null;
  checking: boolean;
  /** Indices of the marked cells. */
  marked: number[];
}

test.describe('right on open', () => {
  test('nothing is counted or marked before the content is loaded; the first result is the notebook', async ({
    page,
    tmpPath
  }) => {
    const file = `${tmpPath}/violations.ipynb`;
    await page.contents.uploadFile(path.join(NOTEBOOKS, 'violations.ipynb'), file);
    await page.sidebar.openTab('nbprod-checklist');

    // What the extension sends to check, and a slow notebook load (a big notebook's).
    const checked: number[] = [];
    page.on('request', request => {
      if (new URL(request.url()).pathname.endsWith('/nbprod/check')) {
        checked.push(JSON.parse(request.postData() ?? '{}').notebook?.cells?.length ?? -1);
      }
    });
    await page.route(
      url => url.pathname.endsWith(`/api/contents/${file}`) && url.searchParams.get('content') === '1',
      async route => {
        await new Promise(resolve => setTimeout(resolve, 2500));
        await route.continue();
      }
    );
    // Every state the sidebar shows, from the first frame on.
    await page.evaluate(() => {
      const seen: ISeen[] = [];
      (window as unknown as { nbprodSeen: ISeen[] }).nbprodSeen = seen;
      const record = () => {
        const root = document.querySelector<HTMLElement>('#nbprod-checklist .nbprod-checklist');
        seen.push({
          loaded: root?.dataset.loaded,
          total: root?.querySelector<HTMLElement>('.nbprod-total')?.dataset.total ?? null,
          checking: root?.querySelector('.nbprod-checking') !== null,
          marked: [...document.querySelectorAll('.jp-Notebook .jp-Cell')].flatMap((cell, k) =>
            cell.classList.contains('nbprod-flagged') ? [k] : []
          )
        });
      };
      new MutationObserver(record).observe(document.body, { subtree: true, childList: true, attributes: true });
    });

    const opened = page.evaluate(path => window.jupyterapp.commands.execute('docmanager:open', { path }), file);
    // while the content loads: "checking…", no count, no marks
    await expect(sidebar(page).locator('.nbprod-checking')).toBeVisible();
    await expect(sidebar(page).locator('.nbprod-status')).toHaveText('checking…');
    await expect(page.locator('.nbprod-status-count')).toHaveText('checking…');
    await opened;

    await expect(row(page, 'NBP104')).toBeVisible();
    await expect(cells(page).nth(3)).toHaveClass(/nbprod-flagged/);
    const total = await sidebar(page).locator('.nbprod-total').getAttribute('data-total');

    expect(checked.length).toBeGreaterThan(0);
    expect(checked.every(n => n === 5)).toBe(true); // never the one-cell placeholder

    const seen = await page.evaluate(() => (window as unknown as { nbprodSeen: ISeen[] }).nbprodSeen);
    const first = seen.findIndex(s => s.total !== null);
    expect(first).toBeGreaterThan(0);
    expect(seen.slice(0, first).some(s => s.checking)).toBe(true);
    // the first count shown is the loaded notebook's, not a placeholder's
    expect(seen[first]).toMatchObject({ loaded: 'true', total });
    // and no mark ever sat on another cell than the one with the finding
    expect(seen.filter(s => s.marked.length > 0).every(s => s.marked.join() === '3')).toBe(true);
  });
});

test.describe('a cell typed for the first time', () => {
  test('is not flagged undefined or unexecuted until the cursor leaves it', async ({ page, tmpPath }) => {
    await open(page, tmpPath, 'violations.ipynb');
    await expect(row(page, 'NBP104')).toBeVisible();

    await page.notebook.selectCells(4);
    await page.evaluate(() => window.jupyterapp.commands.execute('notebook:insert-cell-below'));
    await page.evaluate(() => window.jupyterapp.commands.execute('notebook:enter-edit-mode'));
    const answered = page.waitForResponse(
      r => r.url().includes('/nbprod/check') && (r.request().postData() ?? '').includes('brand_new_name)')
    );
    await page.keyboard.type('print(brand_new_name)');
    const report = await (await answered).json();
    const newId = await page.evaluate(
      () => (window.jupyterapp.shell.currentWidget as NotebookPanel).content.activeCell!.model.id
    );
    // the server does flag it ...
    const codes = (report.findings as Array<{ code: string; cell_id: string }>)
      .filter(f => f.cell_id === newId)
      .map(f => f.code);
    expect(codes).toContain('NBP105');
    await expect(sidebar(page).locator('.nbprod-checklist')).toHaveAttribute('data-status', 'done');
    // ... but not while it is being typed
    const undefinedRow = row(page, 'NBP105').filter({ hasText: 'brand_new_name' });
    await expect(undefinedRow).toHaveCount(0);
    await expect(cells(page).nth(5)).not.toHaveClass(/nbprod-flagged/);

    // leaving the cell: judged like any other
    await page.keyboard.press('Escape');
    await page.notebook.selectCells(1);
    await expect(undefinedRow).toHaveCount(1);
    await expect(undefinedRow).toContainText('cell 6:1');
    await expect(cells(page).nth(5)).toHaveAttribute('data-nbprod-codes', /NBP105/);
  });
});

test.describe('reading the findings', () => {
  test('notebook-level findings head a Notebook group and mark no cell', async ({ page, tmpPath }) => {
    await open(page, tmpPath, 'violations.ipynb');
    await expect(row(page, 'NBP104')).toBeVisible();
    const first = sidebar(page).locator('.nbprod-area').first();
    await expect(first).toHaveAttribute('data-area', 'notebook');
    await expect(first.locator('.nbprod-area-title')).toHaveText('Notebook');
    const objective = first.locator('.nbprod-finding[data-code="NBP501"]');
    await expect(objective).toHaveAttribute('data-scope', 'notebook');
    await expect(objective.locator('.nbprod-where')).toHaveText('notebook');
    await expect(area(page, 'documentation').locator('.nbprod-finding')).toHaveCount(0);
    await expect(page.locator('.jp-Notebook .jp-Cell[data-nbprod-codes*="NBP501"]')).toHaveCount(0);
  });

  test('one line per finding with the rule name; why and what instead one click away', async ({
    page,
    tmpPath,
    baseURL
  }) => {
    await open(page, tmpPath, 'showcase.ipynb');
    const overwrite = row(page, 'NBP201');
    await expect(overwrite.locator('.nbprod-code')).toHaveText('NBP201');
    await expect(overwrite.locator('.nbprod-rule-name')).toHaveText('raw-data-overwrite');
    const message = overwrite.locator('.nbprod-message');
    const lineHeight = await message.evaluate(e => parseFloat(getComputedStyle(e).lineHeight) || 18);
    expect((await message.boundingBox())!.height).toBeLessThan(lineHeight * 1.5); // a long message, one line

    const rules = (await (await page.request.get(`${baseURL}/nbprod/rules`)).json()).rules as Array<{
      code: string;
      docs: string;
    }>;
    const docs = rules.find(r => r.code === 'NBP201')!.docs;
    const why = docs.split('## Why is this bad?\n')[1].split('\n')[0];

    await expect(overwrite.locator('.nbprod-docs')).toHaveCount(0);
    await overwrite.locator('.nbprod-info-button').click();
    const details = overwrite.locator('.nbprod-docs');
    await expect(details).toContainText('Why is this bad?');
    await expect(details).toContainText(why.replace(/`/g, '').slice(0, 40));
    await expect(details).toContainText('Use instead');
    await expect(details.locator('pre')).not.toHaveCount(0);
    await expect(overwrite.locator('.nbprod-info-button')).toHaveAttribute('aria-expanded', 'true');
    await overwrite.locator('.nbprod-info-button').click();
    await expect(details).toHaveCount(0);
  });

  test('the severity filter hides and shows findings, and says how many are hidden', async ({ page, tmpPath }) => {
    await open(page, tmpPath, 'showcase.ipynb');
    await expect(row(page, 'NBP201')).toBeVisible();
    const all = await sidebar(page).locator('.nbprod-finding').count();
    const warnings = await sidebar(page).locator('.nbprod-finding.nbprod-severity-warning').count();
    expect(warnings).toBeGreaterThan(0);
    const button = sidebar(page).locator('.nbprod-filter-button[data-severity="warning"]');
    await expect(button).toHaveText(`${warnings} warnings`);
    await expect(button).toHaveAttribute('aria-pressed', 'true');

    await button.click();
    await expect(button).toHaveAttribute('aria-pressed', 'false');
    await expect(sidebar(page).locator('.nbprod-finding.nbprod-severity-warning')).toHaveCount(0);
    await expect(sidebar(page).locator('.nbprod-finding')).toHaveCount(all - warnings);
    await expect(sidebar(page).locator('.nbprod-total')).toContainText(`(${warnings} hidden)`);
    // cell marks keep every finding: the filter is about the list
    await expect(page.locator('.jp-Notebook .jp-Cell[data-nbprod-codes*="NBP401"]')).toHaveCount(1);

    await button.click();
    await expect(sidebar(page).locator('.nbprod-finding')).toHaveCount(all);
  });

  test('areas fold and unfold', async ({ page, tmpPath }) => {
    await open(page, tmpPath, 'showcase.ipynb');
    const experiments = area(page, 'experiments');
    await expect(experiments.locator('.nbprod-finding').first()).toBeVisible();
    const toggle = experiments.locator('.nbprod-area-toggle');
    await expect(toggle).toHaveAttribute('aria-expanded', 'true');
    await toggle.click();
    await expect(toggle).toHaveAttribute('aria-expanded', 'false');
    await expect(experiments.locator('.nbprod-finding')).toHaveCount(0);
    await expect(experiments.locator('.nbprod-count')).not.toHaveText('0'); // still counted
    await expect(area(page, 'data').locator('.nbprod-finding').first()).toBeVisible(); // others stay open
    await toggle.click();
    await expect(experiments.locator('.nbprod-finding').first()).toBeVisible();
  });

  test('cell badges are readable and name the rules and messages in their tooltip', async ({ page, tmpPath }) => {
    await open(page, tmpPath, 'violations.ipynb');
    const badge = cells(page).nth(3).locator('.nbprod-badge');
    await expect(badge).toBeVisible();
    await expect(badge).toHaveText('NBP104');
    await expect(badge).toHaveAttribute('title', /NBP104 use-before-definition \(line 2\): 'features' is used here/);
    const fontSize = await badge.evaluate(e => parseFloat(getComputedStyle(e).fontSize));
    expect(fontSize).toBeGreaterThanOrEqual(11);
    // the badge does not cover the cell's code
    const editor = (await cells(page).nth(3).locator('.jp-InputArea-editor').boundingBox())!;
    const box = (await badge.boundingBox())!;
    expect(box.x + box.width).toBeLessThanOrEqual(editor.x);

    // fixed: the badge goes with the finding
    await page.notebook.setCell(3, 'code', 'customers = pd.DataFrame({"age": [31, 45]})\nprint(score(customers))');
    await expect(badge).toHaveCount(0);
  });

  test('the cell context menu keeps its commands in their own group after JupyterLab’s', async ({ page, tmpPath }) => {
    await open(page, tmpPath, 'violations.ipynb');
    await cells(page).nth(2).click({ button: 'right' });
    const menu = page.locator('.lm-Menu').first();
    await expect(menu.locator('.lm-Menu-item[data-command="nbprod:tag-export"]')).toBeVisible();
    const items = await menu
      .locator(':scope > .lm-Menu-content > .lm-Menu-item')
      .evaluateAll(nodes =>
        nodes.map(n => (n.getAttribute('data-type') === 'separator' ? '---' : (n.getAttribute('data-command') ?? '?')))
      );
    await page.keyboard.press('Escape');
    const ours = items.map((c, k) => (c.startsWith('nbprod:') ? k : -1)).filter(k => k >= 0);
    // check, re-run in a fresh kernel, export; tag-export on a cell
    expect(items.filter(c => c.startsWith('nbprod:'))).toEqual([
      'nbprod:tag-export',
      'nbprod:check',
      'nbprod:rerun',
      'nbprod:export'
    ]);
    expect(ours[3] - ours[0]).toBe(3); // together
    expect(items[ours[0] - 1]).toBe('---'); // a separator before the group
    expect(ours[0]).toBeGreaterThan(items.indexOf('notebook:redo-cell-action')); // not between Undo and Redo
    expect(items.indexOf('notebook:redo-cell-action') - items.indexOf('notebook:undo-cell-action')).toBe(1);
  });
});

test.describe('screenshots', () => {
  async function showcase(page: IJupyterLabPageFixture, tmpPath: string): Promise<void> {
    await page.setViewportSize({ width: 1280, height: 800 });
    await open(page, tmpPath, 'showcase.ipynb');
    await page.sidebar.close('left');
    await page.sidebar.setWidth(400, 'right');
    await expect(sidebar(page).locator('.nbprod-checklist')).toHaveAttribute('data-status', 'done');
    for (const id of ['notebook', 'execution', 'data', 'experiments', 'code-health']) {
      await expect(area(page, id).locator('.nbprod-count')).toBeVisible();
    }
    await row(page, 'NBP201').locator('.nbprod-info-button').click(); // one explanation open
    await expect(row(page, 'NBP201').locator('.nbprod-docs')).toContainText('Use instead');
    await page.notebook.selectCells(4); // the cell that reads `features` too early
    await page.mouse.move(640, 500); // no hover highlight in the sidebar
  }

  test('light theme: the sidebar and the whole window', async ({ page, tmpPath }) => {
    await showcase(page, tmpPath);
    fs.mkdirSync(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: path.join(ARTIFACTS, 'lab.png') });
    await page.setViewportSize({ width: 1280, height: 1080 }); // the whole list
    await sidebar(page)
      .locator('.nbprod-checklist')
      .screenshot({ path: path.join(ARTIFACTS, 'sidebar-light.png') });
  });

  test('dark theme: the sidebar', async ({ page, tmpPath }) => {
    await page.theme.setDarkTheme();
    await showcase(page, tmpPath);
    const background = await sidebar(page).evaluate(e => getComputedStyle(e).backgroundColor);
    const [r, g, b] = background.match(/\d+/g)!.map(Number);
    expect(r + g + b).toBeLessThan(3 * 100); // really the dark theme
    await page.screenshot({ path: path.join(ARTIFACTS, 'lab-dark.png') });
    await page.setViewportSize({ width: 1280, height: 1080 });
    await sidebar(page)
      .locator('.nbprod-checklist')
      .screenshot({ path: path.join(ARTIFACTS, 'sidebar-dark.png') });
  });
});
