/**
 * The sidebar's state: one entry per open notebook, the active one shown.
 *
 * It debounces re-checks after edits and executions, drops responses that a newer
 * check superseded, tracks the kernel session's hidden state, and groups findings
 * by checklist area. Views read it and listen to `changed`; only it calls the API.
 * Nothing here imports JupyterLab widgets, so the logic is unit-tested in plain Node.
 */
import { IDisposable } from '@lumino/disposable';
import { ISignal, Signal } from '@lumino/signaling';

import type { Area, CheckReport, ExportReport, ExportRequest, Finding, INbprodApi, RuleInfo } from './api';
import { HiddenStateTracker, ILiveCell, ISessionSummary, ScanCache } from './hiddenstate';

/** Checklist areas in the order the panel shows them (titles as the CLI names them). */
export const AREAS: ReadonlyArray<{ area: Area; title: string }> = [
  { area: 'execution', title: 'Execution and hidden state' },
  { area: 'data', title: 'Data' },
  { area: 'experiments', title: 'Experiments and models' },
  { area: 'code-health', title: 'Code health' },
  { area: 'documentation', title: 'Documentation and hygiene' }
];

export interface IAreaGroup {
  area: Area;
  title: string;
  findings: Finding[];
}

/** A rule selector as in `[tool.nbprod] ignore`: ALL, a code, a code prefix or a name. */
export function matchesSelector(finding: Finding, selector: string): boolean {
  const s = selector.trim();
  if (s === '') {
    return false;
  }
  return s.toUpperCase() === 'ALL' || finding.code.startsWith(s.toUpperCase()) || finding.name === s;
}

export function byLocation(a: Finding, b: Finding): number {
  return a.cell_index - b.cell_index || a.line - b.line || a.column - b.column || a.code.localeCompare(b.code);
}

/**
 * Findings grouped by area, every known area present (an empty one shows a tick),
 * each group sorted by cell and line; areas the frontend does not know come last.
 */
export function groupFindings(findings: readonly Finding[], ignore: readonly string[] = []): IAreaGroup[] {
  const groups = new Map<string, IAreaGroup>(AREAS.map(a => [a.area, { ...a, findings: [] }]));
  for (const finding of findings) {
    if (ignore.some(selector => matchesSelector(finding, selector))) {
      continue;
    }
    let group = groups.get(finding.area);
    if (!group) {
      group = { area: finding.area, title: finding.area, findings: [] };
      groups.set(finding.area, group);
    }
    group.findings.push(finding);
  }
  const all = [...groups.values()];
  all.forEach(g => g.findings.sort(byLocation));
  return all;
}

/** Calls `fn` once, `delayMs` after the last `schedule()`. */
export class Debouncer implements IDisposable {
  private _timer: ReturnType<typeof setTimeout> | null = null;
  private _disposed = false;

  constructor(
    private readonly _fn: () => void,
    public delayMs: number
  ) {}

  get pending(): boolean {
    return this._timer !== null;
  }

  get isDisposed(): boolean {
    return this._disposed;
  }

  schedule(): void {
    if (this._disposed) {
      return;
    }
    this.cancel();
    this._timer = setTimeout(
      () => {
        this._timer = null;
        this._fn();
      },
      Math.max(0, this.delayMs)
    );
  }

  cancel(): void {
    if (this._timer !== null) {
      clearTimeout(this._timer);
      this._timer = null;
    }
  }

  /** Run now if something is scheduled. */
  flush(): void {
    if (this._timer !== null) {
      this.cancel();
      this._fn();
    }
  }

  dispose(): void {
    this.cancel();
    this._disposed = true;
  }
}

/** What the model needs from an open notebook; the JupyterLab adapter implements it. */
export interface INotebookHandle {
  /** Unique while the notebook is open (the widget id). */
  readonly id: string;
  /** Relative to the server root; may change on rename. */
  readonly path: string;
  /** The notebook JSON as the frontend holds it, unsaved edits included. */
  toJSON(): object;
  cells(): ILiveCell[];
}

export interface ISettings {
  autoCheck: boolean;
  debounceMs: number;
  /** Rule selectors hidden from the panel and the cell marks. */
  ignore: string[];
}

export const DEFAULT_SETTINGS: ISettings = { autoCheck: true, debounceMs: 500, ignore: [] };

export type CheckStatus = 'idle' | 'scheduled' | 'checking' | 'done' | 'error';

/** A finding as the panel lists it: where its cell is now, and whether it is live. */
export interface IEntry {
  finding: Finding;
  /** 1-based position of the cell now (cells may have moved since the check). */
  cellNumber: number;
  live: boolean;
}

export interface IEntryGroup {
  area: Area;
  title: string;
  entries: IEntry[];
}

