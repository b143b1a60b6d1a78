import type { CheckReport, ExportReport, Finding, Fix, INbprodApi, RuleInfo } from '../api';
import type { IFixTarget } from '../fixes';
import type { ILiveCell } from '../hiddenstate';
import schema from '../../schema/plugin.json';
import { parseRuleDocs } from '../api';
import {
  ChecklistModel,
  Debouncer,
  DEFAULT_SETTINGS,
  groupFindings,
  heldWhileNew,
  INotebookHandle,
  markFor
} from '../model';

function finding(overrides: Partial<Finding> = {}): Finding {
  return {
    code: 'NBP104',
    name: 'use-before-definition',
    message: "'df' is used here but only defined in cell 2",
    severity: 'error',
    area: 'execution',
    filename: 'nb.ipynb',
    cell_index: 0,
    cell_id: 'c0',
    line: 1,
    column: 1,
    end_line: 1,
    end_column: 3,
    fix: null,
    ...overrides
  };
}

function report(findings: Finding[]): CheckReport {
  return { version: '0.1.0', files_checked: 1, findings, errors: [], skipped: [] };
}

class FakeNotebook implements INotebookHandle {
  constructor(
    readonly id: string,
    public path: string,
    public cellList: ILiveCell[],
    public ready = true
  ) {}
  toJSONBytes(): Uint8Array {
    return new TextEncoder().encode(
      JSON.stringify({ cells: this.cellList.map(c => ({ id: c.id, source: c.source })) })
    );
  }
  cellIds(): string[] {
    return this.cellList.map(c => c.id);
  }
  cells(): ILiveCell[] {
    return this.cellList;
  }
}

/** A server whose answers the test releases by hand, in any order. */
class FakeClient implements INbprodApi {
  calls: Array<{ path: string; notebook: Uint8Array; resolve: (r: CheckReport) => void; reject: (e: Error) => void }> =
    [];
  check(path: string, notebook: Uint8Array): Promise<CheckReport> {
    return new Promise((resolve, reject) => this.calls.push({ path, notebook, resolve, reject }));
  }
  async rules(): Promise<RuleInfo[]> {
    return [
      {
        code: 'NBP104',
        name: 'use-before-definition',
        area: 'execution',
        severity: 'error',
        summary: 'Flags a name read before it is defined',
        docs: ''
      }
    ];
  }
  exportPackage(): Promise<ExportReport> {
    return Promise.reject(new Error('not used'));
  }
}

async function settle(): Promise<void> {
  for (let k = 0; k < 5; k++) {
    await Promise.resolve();
  }
}

describe('groupFindings', () => {
  it('lists every area, with counts, sorted by cell then line', () => {
    const groups = groupFindings([
      finding({ cell_index: 3, line: 2, code: 'NBP101' }),
      finding({ cell_index: 1, line: 5 }),
      finding({ area: 'data', code: 'NBP201', name: 'raw-data-overwrite' }),
      finding({ cell_index: 1, line: 1, code: 'NBP105' })
    ]);
    expect(groups.map(g => [g.area, g.findings.length])).toEqual([
      ['execution', 3],
      ['data', 1],
      ['experiments', 0],
      ['code-health', 0],
      ['documentation', 0]
    ]);
    expect(groups[0].findings.map(f => `${f.cell_index}:${f.line}`)).toEqual(['1:1', '1:5', '3:2']);
  });

  it('drops ignored rules by code, prefix or name', () => {
    const all = [
      finding(),
      finding({ code: 'NBP101', name: 'out-of-order-execution' }),
      finding({ code: 'NBP201', area: 'data' })
    ];
    const total = (ignore: string[]): number => groupFindings(all, ignore).reduce((n, g) => n + g.findings.length, 0);
    expect(total([])).toBe(3);
    expect(total(['NBP104'])).toBe(2);
    expect(total(['nbp1'])).toBe(1);
    expect(total(['out-of-order-execution'])).toBe(2);
    expect(total(['ALL'])).toBe(0);
  });

  it('keeps findings of an area the frontend does not know yet', () => {
    const groups = groupFindings([finding({ area: 'security' as Finding['area'] })]);
    expect(groups[groups.length - 1]).toMatchObject({ area: 'security', title: 'security' });
  });
});

