/**
 * A 200-cell notebook in 'full' windowing mode, where only cells near the viewport are
 * in the DOM: a far finding is reachable from the sidebar and its mark survives the
 * cell being detached and re-attached while scrolling.
 */
import { expect, galata, test } from '@jupyterlab/galata';
import type { NotebookPanel } from '@jupyterlab/notebook';

import { generateNotebook, TOGGLE } from '../generate';

test.use({
  mockSettings: {
    ...galata.DEFAULT_SETTINGS,
    '@jupyterlab/notebook-extension:tracker': { windowingMode: 'full' },
    'nbprod:plugin': { debounceMs: 100 }
  }
});

test('marks and jumps work in a windowed 200-cell notebook', async ({ page, tmpPath }) => {
  await page.contents.uploadContent(JSON.stringify(generateNotebook()), 'text', `${tmpPath}/forecast.ipynb`);
  await page.notebook.openByPath(`${tmpPath}/forecast.ipynb`);
  await page.notebook.activate('forecast.ipynb');
  await page.sidebar.openTab('nbprod-checklist');

  const finding = page.locator(`#nbprod-checklist .nbprod-finding[data-code="NBP104"][data-cell-id="cell-${TOGGLE}"]`);
  await expect(finding).toContainText(`cell ${TOGGLE + 1}:1`);
  const target = page.locator(`.jp-Notebook .jp-Cell[data-nbprod-codes*="NBP104"]`);
  await expect(target).toHaveCount(0); // far below the viewport: not in the DOM yet

  await finding.click();
  await expect(target).toBeVisible();
  const active = await page.evaluate(
    () => (window.jupyterapp.shell.currentWidget as NotebookPanel).content.activeCellIndex
  );
  expect(active).toBe(TOGGLE);
  // the cursor is in the cell, ready to type, even though the cell was attached late
  await expect
    .poll(() =>
      page.evaluate(() => {
        const notebook = (window.jupyterapp.shell.currentWidget as NotebookPanel).content;
        return {
          mode: notebook.mode,
          focused: notebook.activeCell!.node.contains(document.activeElement),
          line: notebook.activeCell!.editor!.getCursorPosition().line
        };
      })
    )
    .toEqual({ mode: 'edit', focused: true, line: 0 });

  // move away and come back: out of view the cell is hidden (code cells are kept in the
  // DOM with display: none once rendered), and its mark is still right when it returns
  await page.evaluate(async () => {
    const notebook = (window.jupyterapp.shell.currentWidget as NotebookPanel).content;
    notebook.mode = 'command';
    notebook.activeCellIndex = 0;
    await notebook.scrollToItem(0, 'start');
  });
  await expect(target).toBeHidden();
  await finding.click();
  await expect(target).toBeVisible();
});
