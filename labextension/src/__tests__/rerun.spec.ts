import { ApiError, type CheckReport, type Finding, type IRerunApi, type RerunJob } from '../api';
import type { ILiveCell } from '../hiddenstate';
import type { INotebookHandle } from '../model';
import { formatDuration, progressText, RerunModel, type IRerunView } from '../rerun';

function finding(overrides: Partial<Finding> = {}): Finding {
  return {
    code: 'NBP110',
    name: 'fails-from-scratch',
    message: "NameError: name 'df_clean' is not defined",
    severity: 'error',
    area: 'execution',
    filename: 'nb.ipynb',
    cell_index: 1,
    cell_id: 'b',
    line: 1,
    column: 7,
    end_line: 1,
    end_column: 15,
    fix: null,
    ...overrides
  };
}

function report(findings: Finding[], extra: Partial<CheckReport> = {}): CheckReport {
  return { version: '0.1.0', files_checked: 1, findings, errors: [], skipped: [], ...extra };
}

function job(overrides: Partial<RerunJob> = {}): RerunJob {
  return {
    id: 'f'.repeat(32),
    path: 'nb.ipynb',
    status: 'running',
    progress: { phase: 'running', runs: 1 },
    report: null,
    notes: [],
    error: null,
    created: 0,
    started: 0,
    finished: null,
    ...overrides
  };
}

class FakeNotebook implements INotebookHandle {
  readonly ready = true;
  constructor(
    readonly id: string,
    readonly path: string,
    public ids: string[]
  ) {}
  toJSONBytes(): Uint8Array {
    return new TextEncoder().encode(JSON.stringify({ cells: this.ids.map(id => ({ id })) }));
  }
  cellIds(): string[] {
    return this.ids;
  }
  cells(): ILiveCell[] {
    return this.ids.map(id => ({ id, source: '', kind: 'code' }));
  }
}

type Answer = RerunJob | Error | Promise<RerunJob>;

/** A server scripted per call: each request takes the next answer of its queue. */
class ScriptedServer implements IRerunApi {
  calls: string[] = [];
  sent: Array<{ path: string; notebook: string }> = [];
  constructor(
    public starts: Answer[],
    public polls: Answer[] = [],
    public cancels: Answer[] = []
  ) {}
  startRerun(path: string, notebook: Uint8Array): Promise<RerunJob> {
    this.calls.push('POST');
    this.sent.push({ path, notebook: new TextDecoder().decode(notebook) });
    return this._next(this.starts);
  }
  rerunJob(id: string): Promise<RerunJob> {
    this.calls.push(`GET ${id}`);
    return this._next(this.polls);
  }
  cancelRerun(id: string): Promise<RerunJob> {
    this.calls.push(`DELETE ${id}`);
    return this._next(this.cancels);
  }
  private _next(queue: Answer[]): Promise<RerunJob> {
    const answer = queue.shift();
    if (answer === undefined) {
      return Promise.reject(new Error('no answer scripted'));
    }
    return answer instanceof Error ? Promise.reject(answer) : Promise.resolve(answer);
  }
}

/** Every view the model showed, in order. */
function record(model: RerunModel, handle: INotebookHandle): IRerunView[] {
  const seen: IRerunView[] = [];
  model.changed.connect((_, h) => {
    if (h === handle) {
      seen.push(model.view(handle)!);
    }
  });
  return seen;
}

function deferred<T>(): { promise: Promise<T>; resolve: (value: T) => void } {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>(r => (resolve = r));
  return { promise, resolve };
}