describe('Debouncer', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('runs once, delay after the last schedule', () => {
    const fn = jest.fn();
    const debouncer = new Debouncer(fn, 500);
    debouncer.schedule();
    jest.advanceTimersByTime(400);
    debouncer.schedule();
    jest.advanceTimersByTime(400);
    expect(fn).not.toHaveBeenCalled();
    jest.advanceTimersByTime(100);
    expect(fn).toHaveBeenCalledTimes(1);
    expect(debouncer.pending).toBe(false);
  });

  it('can be flushed, cancelled, retimed and disposed', () => {
    const fn = jest.fn();
    const debouncer = new Debouncer(fn, 500);
    debouncer.schedule();
    debouncer.flush();
    expect(fn).toHaveBeenCalledTimes(1);
    debouncer.flush(); // nothing pending: no second call
    debouncer.schedule();
    debouncer.cancel();
    jest.advanceTimersByTime(1000);
    expect(fn).toHaveBeenCalledTimes(1);
    debouncer.delayMs = 50;
    debouncer.schedule();
    jest.advanceTimersByTime(50);
    expect(fn).toHaveBeenCalledTimes(2);
    debouncer.dispose();
    debouncer.schedule();
    jest.advanceTimersByTime(1000);
    expect(fn).toHaveBeenCalledTimes(2);
  });
});

describe('ChecklistModel', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  function setup(
    cells = [
      { id: 'c0', source: 'print(df)', kind: 'code' as const },
      { id: 'c1', source: 'df = 1', kind: 'code' as const }
    ]
  ) {
    const client = new FakeClient();
    const model = new ChecklistModel(client, { debounceMs: 500 });
    const nb = new FakeNotebook('panel-1', 'work/nb.ipynb', cells);
    return { client, model, nb };
  }

  it('checks a notebook at once when it becomes active, then shows its findings', async () => {
    const { client, model, nb } = setup();
    const changed = jest.fn();
    model.changed.connect(changed);
    model.setActive(nb);
    expect(client.calls).toHaveLength(1);
    expect(client.calls[0].path).toBe('work/nb.ipynb');
    expect(model.view()!.status).toBe('checking');
    client.calls[0].resolve(report([finding()]));
    await settle();
    const view = model.view()!;
    expect(view.status).toBe('done');
    expect(view.total).toBe(1);
    expect(view.groups[0].entries[0]).toMatchObject({ cellNumber: 1, live: false });
    expect(changed).toHaveBeenCalled();
  });

  it('debounces edits into one check', async () => {
    const { client, model, nb } = setup();
    model.setActive(nb);
    client.calls[0].resolve(report([]));
    await settle();
    for (let k = 0; k < 10; k++) {
      model.contentChanged(nb);
      jest.advanceTimersByTime(100);
    }
    expect(client.calls).toHaveLength(1);
    expect(model.view()!.status).toBe('scheduled');
    jest.advanceTimersByTime(500);
    expect(client.calls).toHaveLength(2);
  });

  it('drops a response that a newer check superseded', async () => {
    const { client, model, nb } = setup();
    model.setActive(nb);
    void model.check(nb);
    expect(client.calls).toHaveLength(2);
    client.calls[1].resolve(report([])); // the newer one answers first
    client.calls[0].resolve(report([finding()]));
    await settle();
    expect(model.view()!.total).toBe(0);
  });

  it('reports a failed request without losing the previous findings', async () => {
    const { client, model, nb } = setup();
    model.setActive(nb);
    client.calls[0].resolve(report([finding()]));
    await settle();
    void model.check(nb);
    client.calls[1].reject(new Error('404 Not Found'));
    await settle();
    const view = model.view()!;
    expect(view.status).toBe('error');
    expect(view.error).toBe('404 Not Found');
    expect(view.total).toBe(1);
  });

  it('shows the findings of whichever notebook is active', async () => {
    const { client, model, nb } = setup();
    const other = new FakeNotebook('panel-2', 'other.ipynb', [{ id: 'x', source: 'y = 2', kind: 'code' }]);
    model.setActive(nb);
    client.calls[0].resolve(report([finding()]));
    model.setActive(other);
    client.calls[1].resolve(report([]));
    await settle();
    expect(model.view()!.path).toBe('other.ipynb');
    expect(model.view()!.total).toBe(0);
    model.setActive(nb);
    expect(client.calls).toHaveLength(2); // already checked: shown from the cache
    expect(model.view()!.total).toBe(1);
    model.close(nb);
    expect(model.active).toBeNull();
    expect(model.view()).toBeNull();
  });

  it('follows cells by id: numbers and marks track moves, deleted cells drop out', async () => {
    const { client, model, nb } = setup();
    model.setActive(nb);
    client.calls[0].resolve(report([finding({ cell_id: 'c1', cell_index: 1 })]));
    await settle();
    nb.cellList = [nb.cellList[1], nb.cellList[0]]; // moved up, not re-checked yet
    model.cellsChanged(nb);
    expect(model.view()!.groups[0].entries[0].cellNumber).toBe(1);
    expect([...model.findingsByCell(nb).keys()]).toEqual(['c1']);
    nb.cellList = [nb.cellList[1]];
    model.cellsChanged(nb);
    expect(model.view()!.total).toBe(0);
    expect(model.findingsByCell(nb).size).toBe(0);
  });

  it('re-checks after an execution and reports live hidden state with the static findings', async () => {
    const cells = [
      { id: 'c0', source: 'x = 1', kind: 'code' as const },
      { id: 'c1', source: 'y = x * 2', kind: 'code' as const },
      { id: 'c2', source: 'x = 5', kind: 'code' as const }
    ];
    const { client, model, nb } = setup(cells);
    model.setActive(nb);
    client.calls[0].resolve(report([]));
    await settle();
    model.cellExecuted(nb, 'c0', 'x = 1');
    model.cellExecuted(nb, 'c2', 'x = 5');
    model.cellExecuted(nb, 'c1', 'y = x * 2');
    expect(client.calls).toHaveLength(1);
    jest.advanceTimersByTime(500);
    expect(client.calls).toHaveLength(2);
    client.calls[1].resolve(
      report([finding({ code: 'NBP101', name: 'out-of-order-execution', cell_id: 'c1', cell_index: 1 })])
    );
    await settle();
    const view = model.view()!;
    expect(view.session).toEqual({ executed: 3, stale: 0, deletedAfterRun: 0 });
    expect(view.groups[0].entries.map(e => [e.finding.code, e.live])).toEqual([
      ['NBP101', false],
      ['NBL003', true]
    ]);
    model.kernelReset(nb);
    expect(model.view()!.total).toBe(1);
    expect(model.view()!.session.executed).toBe(0);
  });

  it('with auto-check off, keeps live state current but never calls the server', async () => {
    const { client, model, nb } = setup([{ id: 'c0', source: 'x = 1', kind: 'code' }]);
    model.updateSettings({ autoCheck: false });
    model.setActive(nb);
    model.cellExecuted(nb, 'c0', 'x = 1');
    nb.cellList[0].source = 'x = 2';
    model.contentChanged(nb);
    jest.advanceTimersByTime(500);
    expect(client.calls).toHaveLength(0);
    expect(model.view()!.groups[0].entries.map(e => e.finding.code)).toEqual(['NBL001']);
    model.updateSettings({ autoCheck: true }); // turning it on checks the active notebook
    expect(client.calls).toHaveLength(1);
  });

  it('applies the ignore setting to the panel and the marks', async () => {
    const { client, model, nb } = setup();
    model.setActive(nb);
    client.calls[0].resolve(report([finding(), finding({ code: 'NBP101', name: 'out-of-order-execution' })]));
    await settle();
    model.updateSettings({ ignore: ['NBP104'] });
    expect(model.view()!.total).toBe(1);
    expect(
      model
        .findingsByCell(nb)
        .get('c0')!
        .map(f => f.code)
    ).toEqual(['NBP101']);
  });

  it('loads the rule catalog for the tooltips', async () => {
    const { model } = setup();
    const changed = jest.fn();
    model.changed.connect(changed);
    await model.loadRules();
    expect(model.rule('NBP104')?.summary).toContain('before it is defined');
    expect(model.rule('NBP999')).toBeUndefined();
    expect(changed).toHaveBeenCalledWith(model, null);
  });

  it('uses the new debounce delay at once', () => {
    const { client, model, nb } = setup();
    model.setActive(nb);
    model.updateSettings({ debounceMs: 50 });
    model.contentChanged(nb);
    jest.advanceTimersByTime(50);
    expect(client.calls).toHaveLength(2);
  });
});

