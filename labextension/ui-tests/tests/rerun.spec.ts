/**
 * "Re-run in a fresh kernel" end to end: the installed server extension replays the
 * notebook in a new ipykernel (never the notebook's own kernel), the sidebar shows the
 * progress, Cancel kills that kernel, and the findings jump to their cells.
 */
import { expect, galata, IJupyterLabPageFixture, test } from '@jupyterlab/galata';
import type { NotebookPanel } from '@jupyterlab/notebook';
import * as path from 'path';

import { ARTIFACTS, cells, open, sidebar } from './helpers';

test.use({ mockSettings: { ...galata.DEFAULT_SETTINGS, 'nbprod:plugin': { debounceMs: 100 } } });

const rerun = (page: IJupyterLabPageFixture) => sidebar(page).locator('.nbprod-rerun');

/** Whether a process of this machine is alive (the UI tests run next to their server). */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

test.describe('re-run in a fresh kernel', () => {
  test('a name from a deleted cell: the run reports NBP110 at its cell, and the row jumps there', async ({
    page,
    tmpPath
  }) => {
    await open(page, tmpPath, 'rerun-deleted.ipynb');
    await expect(rerun(page)).toHaveAttribute('data-state', 'none');

    // from the command palette's command, as a keyboard user would run it
    const started = Date.now();
    const command = page.evaluate(() => window.jupyterapp.commands.execute('nbprod:rerun'));
    await expect(rerun(page).locator('.nbprod-rerun-cancel')).toBeVisible(); // under way: Cancel offered
    await expect(rerun(page)).toHaveAttribute('data-state', 'done', { timeout: 60000 });
    const seconds = (Date.now() - started) / 1000;
    await command;
    console.log(`nbprod rerun through the sidebar: ${seconds.toFixed(1)} s from the command to the findings`);

    await expect(rerun(page).locator('.nbprod-rerun-title')).toHaveText(/^Fresh-kernel run at .+, took \d+\.\d s$/);
    const finding = rerun(page).locator('.nbprod-finding');
    await expect(finding).toHaveCount(1);
    await expect(finding).toHaveAttribute('data-code', 'NBP110');
    await expect(finding).toHaveAttribute('data-cell', '3');
    await expect(finding.locator('.nbprod-message')).toContainText("'rows_clean'");
    await expect(finding.locator('.nbprod-where')).toHaveText('cell 3:1');

    // the replay ran a copy: the notebook's own outputs are untouched, its kernel never ran
    await expect(cells(page).nth(2).locator('.jp-OutputArea-output')).toHaveText('[1, 2, 3]\n6');
    const counts = await page.evaluate(() => {
      const panel = window.jupyterapp.shell.currentWidget as NotebookPanel;
      return panel.content.widgets.map(cell =>
        cell.model.type === 'code' ? cell.model.toJSON().execution_count : null
      );
    });
    expect(counts).toEqual([null, 1, 3]);

    await finding.locator('.nbprod-finding-main').click();
    await expect
      .poll(() => page.evaluate(() => (window.jupyterapp.shell.currentWidget as NotebookPanel).content.activeCellIndex))
      .toBe(2);

    // the rule's documentation comes with the finding, as for the checks
    await finding.locator('.nbprod-info-button').click();
    await expect(finding.locator('.nbprod-docs')).toContainText('Restart & Run All');
    await sidebar(page).screenshot({ path: path.join(ARTIFACTS, 'sidebar-rerun.png') });
  });

  test('Cancel stops a long run at once and kills its kernel', async ({ page, tmpPath }) => {
    await open(page, tmpPath, 'rerun-slow.ipynb');
    await rerun(page).locator('.nbprod-rerun-start').click();

    // the progress indicator follows the run to the sleeping cell
    await expect(rerun(page).locator('.nbprod-rerun-progress-text')).toHaveText('Running cell 3 (code cell 2 of 2)', {
      timeout: 60000
    });
    const bar = rerun(page).locator('.nbprod-rerun-progress progress');
    await expect(bar).toHaveAttribute('max', '2');
    await expect(bar).toHaveAttribute('value', '1');
    await expect(rerun(page).locator('.nbprod-rerun-elapsed')).toHaveText(/^\d+\.\d s$/);
    await rerun(page).screenshot({ path: path.join(ARTIFACTS, 'sidebar-rerun-progress.png') });
    // written by the replay's kernel into the notebook's folder, read through the contents API
    const pidFile = await page.request.get(`/api/contents/${tmpPath}/rerun-kernel.pid?content=1&type=file&format=text`);
    const pid = Number((await pidFile.json()).content);
    expect(pid).toBeGreaterThan(0);
    expect(alive(pid)).toBe(true);
    const notebookKernel = await page.evaluate(
      () => (window.jupyterapp.shell.currentWidget as NotebookPanel).sessionContext.session?.kernel?.id ?? null
    );

    const cancelled = Date.now();
    await rerun(page).locator('.nbprod-rerun-cancel').click();
    await expect(rerun(page)).toHaveAttribute('data-state', 'cancelled');
    const seconds = (Date.now() - cancelled) / 1000;
    console.log(`nbprod rerun cancel: ${seconds.toFixed(1)} s from the click to "cancelled"`);
    expect(seconds).toBeLessThan(10); // not the 60 s of the sleeping cell
    await expect(rerun(page).locator('.nbprod-rerun-title')).toHaveText(/^Fresh-kernel run cancelled at .+, after /);
    await expect(rerun(page).locator('.nbprod-finding')).toHaveCount(0);
    await expect.poll(() => alive(pid), { timeout: 5000 }).toBe(false);

    // the notebook's own kernel (if it has one) is not the one that was killed
    const after = await page.evaluate(
      () => (window.jupyterapp.shell.currentWidget as NotebookPanel).sessionContext.session?.kernel?.id ?? null
    );
    expect(after).toBe(notebookKernel);
    // the button is back for the next run
    await expect(rerun(page).locator('.nbprod-rerun-start')).toBeEnabled();
  });

  test('a kernel that dies is reported at the cell that killed it', async ({ page, tmpPath }) => {
    await open(page, tmpPath, 'rerun-crash.ipynb');
    await rerun(page).locator('.nbprod-rerun-start').click();
    await expect(rerun(page)).toHaveAttribute('data-state', 'done', { timeout: 60000 });
    const finding = rerun(page).locator('.nbprod-finding');
    await expect(finding).toHaveCount(1);
    await expect(finding).toHaveAttribute('data-code', 'NBP110');
    await expect(finding).toHaveAttribute('data-cell', '3');
    await expect(finding.locator('.nbprod-message')).toContainText('the kernel died while running this cell');
    // the notebook's own session is unaffected: the sidebar still checks it
    await expect(sidebar(page).locator('.nbprod-checklist')).toHaveAttribute('data-status', 'done');
  });

  test('a refused run says why in the panel', async ({ page, tmpPath }) => {
    await open(page, tmpPath, 'rerun-deleted.ipynb');
    // the server's answer to a session that lost its login or XSRF cookie
    await page.route(
      url => url.pathname.endsWith('/nbprod/rerun'),
      route => route.fulfill({ status: 403, contentType: 'application/json', body: '{"message": "Forbidden"}' })
    );
    await rerun(page).locator('.nbprod-rerun-start').click();
    await expect(rerun(page)).toHaveAttribute('data-state', 'error');
    await expect(rerun(page).locator('.nbprod-rerun-error')).toHaveText(
      'The server refused to re-run this notebook (403 Forbidden: Forbidden). Reload the page or log in again.'
    );
    await expect(rerun(page).locator('.nbprod-rerun-title')).toHaveText(/^Fresh-kernel run failed at /);
  });
});
