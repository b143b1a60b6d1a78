/**
 * Fix buttons end to end: the installed server sends each finding's fix as edits, the
 * sidebar applies them to the open notebook's model (the file waits for a save), and the
 * notebook's undo takes a fix back.
 */
import { expect, galata, IJupyterLabPageFixture, test } from '@jupyterlab/galata';
import type { NotebookPanel } from '@jupyterlab/notebook';
import * as fs from 'fs';
import * as path from 'path';

import { cells, NOTEBOOKS, open, row, sidebar } from './helpers';

test.use({ mockSettings: { ...galata.DEFAULT_SETTINGS, 'nbprod:plugin': { debounceMs: 100 } } });

const NAME = 'fixes.ipynb';
const ORIGINAL: string[] = JSON.parse(fs.readFileSync(path.join(NOTEBOOKS, NAME), 'utf8')).cells.map(
  (cell: { source: string }) => cell.source
);
const SPLIT = ORIGINAL[3];
const SEEDED = SPLIT.replace('test_size=0.2)', 'test_size=0.2, random_state=SEED)');

const fixButton = (page: IJupyterLabPageFixture, code: string) => row(page, code).locator('.nbprod-fix-button');
const fixAll = (page: IJupyterLabPageFixture) => sidebar(page).locator('.nbprod-fix-all');
const note = (page: IJupyterLabPageFixture) => sidebar(page).locator('.nbprod-fix-note');

/** The sidebar shows the check of the notebook as it is now. */
async function upToDate(page: IJupyterLabPageFixture): Promise<void> {
  await expect(sidebar(page).locator('.nbprod-checklist')).toHaveAttribute('data-status', 'done');
}

/** The notebook as the editor holds it: each cell's source and tags. */
function editor(page: IJupyterLabPageFixture): Promise<Array<{ source: string; tags: unknown }>> {
  return page.evaluate(() => {
    const panel = window.jupyterapp.shell.currentWidget as NotebookPanel;
    return panel.content.model!.sharedModel.cells.map(cell => ({
      source: cell.getSource(),
      tags: cell.getMetadata('tags') ?? []
    }));
  });
}

async function sources(page: IJupyterLabPageFixture): Promise<string[]> {
  return (await editor(page)).map(cell => cell.source);
}

/** The cells' sources in the file on the server's disk. */
async function onDisk(page: IJupyterLabPageFixture, tmpPath: string): Promise<string[]> {
  const response = await page.request.get(`/api/contents/${tmpPath}/${NAME}?content=1&type=notebook`);
  expect(response.ok()).toBe(true);
  const model = await response.json();
  return model.content.cells.map((cell: { source: string }) => cell.source);
}