describe('first check waits for the content', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('never checks the loading placeholder; checks the loaded notebook once it is there', async () => {
    const client = new FakeClient();
    const model = new ChecklistModel(client, { debounceMs: 100 });
    const nb = new FakeNotebook('p', 'big.ipynb', [{ id: 'placeholder', source: '', kind: 'code' }], false);
    model.setActive(nb);
    model.contentChanged(nb); // the content streaming in
    jest.advanceTimersByTime(1000);
    expect(client.calls).toHaveLength(0);
    expect(model.view()).toMatchObject({ status: 'loading', loaded: false, total: 0 });
    expect(model.findingsByCell(nb).size).toBe(0);
    void model.check(nb); // "check now" before the content: still nothing to check
    expect(client.calls).toHaveLength(0);

    nb.cellList = [
      { id: 'a', source: 'print(df)', kind: 'code' },
      { id: 'b', source: 'df = 1', kind: 'code' }
    ];
    nb.ready = true;
    model.contentReady(nb);
    expect(client.calls).toHaveLength(1);
    const sent = JSON.parse(new TextDecoder().decode(client.calls[0].notebook));
    expect(sent.cells.map((c: { id: string }) => c.id)).toEqual(['a', 'b']);
    expect(model.view()).toMatchObject({ status: 'checking', loaded: false });
    client.calls[0].resolve(report([finding({ cell_id: 'a' })]));
    await settle();
    expect(model.view()).toMatchObject({ status: 'done', loaded: true, total: 1 });
  });

  it('a notebook loaded in the background is checked when it becomes active', () => {
    const client = new FakeClient();
    const model = new ChecklistModel(client);
    const nb = new FakeNotebook('p', 'nb.ipynb', [{ id: 'a', source: 'x = 1', kind: 'code' }], false);
    model.open(nb);
    nb.ready = true;
    model.contentReady(nb);
    expect(client.calls).toHaveLength(0);
    model.setActive(nb);
    expect(client.calls).toHaveLength(1);
  });

  it('a failed first check counts as a result: the error is shown, not "checking…"', async () => {
    const client = new FakeClient();
    const model = new ChecklistModel(client);
    const nb = new FakeNotebook('p', 'nb.ipynb', [{ id: 'a', source: 'x = 1', kind: 'code' }]);
    model.setActive(nb);
    client.calls[0].reject(new Error('502 Bad Gateway'));
    await settle();
    expect(model.view()).toMatchObject({ status: 'error', loaded: true, error: '502 Bad Gateway' });
  });
});

