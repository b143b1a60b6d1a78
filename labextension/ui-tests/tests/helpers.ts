/** Shared steps of the UI tests. */
import { IJupyterLabPageFixture } from '@jupyterlab/galata';
import * as path from 'path';

export const NOTEBOOKS = path.resolve(__dirname, '..', 'notebooks');
export const ARTIFACTS = path.resolve(__dirname, '..', 'artifacts');

/** Upload one of ui-tests/notebooks, open it, show the sidebar. */
export async function open(page: IJupyterLabPageFixture, tmpPath: string, name: string): Promise<void> {
  await page.contents.uploadFile(path.join(NOTEBOOKS, name), `${tmpPath}/${name}`);
  await page.notebook.openByPath(`${tmpPath}/${name}`);
  await page.notebook.activate(name);
  await page.sidebar.openTab('nbprod-checklist');
}

export const sidebar = (page: IJupyterLabPageFixture) => page.locator('#nbprod-checklist');
export const row = (page: IJupyterLabPageFixture, code: string) =>
  sidebar(page).locator(`.nbprod-finding[data-code="${code}"]`);
export const area = (page: IJupyterLabPageFixture, id: string) =>
  sidebar(page).locator(`.nbprod-area[data-area="${id}"]`);
export const cells = (page: IJupyterLabPageFixture) => page.locator('.jp-Notebook .jp-Cell');
