/**
 * The JupyterLab under test serves the extension as installed, not this checkout's build:
 * the /lab page config lists nbprod among the federated extensions, and the bundle it
 * loads is the one in the wheel venv's share/jupyter/labextensions/nbprod.
 */
import { expect, test } from '@jupyterlab/galata';
import * as fs from 'fs';
import * as path from 'path';

interface IFederated {
  name: string;
  load: string;
}

/** Where the served extension must come from: the wheel venv, or the checkout build (dev opt-in). */
function expectedLabextension(): string {
  if (process.env.NBPROD_UI_DEV === '1') {
    return path.resolve(__dirname, '..', '..', '..', 'nbprod', 'labextension');
  }
  return path.join(path.resolve(process.env.NBPROD_WHEEL_VENV!), 'share', 'jupyter', 'labextensions', 'nbprod');
}

test('the /lab page config lists nbprod, with the bundle installed in the venv', async ({ page, baseURL }) => {
  const federated = await page.evaluate(() => {
    const config = JSON.parse(document.getElementById('jupyter-config-data')!.textContent!);
    return config.federated_extensions as IFederated[];
  });
  const nbprod = federated.find(e => e.name === 'nbprod');
  expect(nbprod, `federated_extensions: ${JSON.stringify(federated.map(e => e.name))}`).toBeDefined();

  const installed = expectedLabextension();
  const entries = fs.readdirSync(path.join(installed, 'static')).filter(f => /^remoteEntry\..*\.js$/.test(f));
  expect(entries).toHaveLength(1);
  expect(nbprod!.load).toBe(`static/${entries[0]}`); // content-hashed: this very build

  // and the server hands out that bundle, and the server extension answers
  const bundle = await page.request.get(`${baseURL}/lab/extensions/nbprod/${nbprod!.load}`);
  expect(bundle.status()).toBe(200);
  expect(await bundle.text()).toBe(fs.readFileSync(path.join(installed, nbprod!.load), 'utf-8'));
  const rules = await page.request.get(`${baseURL}/nbprod/rules`);
  expect(rules.status()).toBe(200);
  expect((await rules.json()).rules.length).toBeGreaterThan(20);

  // the sidebar is there
  await expect(page.locator('.jp-SideBar [data-id="nbprod-checklist"]')).toBeVisible();
});