describe('severity filter, folding and notebook scope', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  const cells = [
    { id: 'c0', source: 'print(df)', kind: 'code' as const },
    { id: 'c1', source: 'df = 1', kind: 'code' as const }
  ];

  async function loaded(findings: Finding[]) {
    const client = new FakeClient();
    const model = new ChecklistModel(client);
    const nb = new FakeNotebook(
      'p',
      'nb.ipynb',
      cells.map(c => ({ ...c }))
    );
    model.setActive(nb);
    client.calls[0].resolve(report(findings));
    await settle();
    return { client, model, nb };
  }

  const mixed = [
    finding({ code: 'NBP104', severity: 'error' }),
    finding({ code: 'NBP101', name: 'out-of-order-execution', severity: 'warning', cell_id: 'c1', cell_index: 1 }),
    finding({ code: 'NBP303', name: 'inline-hyperparameters', severity: 'info', area: 'experiments' })
  ];

  it('hides a severity from the list but keeps counting it and keeps its marks', async () => {
    const { model, nb } = await loaded(mixed);
    expect(model.view()).toMatchObject({ total: 3, shown: 3, bySeverity: { error: 1, warning: 1, info: 1 } });
    model.setSeverityShown('warning', false);
    const view = model.view()!;
    expect(view).toMatchObject({ total: 3, shown: 2, severities: { error: true, warning: false, info: true } });
    const execution = view.groups.find(g => g.id === 'execution')!;
    expect(execution.count).toBe(2);
    expect(execution.entries.map(e => e.finding.code)).toEqual(['NBP104']);
    expect(
      model
        .findingsByCell(nb)
        .get('c1')!
        .map(f => f.code)
    ).toEqual(['NBP101']);
    model.setSeverityShown('warning', true);
    expect(model.view()!.shown).toBe(3);
  });

  it('folds a group and unfolds it again, for every notebook', async () => {
    const { model } = await loaded(mixed);
    model.toggleGroup('execution');
    const folded = model.view()!.groups.find(g => g.id === 'execution')!;
    expect(folded.collapsed).toBe(true);
    expect(folded.count).toBe(2);
    expect(model.view()!.groups.find(g => g.id === 'experiments')!.collapsed).toBe(false);
    model.toggleGroup('execution');
    expect(model.view()!.groups.find(g => g.id === 'execution')!.collapsed).toBe(false);
  });

  it('puts notebook-level findings in a Notebook group first, with no cell and no mark', async () => {
    const tooLong = finding({
      code: 'NBP504',
      name: 'notebook-too-long',
      area: 'documentation',
      severity: 'info',
      cell_id: 'c1',
      cell_index: 1,
      scope: 'notebook'
    });
    const noScope = finding({ code: 'NBP503', name: 'empty-cell', area: 'documentation', severity: 'info' });
    const { model, nb } = await loaded([tooLong, noScope]);
    const view = model.view()!;
    expect(view.groups.map(g => g.id)).toEqual([
      'notebook',
      'execution',
      'data',
      'experiments',
      'code-health',
      'documentation'
    ]);
    expect(view.groups[0].entries.map(e => [e.finding.code, e.notebook, e.cellNumber])).toEqual([['NBP504', true, 2]]);
    // a finding without the field is a cell finding (servers before the field)
    const docs = view.groups.find(g => g.id === 'documentation')!;
    expect(docs.entries.map(e => [e.finding.code, e.notebook, e.cellNumber])).toEqual([['NBP503', false, 1]]);
    expect([...model.findingsByCell(nb).entries()].map(([id, list]) => [id, list.map(f => f.code)])).toEqual([
      ['c0', ['NBP503']]
    ]);
    expect(view.total).toBe(2);
    // its cell deleted, a notebook finding stays (a cell finding would go)
    nb.cellList = [nb.cellList[0]];
    model.cellsChanged(nb);
    expect(model.view()!.groups[0].entries.map(e => [e.finding.code, e.cellNumber])).toEqual([['NBP504', 0]]);
  });

  it('shows no Notebook group when there is no notebook-level finding', async () => {
    const { model } = await loaded(mixed);
    expect(model.view()!.groups[0].id).toBe('execution');
  });
});