describe('RerunModel', () => {
  let clock = 0;
  const now = () => clock;
  beforeEach(() => {
    clock = 1_000_000;
  });

  it('sends the editor content, reports progress cell by cell and shows the findings at their cells', async () => {
    const nb = new FakeNotebook('panel-1', 'work/nb.ipynb', ['a', 'b', 'c']);
    const done = job({
      status: 'done',
      progress: { phase: 'finished', runs: 1, done: 1, total: 3 },
      report: report([finding()])
    });
    const server = new ScriptedServer(
      [job({ status: 'queued', progress: { phase: 'queued', runs: 1 } })],
      [
        job({ progress: { phase: 'starting', runs: 1 } }),
        job({ progress: { phase: 'running', runs: 1, run: 1, done: 1, total: 3, cell: 1 } }),
        done
      ]
    );
    const model = new RerunModel(server, { pollMs: 1, now });
    const seen = record(model, nb);
    expect(model.view(nb)).toBeNull();

    const finished = model.start(nb);
    expect(model.isRunning(nb)).toBe(true);
    clock += 4200;
    await finished;

    expect(server.sent).toEqual([{ path: 'work/nb.ipynb', notebook: '{"cells":[{"id":"a"},{"id":"b"},{"id":"c"}]}' }]);
    expect(server.calls).toEqual(['POST', ...Array(3).fill(`GET ${'f'.repeat(32)}`)]);
    expect(seen.map(v => v.progressText)).toEqual([
      'Sending the notebook…',
      'Waiting for another re-run to finish…',
      'Starting a fresh kernel…',
      'Running cell 2 (code cell 2 of 3)',
      'Finished'
    ]);
    const view = model.view(nb)!;
    expect(model.isRunning(nb)).toBe(false);
    expect(view.state).toBe('done');
    expect(view.elapsedMs).toBe(4200);
    expect(view.finishedAt?.getTime()).toBe(clock);
    expect(view.error).toBeNull();
    expect(view.entries.map(e => [e.finding.code, e.cellNumber, e.live])).toEqual([['NBP110', 2, false]]);
  });

  it('places findings at where their cells are now and counts those whose cell was deleted', async () => {
    const nb = new FakeNotebook('p', 'nb.ipynb', ['a', 'b', 'c']);
    const findings = [
      finding({ code: 'NBP111', name: 'output-differs', cell_id: 'c', cell_index: 2, severity: 'warning' }),
      finding({ cell_id: 'b', cell_index: 1 }),
      finding({ code: 'NBP112', name: 'nondeterministic', cell_id: 'a', cell_index: 0 })
    ];
    const server = new ScriptedServer([job({ status: 'done', report: report(findings) })]);
    const model = new RerunModel(server, { pollMs: 1, now });
    await model.start(nb);
    expect(model.view(nb)!.entries.map(e => [e.finding.code, e.cellNumber])).toEqual([
      ['NBP112', 1],
      ['NBP110', 2],
      ['NBP111', 3]
    ]);
    const before = model.view(nb)!.entries;
    expect(model.view(nb)!.entries[0]).toBe(before[0]); // unchanged rows keep their identity

    nb.ids = ['c', 'b']; // cell a deleted, c moved to the top
    const view = model.view(nb)!;
    expect(view.entries.map(e => [e.finding.code, e.cellNumber])).toEqual([
      ['NBP111', 1],
      ['NBP110', 2]
    ]);
    expect(view.gone).toBe(1);
  });

  it('cancels a running replay with DELETE and ignores answers that cross the cancel', async () => {
    const nb = new FakeNotebook('p', 'nb.ipynb', ['a']);
    const poll = deferred<RerunJob>();
    const server = new ScriptedServer(
      [job()],
      [job({ progress: { phase: 'running', runs: 1, done: 0, total: 1, cell: 0 } }), poll.promise],
      [job({ status: 'cancelled' })]
    );
    const model = new RerunModel(server, { pollMs: 1, now });
    const seen = record(model, nb);
    const finished = model.start(nb);
    while (!server.calls.includes(`GET ${'f'.repeat(32)}`) || server.polls.length > 0) {
      await new Promise(resolve => setTimeout(resolve, 1));
    }
    clock += 1500;
    await model.cancel(nb);
    poll.resolve(job({ progress: { phase: 'running', runs: 1, done: 0, total: 1, cell: 0 } }));
    await finished;

    expect(server.calls.filter(c => c.startsWith('DELETE'))).toEqual([`DELETE ${'f'.repeat(32)}`]);
    expect(seen.map(v => v.state)).toContain('cancelling');
    const view = model.view(nb)!;
    expect(view.state).toBe('cancelled');
    expect(view.elapsedMs).toBe(1500);
    expect(view.entries).toEqual([]);
    expect(model.isRunning(nb)).toBe(false);
  });

  it('cancels once the server has answered when Cancel came before the job existed', async () => {
    const nb = new FakeNotebook('p', 'nb.ipynb', ['a']);
    const started = deferred<RerunJob>();
    const server = new ScriptedServer([started.promise], [], [job({ status: 'cancelled' })]);
    const model = new RerunModel(server, { pollMs: 1, now });
    const finished = model.start(nb);
    await model.cancel(nb);
    expect(model.view(nb)!.state).toBe('cancelling');
    started.resolve(job({ status: 'queued', progress: { phase: 'queued', runs: 1 } }));
    await finished;
    expect(server.calls).toEqual(['POST', `DELETE ${'f'.repeat(32)}`]);
    expect(model.view(nb)!.state).toBe('cancelled');
  });

  it('starts one replay per notebook at a time', async () => {
    const nb = new FakeNotebook('p', 'nb.ipynb', ['a']);
    const started = deferred<RerunJob>();
    const server = new ScriptedServer([started.promise]);
    const model = new RerunModel(server, { pollMs: 1, now });
    const first = model.start(nb);
    await model.start(nb); // ignored: one is under way
    started.resolve(job({ status: 'done', report: report([]) }));
    await first;
    expect(server.calls).toEqual(['POST']);
    expect(model.view(nb)!.state).toBe('done');
  });

  it.each([
    ['403', new ApiError(403, 'Forbidden'), 'The server refused to re-run this notebook (403 Forbidden: Forbidden)'],
    [
      '501',
      new ApiError(501, "replaying needs nbclient and ipykernel on the server: pip install 'nbprod[rerun]'"),
      "replaying needs nbclient and ipykernel on the server: pip install 'nbprod[rerun]'"
    ],
    [
      '400',
      new ApiError(400, "'path' is not a notebook"),
      "Could not start the re-run (400): 'path' is not a notebook"
    ],
    ['no server', new TypeError('Failed to fetch'), 'Could not reach the server: Failed to fetch']
  ])('explains a refused start (%s)', async (_label, error, message) => {
    const nb = new FakeNotebook('p', 'nb.ipynb', ['a']);
    const model = new RerunModel(new ScriptedServer([error]), { pollMs: 1, now });
    await model.start(nb);
    const view = model.view(nb)!;
    expect(view.state).toBe('error');
    expect(view.error).toContain(message);
    expect(model.isRunning(nb)).toBe(false);
  });

  it("reports the server's reason when the replay itself failed", async () => {
    const nb = new FakeNotebook('p', 'nb.ipynb', ['a']);
    const server = new ScriptedServer([job()], [job({ status: 'error', error: 'the replay took longer than 1920 s' })]);
    const model = new RerunModel(server, { pollMs: 1, now });
    await model.start(nb);
    expect(model.view(nb)!.error).toBe('The run failed on the server: the replay took longer than 1920 s');
  });

  it('rides out a failed progress request, gives up after several, and at once on a forgotten job', async () => {
    const nb = new FakeNotebook('p', 'nb.ipynb', ['a']);
    const down = () => new TypeError('Failed to fetch');
    const recovering = new ScriptedServer(
      [job()],
      [down(), job(), down(), down(), job({ status: 'done', report: report([]) })]
    );
    const model = new RerunModel(recovering, { pollMs: 1, maxPollFailures: 3, now });
    await model.start(nb);
    expect(model.view(nb)!.state).toBe('done');

    const lost = new ScriptedServer([job()], [down(), down(), down()]);
    const lostModel = new RerunModel(lost, { pollMs: 1, maxPollFailures: 3, now });
    await lostModel.start(nb);
    expect(lostModel.view(nb)!.error).toBe('Lost track of the run: Failed to fetch');

    const forgotten = new ScriptedServer([job()], [new ApiError(404, 'no replay with id')]);
    const forgottenModel = new RerunModel(forgotten, { pollMs: 1, now });
    await forgottenModel.start(nb);
    expect(forgottenModel.view(nb)!.error).toBe('The server no longer knows this run (it may have restarted).');
    expect(forgotten.calls.length).toBe(2);
  });

  it("lists the report's file errors, skips and the server's notes", async () => {
    const nb = new FakeNotebook('p', 'nb.ipynb', ['a']);
    const server = new ScriptedServer([
      job({
        status: 'done',
        notes: ["kernel 'py38' is not installed: ran in python3"],
        report: report([], { errors: [{ filename: 'nb.ipynb', message: "kernel 'x' could not be started" }] })
      })
    ]);
    const model = new RerunModel(server, { pollMs: 1, now });
    await model.start(nb);
    expect(model.view(nb)!.notes).toEqual([
      "kernel 'x' could not be started",
      "kernel 'py38' is not installed: ran in python3"
    ]);
  });

  it('closing the notebook cancels its replay on the server and forgets it', async () => {
    const nb = new FakeNotebook('p', 'nb.ipynb', ['a']);
    const server = new ScriptedServer([job()], [job(), job(), job()], [job({ status: 'cancelled' })]);
    const model = new RerunModel(server, { pollMs: 1, now });
    const finished = model.start(nb);
    await new Promise(resolve => setTimeout(resolve, 0));
    model.close(nb.id);
    await finished;
    expect(server.calls.filter(c => c.startsWith('DELETE'))).toHaveLength(1);
    expect(model.view(nb)).toBeNull();
    expect(model.isRunning(nb)).toBe(false);
  });
});

describe('progressText', () => {
  it('says where the run is', () => {
    expect(progressText('running', { phase: 'starting', runs: 1 })).toBe('Starting a fresh kernel…');
    expect(progressText('running', { phase: 'running', runs: 2, run: 2, done: 3, total: 7, cell: 5 })).toBe(
      'Run 2 of 2: Running cell 6 (code cell 4 of 7)'
    );
    expect(progressText('running', { phase: 'running', runs: 1, done: 7, total: 7, cell: null })).toBe(
      'Comparing outputs (7 of 7 code cells run)'
    );
    expect(progressText('cancelling', null)).toBe('Cancelling…');
  });

  it('formats durations', () => {
    expect(formatDuration(4249)).toBe('4.2 s');
    expect(formatDuration(125_000)).toBe('2 min 05 s');
  });
});