test.describe('Fix buttons', () => {
  test("Fix edits the open notebook, the notebook's undo takes it back, the file waits for a save", async ({
    page,
    tmpPath
  }) => {
    await open(page, tmpPath, NAME);
    await upToDate(page);
    await expect(fixButton(page, 'NBP503')).toHaveText('Fix');
    await expect(fixButton(page, 'NBP503')).toHaveAttribute('title', 'Fix: delete the empty cell');
    await expect(fixButton(page, 'NBP401')).toHaveText('Fix (unsafe)');
    await expect(fixAll(page)).toHaveText('Fix all safe (2)');

    await fixButton(page, 'NBP503').click();
    await expect(cells(page)).toHaveCount(4);
    expect(await sources(page)).toEqual([ORIGINAL[0], ORIGINAL[1], SPLIT, ORIGINAL[4]]);
    await expect(note(page)).toHaveText(
      'Fixed NBP503: delete the empty cell. Z in the notebook (command mode) undoes it.'
    );
    await expect(row(page, 'NBP503')).toHaveCount(0);
    await upToDate(page);

    await fixButton(page, 'NBP302').click();
    await expect(row(page, 'NBP302')).toHaveCount(0);
    expect(await editor(page)).toEqual([
      { source: ORIGINAL[0], tags: [] },
      { source: ORIGINAL[1], tags: [] },
      { source: 'SEED = 42', tags: ['parameters'] },
      { source: SEEDED, tags: [] },
      { source: ORIGINAL[4], tags: [] }
    ]);
    await expect(cells(page).nth(3)).toContainText('random_state=SEED');
    await upToDate(page);
    await expect(row(page, 'NBP401')).toHaveCount(1); // what is left, nothing new from the fixes
    await expect(sidebar(page).locator('.nbprod-finding')).toHaveCount(1);
    expect(await onDisk(page, tmpPath)).toEqual(ORIGINAL); // not saved: the file is as it was

    // Z in command mode (JupyterLab's "Undo Cell Operation"): the last fix, then the one before, each one step
    await cells(page).nth(1).locator('.jp-InputPrompt').click();
    await page.keyboard.press('Escape');
    await page.keyboard.press('z');
    await expect(cells(page)).toHaveCount(4);
    expect(await sources(page)).toEqual([ORIGINAL[0], ORIGINAL[1], SPLIT, ORIGINAL[4]]);
    await expect(row(page, 'NBP302')).toHaveCount(1);
    await page.keyboard.press('z');
    await expect(cells(page)).toHaveCount(5);
    expect(await sources(page)).toEqual(ORIGINAL);
    await expect(row(page, 'NBP503')).toHaveCount(1);
    expect(await onDisk(page, tmpPath)).toEqual(ORIGINAL);
  });

  test('an unsafe fix asks first; "Fix all safe" applies the safe ones; a save writes them', async ({
    page,
    tmpPath
  }) => {
    await open(page, tmpPath, NAME);
    await upToDate(page);
    const dialog = page.locator('.jp-Dialog');

    await fixButton(page, 'NBP401').click();
    await expect(dialog).toContainText('catch Exception and re-raise it after any logging');
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    await expect(dialog).toHaveCount(0);
    expect(await sources(page)).toEqual(ORIGINAL);

    await fixButton(page, 'NBP401').click();
    await dialog.getByRole('button', { name: 'Apply fix' }).click();
    await expect(row(page, 'NBP401')).toHaveCount(0);
    expect((await sources(page))[4]).toBe(ORIGINAL[4].replace('except:\n    pass', 'except Exception:\n    raise'));

    // at once, before the re-check of that edit: the fixes wait for it and apply to what it finds
    await fixAll(page).click();
    await expect(note(page)).toHaveText(
      'Fixed 2 findings (NBP503, NBP302). Z in the notebook (command mode) undoes it.'
    );
    await upToDate(page);
    await expect(sidebar(page).locator('.nbprod-total')).toHaveText('No findings');
    await expect(fixAll(page)).toHaveCount(0);
    const fixed = await sources(page);
    expect(fixed).toEqual([ORIGINAL[0], ORIGINAL[1], 'SEED = 42', SEEDED, fixed[4]]);

    await page.notebook.save();
    expect(await onDisk(page, tmpPath)).toEqual(fixed);
  });
});

test.describe('with document-wide undo', () => {
  test.use({
    mockSettings: {
      ...galata.DEFAULT_SETTINGS,
      'nbprod:plugin': { debounceMs: 100 },
      '@jupyterlab/notebook-extension:tracker': {
        ...galata.DEFAULT_SETTINGS['@jupyterlab/notebook-extension:tracker'],
        documentWideUndoRedo: true
      }
    }
  });

  test('Ctrl+Z in the notebook takes back a whole fix: the seed argument and the new cell', async ({
    page,
    tmpPath
  }) => {
    await open(page, tmpPath, NAME);
    await upToDate(page);
    await fixButton(page, 'NBP302').click();
    await expect(cells(page)).toHaveCount(6);
    expect((await sources(page)).slice(3, 5)).toEqual(['SEED = 42', SEEDED]);

    await cells(page).nth(1).locator('.jp-InputPrompt').click();
    await page.keyboard.press('Escape');
    await page.keyboard.press('Control+z');
    await expect(cells(page)).toHaveCount(5);
    expect(await sources(page)).toEqual(ORIGINAL);
    await expect(row(page, 'NBP302')).toHaveCount(1);
  });
});