describe('rendering by diff', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('keeps entries, groups and the marks map when a re-check finds the same things', async () => {
    const client = new FakeClient();
    const model = new ChecklistModel(client);
    const nb = new FakeNotebook('p', 'nb.ipynb', [
      { id: 'c0', source: 'print(df)', kind: 'code' },
      { id: 'c1', source: 'df = 1', kind: 'code' }
    ]);
    const data = () => finding({ code: 'NBP201', name: 'raw-data-overwrite', area: 'data', cell_id: 'c1' });
    model.setActive(nb);
    client.calls[0].resolve(report([finding(), data()]));
    await settle();
    const before = model.view()!;
    const marksBefore = model.findingsByCell(nb);

    void model.check(nb);
    // equal findings, new objects (as from a new response), one area changed
    client.calls[1].resolve(report([finding(), data(), finding({ code: 'NBP101', name: 'out-of-order-execution' })]));
    await settle();
    const after = model.view()!;
    const group = (v: typeof after, id: string) => v.groups.find(g => g.id === id)!;
    expect(group(after, 'data')).toBe(group(before, 'data')); // untouched area: same object
    expect(group(after, 'documentation')).toBe(group(before, 'documentation'));
    expect(group(after, 'execution')).not.toBe(group(before, 'execution'));
    const nbp104 = (v: typeof after) => group(v, 'execution').entries.find(e => e.finding.code === 'NBP104')!;
    expect(nbp104(after)).toBe(nbp104(before)); // unchanged row: same entry, same key
    expect(model.findingsByCell(nb)).not.toBe(marksBefore);

    const marks = model.findingsByCell(nb);
    void model.check(nb);
    client.calls[2].resolve(report([finding(), data(), finding({ code: 'NBP101', name: 'out-of-order-execution' })]));
    await settle();
    expect(model.findingsByCell(nb)).toBe(marks); // nothing changed: the marks need no pass
    expect(model.view()!.groups).toEqual(after.groups);
  });

  it('gives a moved finding a new cell number but keeps its key', async () => {
    const client = new FakeClient();
    const model = new ChecklistModel(client);
    const nb = new FakeNotebook('p', 'nb.ipynb', [
      { id: 'c0', source: 'print(df)', kind: 'code' },
      { id: 'c1', source: 'df = 1', kind: 'code' }
    ]);
    model.setActive(nb);
    client.calls[0].resolve(report([finding()]));
    await settle();
    const entry = model.view()!.groups[0].entries[0];
    nb.cellList = [nb.cellList[1], nb.cellList[0]];
    model.cellsChanged(nb);
    const moved = model.view()!.groups[0].entries[0];
    expect(moved.cellNumber).toBe(2);
    expect(moved.key).toBe(entry.key);
    expect(moved).not.toBe(entry);
  });

  it('keeps duplicate findings apart with unique keys', async () => {
    const client = new FakeClient();
    const model = new ChecklistModel(client);
    const nb = new FakeNotebook('p', 'nb.ipynb', [{ id: 'c0', source: 'print(df)', kind: 'code' }]);
    model.setActive(nb);
    client.calls[0].resolve(report([finding(), finding()]));
    await settle();
    const keys = model.view()!.groups[0].entries.map(e => e.key);
    expect(new Set(keys).size).toBe(2);
  });

  it('costs a keystroke no re-grouping: the view between checks reuses the groups', async () => {
    const client = new FakeClient();
    const model = new ChecklistModel(client, { debounceMs: 200 });
    const nb = new FakeNotebook('p', 'nb.ipynb', [{ id: 'c0', source: 'print(df)', kind: 'code' }]);
    const cellIds = jest.spyOn(nb, 'cellIds');
    const cellsSpy = jest.spyOn(nb, 'cells');
    model.setActive(nb);
    client.calls[0].resolve(report([finding()]));
    await settle();
    const groups = model.view()!.groups;
    cellIds.mockClear();
    cellsSpy.mockClear();
    for (let k = 0; k < 20; k++) {
      model.contentChanged(nb);
      model.view();
      jest.advanceTimersByTime(50);
    }
    expect(model.view()!.status).toBe('scheduled');
    expect(model.view()!.groups).toBe(groups);
    expect(cellIds).not.toHaveBeenCalled();
    expect(cellsSpy).not.toHaveBeenCalled();
    expect(client.calls).toHaveLength(1);
  });
});

