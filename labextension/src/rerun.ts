/**
 * "Re-run in a fresh kernel": one replay per notebook on the server (`/nbprod/rerun`, a
 * new kernel in a child process, never the user's), polled for progress, cancellable,
 * its findings kept until the next run. Like the checklist model it imports no
 * JupyterLab widgets, so it is unit-tested in plain Node; views read `view()`.
 */
import { IDisposable } from '@lumino/disposable';
import { ISignal, Signal } from '@lumino/signaling';

import { ApiError, scopeOf, type IRerunApi, type RerunJob, type RerunProgress } from './api';
import { findingKey, type IEntry, type INotebookHandle } from './model';

/** `starting`: the request is on its way; `cancelling`: the cancel is. */
export type RerunState = 'starting' | 'queued' | 'running' | 'cancelling' | 'done' | 'error' | 'cancelled';

const FINISHED: ReadonlySet<RerunState> = new Set(['done', 'error', 'cancelled']);

export interface IRerunView {
  state: RerunState;
  /** The server's last progress report (null until the job exists). */
  progress: RerunProgress | null;
  /** One line for the progress indicator: phase, cell k of n. */
  progressText: string;
  /** Since the run was asked for, until it finished. */
  elapsedMs: number;
  /** When the run finished (this browser's clock); null while it runs. */
  finishedAt: Date | null;
  /** The run's findings whose cells are still there, in cell order. */
  entries: IEntry[];
  /** Findings about cells deleted since the run (no cell to jump to). */
  gone: number;
  /** Why the run did not finish: the request failed, or the server gave up. */
  error: string | null;
  /** The report's file errors and skips, and the server's notes (kernel substituted, ...). */
  notes: string[];
}

export interface IRerunOptions {
  /** Between two progress requests. */
  pollMs?: number;
  /** Consecutive failed progress requests before the run is given up as lost. */
  maxPollFailures?: number;
  now?: () => number;
}

class RerunRun {
  state: RerunState = 'starting';
  job: RerunJob | null = null;
  error: string | null = null;
  finishedMs: number | null = null;
  cancelRequested = false;
  entries = new Map<string, IEntry>();

  constructor(
    readonly handle: INotebookHandle,
    readonly startedMs: number
  ) {}

  get finished(): boolean {
    return FINISHED.has(this.state);
  }
}

export class RerunModel implements IDisposable {
  private _runs = new Map<string, RerunRun>();
  private _changed = new Signal<this, INotebookHandle>(this);
  private _disposed = false;
  private readonly _pollMs: number;
  private readonly _maxPollFailures: number;
  private readonly _now: () => number;

  constructor(
    private readonly _client: IRerunApi,
    options: IRerunOptions = {}
  ) {
    this._pollMs = options.pollMs ?? 500;
    this._maxPollFailures = options.maxPollFailures ?? 3;
    this._now = options.now ?? (() => Date.now());
  }

  /** Emits the notebook whose run changed (also on every progress poll, for the elapsed time). */
  get changed(): ISignal<this, INotebookHandle> {
    return this._changed;
  }

  get isDisposed(): boolean {
    return this._disposed;
  }

  /** A run of this notebook is under way (a second one is not started meanwhile). */
  isRunning(handle: INotebookHandle): boolean {
    const run = this._runs.get(handle.id);
    return run !== undefined && !run.finished;
  }

  /**
   * Replay the notebook as the editor holds it (unsaved edits included) in a fresh
   * kernel. Resolves once the run is done, failed or cancelled; never rejects.
   */
  async start(handle: INotebookHandle): Promise<void> {
    if (this._disposed || this.isRunning(handle)) {
      return;
    }
    const run = new RerunRun(handle, this._now());
    this._runs.set(handle.id, run);
    this._emit(run);
    try {
      this._apply(run, await this._client.startRerun(handle.path, handle.toJSONBytes()));
    } catch (error) {
      this._fail(run, startError(error));
      return;
    }
    if (run.cancelRequested) {
      await this._cancel(run); // Cancel was pressed before the server answered
    }
    await this._poll(run);
  }

  /** Cancel the notebook's run: the server kills its kernel at once. */
  async cancel(handle: INotebookHandle): Promise<void> {
    const run = this._runs.get(handle.id);
    if (!run || run.finished || run.state === 'cancelling') {
      return;
    }
    run.cancelRequested = true;
    run.state = 'cancelling';
    this._emit(run);
    if (run.job) {
      await this._cancel(run);
    }
  }

  /** The notebook was closed: forget its run, and stop it on the server if it still runs. */
  close(id: string): void {
    const run = this._runs.get(id);
    this._runs.delete(id);
    if (run && !run.finished) {
      run.cancelRequested = true; // without a job yet, start() cancels it once the server answers
      if (run.job) {
        this._client.cancelRerun(run.job.id).catch(() => undefined); // best effort: the panel is gone
      }
    }
  }

  /** The notebook's run as the sidebar shows it; null when it was never re-run. */
  view(handle: INotebookHandle): IRerunView | null {
    const run = this._runs.get(handle.id);
    if (!run || run.handle !== handle) {
      return null;
    }
    const { entries, gone } = this._entries(run);
    const report = run.job?.report ?? null;
    return {
      state: run.state,
      progress: run.job?.progress ?? null,
      progressText: progressText(run.state, run.job?.progress ?? null),
      elapsedMs: (run.finishedMs ?? this._now()) - run.startedMs,
      finishedAt: run.finishedMs !== null ? new Date(run.finishedMs) : null,
      entries,
      gone,
      error: run.error,
      notes: [
        ...(report?.errors ?? []).map(e => e.message),
        ...(report?.skipped ?? []).map(s => `Not run: ${s.reason}`),
        ...(run.job?.notes ?? [])
      ]
    };
  }