export interface INotebookView {
  path: string;
  status: CheckStatus;
  /** The request failed (server unreachable, extension missing...). */
  error: string | null;
  /** The server could not read the notebook or its config. */
  fileErrors: string[];
  skipped: string | null;
  groups: IEntryGroup[];
  total: number;
  session: ISessionSummary;
  /** Bumps on every change of this view: UI tests and the benchmark wait on it. */
  revision: number;
}

class NotebookState implements IDisposable {
  report: CheckReport | null = null;
  live: Finding[] = [];
  error: string | null = null;
  status: CheckStatus = 'idle';
  generation = 0;
  controller: AbortController | null = null;
  revision = 0;
  readonly tracker: HiddenStateTracker;
  readonly debouncer: Debouncer;
  isDisposed = false;

  constructor(
    readonly handle: INotebookHandle,
    scans: ScanCache,
    delayMs: number,
    onFire: (state: NotebookState) => void
  ) {
    this.tracker = new HiddenStateTracker(scans);
    this.debouncer = new Debouncer(() => onFire(this), delayMs);
  }

  dispose(): void {
    this.isDisposed = true;
    this.debouncer.dispose();
    this.controller?.abort();
  }
}

export class ChecklistModel implements IDisposable {
  private _states = new Map<string, NotebookState>();
  private _active: INotebookHandle | null = null;
  private _settings: ISettings;
  private _scans = new ScanCache();
  private _changed = new Signal<this, INotebookHandle | null>(this);
  private _disposed = false;
  private _rules = new Map<string, RuleInfo>();

  constructor(
    private readonly _client: INbprodApi,
    settings: Partial<ISettings> = {}
  ) {
    this._settings = { ...DEFAULT_SETTINGS, ...settings };
  }

  /** Emits the notebook whose findings changed (null: the active notebook changed). */
  get changed(): ISignal<this, INotebookHandle | null> {
    return this._changed;
  }

  get settings(): Readonly<ISettings> {
    return this._settings;
  }

  get active(): INotebookHandle | null {
    return this._active;
  }

  get isDisposed(): boolean {
    return this._disposed;
  }

  updateSettings(settings: Partial<ISettings>): void {
    const wasAuto = this._settings.autoCheck;
    this._settings = { ...this._settings, ...settings };
    for (const state of this._states.values()) {
      state.debouncer.delayMs = this._settings.debounceMs;
      this._touch(state);
    }
    if (!wasAuto && this._settings.autoCheck && this._active) {
      void this.check(this._active);
    }
    this._changed.emit(null);
  }

  /** The rule catalog (summaries for tooltips); the panel re-renders when it arrives. */
  async loadRules(): Promise<void> {
    const rules = await this._client.rules();
    this._rules = new Map(rules.map(rule => [rule.code, rule]));
    this._changed.emit(null);
  }

  rule(code: string): RuleInfo | undefined {
    return this._rules.get(code);
  }

  /** Export the notebook's tagged cells (the server writes inside its root only). */
  exportPackage(request: ExportRequest): Promise<ExportReport> {
    return this._client.exportPackage(request);
  }

  /** Start following a notebook (idempotent). */
  open(handle: INotebookHandle): void {
    this._state(handle);
  }

  close(handle: INotebookHandle): void {
    this._states.get(handle.id)?.dispose();
    this._states.delete(handle.id);
    if (this._active?.id === handle.id) {
      this._active = null;
      this._changed.emit(null);
    }
  }

  /** Show this notebook's findings; the first time, check it at once. */
  setActive(handle: INotebookHandle | null): void {
    this._active = handle;
    if (handle) {
      const state = this._state(handle);
      this._refreshLive(state);
      if (state.status === 'idle' && this._settings.autoCheck) {
        void this._runCheck(state);
      }
    }
    this._changed.emit(null);
  }

  /** The notebook's content changed: re-check after the debounce. */
  contentChanged(handle: INotebookHandle): void {
    const state = this._state(handle);
    state.debouncer.schedule();
    if (this._settings.autoCheck && state.status !== 'scheduled') {
      state.status = 'scheduled';
      this._emit(state);
    }
  }

  /** A code cell ran in the kernel with this source. */
  cellExecuted(handle: INotebookHandle, cellId: string, source: string): void {
    const state = this._state(handle);
    state.tracker.recordExecution(cellId, source);
    state.debouncer.schedule();
  }

  /** The kernel restarted or was replaced: its session state is gone. */
  kernelReset(handle: INotebookHandle): void {
    const state = this._states.get(handle.id);
    if (state) {
      state.tracker.reset();
      this._refreshLive(state);
      this._emit(state);
    }
  }