describe('a cell typed for the first time', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  async function withNewCell() {
    const client = new FakeClient();
    const model = new ChecklistModel(client);
    const nb = new FakeNotebook('p', 'nb.ipynb', [
      { id: 'old', source: 'print(undefined_old)', kind: 'code' },
      { id: 'other', source: 'x = 1', kind: 'code' }
    ]);
    model.setActive(nb);
    model.activeCellChanged(nb, 'old');
    client.calls[0].resolve(report([]));
    await settle();
    // insert a cell below and start typing in it
    nb.cellList = [nb.cellList[0], { id: 'new', source: 'print(undefined_new)', kind: 'code' }, nb.cellList[1]];
    model.cellsChanged(nb);
    model.activeCellChanged(nb, 'new');
    void model.check(nb);
    const at = (id: string, index: number) => ({ cell_id: id, cell_index: index });
    client.calls[1].resolve(
      report([
        finding({ code: 'NBP105', name: 'undefined-name', ...at('old', 0) }),
        finding({ code: 'NBP105', name: 'undefined-name', ...at('new', 1) }),
        finding({ code: 'NBP102', name: 'unexecuted-cell', severity: 'warning', ...at('new', 1) }),
        finding({ code: 'NBP404', name: 'hardcoded-secret', area: 'code-health', ...at('new', 1) })
      ])
    );
    await settle();
    return { client, model, nb };
  }

  const codesIn = (model: ChecklistModel, nb: INotebookHandle, id: string) =>
    (model.findingsByCell(nb).get(id) ?? []).map(f => f.code);

  it('is not flagged unexecuted or undefined while it is being typed; other rules apply', async () => {
    const { model, nb } = await withNewCell();
    expect(codesIn(model, nb, 'new')).toEqual(['NBP404']);
    expect(codesIn(model, nb, 'old')).toEqual(['NBP105']); // cells that were there when it opened
    expect(model.isFresh(nb, 'new')).toBe(true);
    expect(model.view()!.total).toBe(2);
  });

  it('is judged like any other once the cursor leaves it', async () => {
    const { model, nb } = await withNewCell();
    const changed = jest.fn();
    model.changed.connect(changed);
    model.activeCellChanged(nb, 'other');
    expect(changed).toHaveBeenCalled(); // shown at once, from the last result
    expect(codesIn(model, nb, 'new').sort()).toEqual(['NBP102', 'NBP105', 'NBP404']);
    model.activeCellChanged(nb, 'new'); // coming back does not make it new again
    expect(codesIn(model, nb, 'new')).toHaveLength(3);
  });

  it('is judged like any other once it runs', async () => {
    const { model, nb } = await withNewCell();
    model.cellExecuted(nb, 'new', 'print(undefined_new)');
    expect(codesIn(model, nb, 'new')).toContain('NBP105');
  });

  it('holds back live hidden-state codes too', async () => {
    const client = new FakeClient();
    const model = new ChecklistModel(client);
    const nb = new FakeNotebook('p', 'nb.ipynb', [{ id: 'def', source: 'y = 1', kind: 'code' }]);
    model.setActive(nb);
    client.calls[0].resolve(report([]));
    await settle();
    model.cellExecuted(nb, 'def', 'y = 1');
    // the defining cell is deleted, and a new cell reads what only it defined
    nb.cellList = [{ id: 'new', source: 'print(y)', kind: 'code' }];
    model.cellsChanged(nb);
    model.activeCellChanged(nb, 'new');
    void model.check(nb);
    client.calls[1].resolve(report([]));
    await settle();
    expect(codesIn(model, nb, 'new')).toEqual([]);
    model.activeCellChanged(nb, null);
    expect(codesIn(model, nb, 'new')).toEqual(['NBL002']);
    expect(heldWhileNew('NBL002')).toBe(true);
    expect(heldWhileNew('NBP404')).toBe(false);
  });

  it('a moved cell is not new; a deleted new cell is forgotten', async () => {
    const { model, nb } = await withNewCell();
    nb.cellList = [nb.cellList[2], nb.cellList[0], nb.cellList[1]]; // move 'other' to the top
    model.cellsChanged(nb);
    expect(model.isFresh(nb, 'other')).toBe(false);
    nb.cellList = nb.cellList.filter(c => c.id !== 'new');
    model.cellsChanged(nb);
    expect(model.isFresh(nb, 'new')).toBe(false);
  });
});

