import type { CheckReport, ExportReport, Finding, INbprodApi, RuleInfo } from '../api';
import type { ILiveCell } from '../hiddenstate';
import { ChecklistModel, Debouncer, groupFindings, INotebookHandle } from '../model';

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
    public cellList: ILiveCell[]
  ) {}
  toJSON(): object {
    return { cells: this.cellList.map(c => ({ id: c.id, source: c.source })) };
  }
  cells(): ILiveCell[] {
    return this.cellList;
  }
}

/** A server whose answers the test releases by hand, in any order. */
class FakeClient implements INbprodApi {
  calls: Array<{ path: string; notebook: object; resolve: (r: CheckReport) => void; reject: (e: Error) => void }> = [];
  check(path: string, notebook: object): Promise<CheckReport> {
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
    expect(model.view()!.groups[0].entries[0].cellNumber).toBe(1);
    expect([...model.findingsByCell(nb).keys()]).toEqual(['c1']);
    nb.cellList = [nb.cellList[1]];
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