  /** Check now, skipping the debounce. Resolves when the sidebar has the result. */
  async check(handle: INotebookHandle | null = this._active): Promise<void> {
    if (handle) {
      const state = this._state(handle);
      state.debouncer.cancel();
      await this._runCheck(state);
    }
  }

  /** Static and live findings for a notebook, ignore setting applied, sorted. */
  findings(handle: INotebookHandle): Finding[] {
    const state = this._states.get(handle.id);
    if (!state) {
      return [];
    }
    const ignore = this._settings.ignore;
    return [...(state.report?.findings ?? []), ...state.live]
      .filter(f => !ignore.some(s => matchesSelector(f, s)))
      .sort(byLocation);
  }

  /**
   * Findings keyed by cell id, for the cell marks. A finding is located by its cell id;
   * if the server gave none, by its index in the cells that were checked.
   */
  findingsByCell(handle: INotebookHandle): Map<string, Finding[]> {
    const cells = handle.cells();
    const present = new Set(cells.map(c => c.id));
    const byCell = new Map<string, Finding[]>();
    for (const finding of this.findings(handle)) {
      let id: string | undefined;
      if (finding.cell_id !== null) {
        if (!present.has(finding.cell_id)) {
          continue; // the cell was deleted since the check
        }
        id = finding.cell_id;
      } else {
        id = cells[finding.cell_index]?.id;
      }
      if (id === undefined) {
        continue;
      }
      const list = byCell.get(id) ?? [];
      list.push(finding);
      byCell.set(id, list);
    }
    return byCell;
  }

  view(handle: INotebookHandle | null = this._active): INotebookView | null {
    if (!handle) {
      return null;
    }
    const state = this._state(handle);
    const cells = handle.cells();
    const position = new Map(cells.map((c, k) => [c.id, k]));
    const liveSet = new Set(state.live);
    const groups: IEntryGroup[] = [];
    let total = 0;
    for (const group of groupFindings([...(state.report?.findings ?? []), ...state.live], this._settings.ignore)) {
      const entries: IEntry[] = [];
      for (const finding of group.findings) {
        const now = finding.cell_id !== null ? position.get(finding.cell_id) : finding.cell_index;
        if (now === undefined) {
          continue; // its cell was deleted since the check
        }
        entries.push({ finding, cellNumber: now + 1, live: liveSet.has(finding) });
      }
      entries.sort((a, b) => a.cellNumber - b.cellNumber || a.finding.line - b.finding.line);
      total += entries.length;
      groups.push({ area: group.area, title: group.title, entries });
    }
    return {
      path: handle.path,
      status: state.status,
      error: state.error,
      fileErrors: (state.report?.errors ?? []).map(e => e.message),
      skipped: state.report?.skipped[0]?.reason ?? null,
      groups,
      total,
      session: state.tracker.summary(cells),
      revision: state.revision
    };
  }

  dispose(): void {
    if (this._disposed) {
      return;
    }
    this._disposed = true;
    this._states.forEach(s => s.dispose());
    this._states.clear();
    Signal.clearData(this);
  }

  private _state(handle: INotebookHandle): NotebookState {
    let state = this._states.get(handle.id);
    if (!state) {
      state = new NotebookState(handle, this._scans, this._settings.debounceMs, s => this._onDebounced(s));
      this._states.set(handle.id, state);
    }
    return state;
  }

  /** The debounce fired: live state always, the server check when auto-check is on. */
  private _onDebounced(state: NotebookState): void {
    if (this._settings.autoCheck) {
      void this._runCheck(state);
    } else {
      this._refreshLive(state);
      this._emit(state);
    }
  }

  private async _runCheck(state: NotebookState): Promise<void> {
    const generation = ++state.generation;
    state.controller?.abort(); // the newer content supersedes the request in flight
    const controller = new AbortController();
    state.controller = controller;
    state.status = 'checking';
    this._refreshLive(state);
    this._emit(state);
    const { handle } = state;
    try {
      const report = await this._client.check(handle.path, handle.toJSON(), controller.signal);
      if (state.isDisposed || generation !== state.generation) {
        return;
      }
      state.report = report;
      state.error = null;
      state.status = 'done';
    } catch (error) {
      if (state.isDisposed || generation !== state.generation) {
        return;
      }
      state.error = error instanceof Error ? error.message : String(error);
      state.status = 'error';
    }
    state.controller = null;
    this._refreshLive(state);
    this._emit(state);
  }

  private _refreshLive(state: NotebookState): void {
    state.live = state.tracker.findings(state.handle.cells(), state.handle.path);
  }

  private _touch(state: NotebookState): void {
    state.revision++;
  }

  private _emit(state: NotebookState): void {
    if (!this._disposed) {
      this._touch(state);
      this._changed.emit(state.handle);
    }
  }
}