describe('cell marks', () => {
  it('names every rule and message in the tooltip, and summarises many codes', () => {
    const mark = markFor([
      finding(),
      finding({ code: 'NBP101', name: 'out-of-order-execution', severity: 'warning', line: 3, message: 'ran after' }),
      finding({ code: 'NBP302', name: 'unseeded-randomness', severity: 'warning' }),
      finding({ code: 'NBP303', name: 'inline-hyperparameters', severity: 'info' })
    ])!;
    expect(mark.severity).toBe('error');
    expect(mark.codes).toEqual(['NBP104', 'NBP101', '+2']);
    expect(mark.tooltip.split('\n')).toHaveLength(4);
    expect(mark.tooltip).toContain("NBP104 use-before-definition (line 1): 'df' is used here");
    expect(mark.tooltip).toContain('NBP101 out-of-order-execution (line 3): ran after');
    expect(markFor([])).toBeNull();
    expect(markFor([finding({ severity: 'info' })])!.signature).not.toBe(markFor([finding()])!.signature);
  });
});

describe('parseRuleDocs', () => {
  it('splits the docs into sections of prose and code', () => {
    const sections = parseRuleDocs(
      [
        '## What it does',
        'Flags a name read before',
        'the cell that defines it.',
        '',
        '## Why is this bad?',
        'Top to bottom the `name` is undefined.',
        '',
        '## Use instead',
        '    df = load()',
        '',
        '    print(df)',
        ''
      ].join('\n')
    );
    expect([...sections.keys()]).toEqual(['What it does', 'Why is this bad?', 'Use instead']);
    expect(sections.get('What it does')).toEqual([
      { kind: 'text', text: 'Flags a name read before the cell that defines it.' }
    ]);
    expect(sections.get('Why is this bad?')).toEqual([
      { kind: 'text', text: 'Top to bottom the `name` is undefined.' }
    ]);
    expect(sections.get('Use instead')).toEqual([{ kind: 'code', text: 'df = load()\n\nprint(df)' }]);
    expect(parseRuleDocs('').size).toBe(0);
  });
});

describe('settings', () => {
  it('ships the same defaults as the settings schema, with a debounce short enough to feel live', () => {
    const properties: Record<string, { default: unknown }> = schema.properties;
    for (const [key, value] of Object.entries(DEFAULT_SETTINGS)) {
      expect(properties[key].default).toEqual(value);
    }
    expect(DEFAULT_SETTINGS.debounceMs).toBeLessThanOrEqual(300);
  });
});