  dispose(): void {
    if (this._disposed) {
      return;
    }
    this._disposed = true;
    for (const id of [...this._runs.keys()]) {
      this.close(id);
    }
    Signal.clearData(this);
  }

  private async _poll(run: RerunRun): Promise<void> {
    let failures = 0;
    while (!run.finished && this._runs.get(run.handle.id) === run) {
      await new Promise(resolve => setTimeout(resolve, this._pollMs));
      if (run.finished || this._runs.get(run.handle.id) !== run || !run.job) {
        return;
      }
      try {
        this._apply(run, await this._client.rerunJob(run.job.id));
        failures = 0;
      } catch (error) {
        if (error instanceof ApiError && error.status === 404) {
          this._fail(run, 'The server no longer knows this run (it may have restarted).');
        } else if (++failures >= this._maxPollFailures) {
          this._fail(run, `Lost track of the run: ${messageOf(error)}`);
        }
      }
    }
  }

  private async _cancel(run: RerunRun): Promise<void> {
    try {
      this._apply(run, await this._client.cancelRerun(run.job!.id));
    } catch (error) {
      this._fail(run, `Could not cancel the run: ${messageOf(error)}`);
    }
  }

  /** A job as the server answered it; a cancel in flight keeps showing "cancelling". */
  private _apply(run: RerunRun, job: RerunJob): void {
    if (run.finished) {
      return; // an answer that crossed the cancel or a failure
    }
    run.job = job;
    if (FINISHED.has(job.status)) {
      run.state = job.status;
      run.finishedMs = this._now();
      if (job.status === 'error') {
        run.error = `The run failed on the server: ${job.error ?? 'no reason given'}`;
      }
    } else if (!run.cancelRequested) {
      run.state = job.status;
    }
    this._emit(run);
  }

  private _fail(run: RerunRun, message: string): void {
    run.state = 'error';
    run.error = message;
    run.finishedMs = this._now();
    this._emit(run);
  }

  /** The report's findings at their cells' current positions (cells may have moved since). */
  private _entries(run: RerunRun): { entries: IEntry[]; gone: number } {
    const findings = run.job?.report?.findings ?? [];
    if (findings.length === 0) {
      return { entries: [], gone: 0 };
    }
    const ids = run.handle.cellIds();
    const position = new Map(ids.map((id, k) => [id, k]));
    const entries: IEntry[] = [];
    const reused = new Map<string, IEntry>();
    let gone = 0;
    for (const finding of findings) {
      const id = finding.cell_id ?? ids[finding.cell_index];
      const now = id !== undefined ? position.get(id) : undefined;
      const notebook = scopeOf(finding) === 'notebook';
      if (now === undefined && !notebook) {
        gone++;
        continue;
      }
      let key = findingKey(finding);
      for (let n = 2; reused.has(key); n++) {
        key = `${findingKey(finding)}#${n}`;
      }
      const cellNumber = now === undefined ? 0 : now + 1;
      const previous = run.entries.get(key);
      // the same object while nothing moved: memoised rows skip rendering
      const entry =
        previous && previous.cellNumber === cellNumber && previous.finding === finding
          ? previous
          : { key, finding, cellNumber, live: false, notebook };
      reused.set(key, entry);
      entries.push(entry);
    }
    run.entries = reused;
    entries.sort((a, b) => a.cellNumber - b.cellNumber || a.finding.line - b.finding.line);
    return { entries, gone };
  }

  private _emit(run: RerunRun): void {
    if (!this._disposed && this._runs.get(run.handle.id) === run) {
      this._changed.emit(run.handle);
    }
  }
}

/** "Running cell 4 (3 of 7 code cells done)", with the run number when there are several. */
export function progressText(state: RerunState, progress: RerunProgress | null): string {
  switch (state) {
    case 'starting':
      return 'Sending the notebook…';
    case 'cancelling':
      return 'Cancelling…';
    case 'queued':
      return 'Waiting for another re-run to finish…';
    case 'done':
      return 'Finished';
    case 'error':
      return 'Failed';
    case 'cancelled':
      return 'Cancelled';
  }
  const runs = progress?.runs ?? 1;
  const prefix = runs > 1 && progress?.run ? `Run ${progress.run} of ${runs}: ` : '';
  const { done, total, cell } = progress ?? {};
  if (typeof total !== 'number' || typeof done !== 'number') {
    return `${prefix}Starting a fresh kernel…`;
  }
  if (typeof cell === 'number') {
    return `${prefix}Running cell ${cell + 1} (code cell ${Math.min(done + 1, total)} of ${total})`;
  }
  return `${prefix}Comparing outputs (${done} of ${total} code cells run)`;
}

/** "4.2 s", "2 min 05 s". */
export function formatDuration(ms: number): string {
  const seconds = Math.max(0, ms) / 1000;
  if (seconds < 60) {
    return `${seconds.toFixed(1)} s`;
  }
  const whole = Math.round(seconds);
  return `${Math.floor(whole / 60)} min ${String(whole % 60).padStart(2, '0')} s`;
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** What the user is told when the server would not start the run. */
function startError(error: unknown): string {
  if (error instanceof ApiError) {
    switch (error.status) {
      case 403:
        return `The server refused to re-run this notebook (403 Forbidden: ${error.message}). Reload the page or log in again.`;
      case 429:
      case 501:
        return error.message; // too many runs / nbclient missing: the server says what to do
      default:
        return `Could not start the re-run (${error.status}): ${error.message}`;
    }
  }
  return `Could not reach the server: ${messageOf(error)}`;
}