describe('fixes', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  /** The notebook's cells as a fix edits them; like JupyterLab, an edit signals a content change at once. */
  function editable(model: ChecklistModel, nb: FakeNotebook): IFixTarget & { transactions: number } {
    return {
      transactions: 0,
      cells: () => nb.cellList.map(({ id, source }) => ({ id, source })),
      transact(changes) {
        this.transactions++;
        changes();
        model.contentChanged(nb);
      },
      replace: (index, from, to, text) => {
        const cell = nb.cellList[index];
        nb.cellList[index] = { ...cell, source: cell.source.slice(0, from) + text + cell.source.slice(to) };
      },
      deleteCell: index => void nb.cellList.splice(index, 1),
      insertCell: (index, source, _tags, id) =>
        void nb.cellList.splice(index, 0, { id: id ?? 'new', source, kind: 'code' }),
      clearOutputs: () => undefined,
      addTag: () => undefined
    };
  }

  const empty = (cell: number, applicability: Fix['applicability'] = 'safe'): Partial<Finding> => ({
    code: 'NBP503',
    name: 'empty-cell',
    cell_index: cell,
    cell_id: `c${cell}`,
    fix: {
      message: 'delete the empty cell',
      applicability,
      edits: [{ kind: 'delete_cell', cell_index: cell, cell_id: `c${cell}` }]
    }
  });

  async function checked(findings: Finding[]) {
    const client = new FakeClient();
    const model = new ChecklistModel(client, { debounceMs: 100 });
    const nb = new FakeNotebook('p', 'nb.ipynb', [
      { id: 'c0', source: 'x = 1', kind: 'code' },
      { id: 'c1', source: '', kind: 'code' },
      { id: 'c2', source: '', kind: 'code' }
    ]);
    model.setActive(nb);
    client.calls[0].resolve(report(findings));
    await settle();
    return { client, model, nb, target: editable(model, nb) };
  }

  it('applies a fix as one step, says what it did, and re-checks after the edit', async () => {
    const { client, model, nb, target } = await checked([finding(empty(1))]);
    const [entry] = model.view()!.groups.flatMap(g => g.entries);
    model.fix(nb, [entry.finding], target);
    expect(nb.cellIds()).toEqual(['c0', 'c2']);
    expect(target.transactions).toBe(1);
    expect(model.view()!.fixNote).toEqual({
      kind: 'fixed',
      text: 'Fixed NBP503: delete the empty cell. Z in the notebook (command mode) undoes it.'
    });
    jest.advanceTimersByTime(100);
    expect(client.calls).toHaveLength(2); // the re-check of the fixed notebook
    expect(model.view()!.fixNote?.kind).toBe('fixed'); // the fix's own edit keeps the note
  });

  it('a fix of content changed since waits for the re-check and applies at its new positions', async () => {
    const { client, model, nb, target } = await checked([finding(empty(1))]);
    const stale = model.findings(nb)[0];
    nb.cellList.splice(0, 0, { id: 'top', source: 'import os', kind: 'code' }); // the user added a cell
    model.contentChanged(nb);
    model.fix(nb, [stale], target);
    expect(target.transactions).toBe(0);
    expect(model.view()!.fixNote).toEqual({ kind: 'waiting', text: 'Fixing once the check is up to date…' });

    jest.advanceTimersByTime(100);
    const moved = finding(empty(1));
    moved.cell_index = 2;
    moved.fix!.edits = [{ kind: 'delete_cell', cell_index: 2, cell_id: 'c1' }];
    client.calls[1].resolve(report([moved]));
    await settle();
    expect(nb.cellIds()).toEqual(['top', 'c0', 'c2']);
    expect(target.transactions).toBe(1);
    expect(model.view()!.fixNote?.kind).toBe('fixed');
  });

  it('a waiting fix whose finding the re-check no longer reports changes nothing', async () => {
    const { client, model, nb, target } = await checked([finding(empty(1))]);
    const stale = model.findings(nb)[0];
    model.contentChanged(nb);
    model.fix(nb, [stale], target);
    jest.advanceTimersByTime(100);
    client.calls[1].resolve(report([]));
    await settle();
    expect(target.transactions).toBe(0);
    expect(model.view()!.fixNote).toEqual({ kind: 'refused', text: 'Not fixed: nothing left to fix there.' });
  });

  it('without auto-check, a fix of content changed since is refused', async () => {
    const { model, nb, target } = await checked([finding(empty(1))]);
    model.updateSettings({ autoCheck: false });
    model.contentChanged(nb);
    model.fix(nb, model.findings(nb), target);
    expect(target.transactions).toBe(0);
    expect(model.view()!.fixNote?.kind).toBe('refused');
    expect(model.view()!.fixNote?.text).toMatch(/^Not fixed: the notebook changed since it was checked/);
  });

  it('"Fix all safe" applies every safe fix together, never an unsafe one', async () => {
    const { model, nb, target } = await checked([finding(empty(1)), finding(empty(2, 'unsafe'))]);
    expect(model.view()!.safeFixes).toBe(1);
    model.fixAllSafe(nb, target);
    expect(nb.cellIds()).toEqual(['c0', 'c2']);
  });

  it('"Fix all safe" in one step for several fixes, deleting from the last cell to the first', async () => {
    const { model, nb, target } = await checked([finding(empty(1)), finding(empty(2))]);
    expect(model.view()!.safeFixes).toBe(2);
    model.fixAllSafe(nb, target);
    expect(nb.cellIds()).toEqual(['c0']);
    expect(target.transactions).toBe(1);
    expect(model.view()!.fixNote?.text).toBe('Fixed 2 findings (NBP503). Z in the notebook (command mode) undoes it.');
  });

  it('a new fix for the same finding makes a new entry: the row never applies an old fix', async () => {
    const { client, model, nb } = await checked([finding(empty(1))]);
    const before = model.view()!.groups.flatMap(g => g.entries)[0];
    model.contentChanged(nb);
    jest.advanceTimersByTime(100);
    const changed = finding(empty(1));
    changed.fix!.message = 'delete it';
    client.calls[1].resolve(report([changed]));
    await settle();
    const after = model.view()!.groups.flatMap(g => g.entries)[0];
    expect(after).not.toBe(before);
    expect(after.finding.fix?.message).toBe('delete it');
  });

  it('a user edit clears the note', async () => {
    const { model, nb, target } = await checked([finding(empty(1))]);
    model.fix(nb, model.findings(nb), target);
    expect(model.view()!.fixNote).not.toBeNull();
    model.contentChanged(nb); // the user's next keystroke
    expect(model.view()!.fixNote).toBeNull();
  });
});
