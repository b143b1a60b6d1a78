/**
 * The sidebar's state: one entry per open notebook, the active one shown.
 *
 * It waits for a notebook's content before its first check, debounces re-checks after
 * edits and executions, drops responses that a newer check superseded, tracks the
 * kernel session's hidden state, holds back what a cell being typed for the first time
 * cannot help (unexecuted, undefined names), and groups findings by scope and
 * checklist area. Views read it and listen to `changed`; only it calls the API.
 * Nothing here imports JupyterLab widgets, so the logic is unit-tested in plain Node.
 *
 * A keystroke costs a map lookup and a timer reset. Everything derived (groups, the
 * marks per cell) is computed once per result and reused, object for object where
 * nothing changed, so React and the cell marks only touch what changed.
 */
import { IDisposable } from '@lumino/disposable';
import { ISignal, Signal } from '@lumino/signaling';

import {
  scopeOf,
  type Area,
  type CheckReport,
  type ExportReport,
  type ExportRequest,
  type Finding,
  type Fix,
  type INbprodApi,
  type RuleInfo,
  type Severity
} from './api';
import { applyFixes, compatible, type IFixTarget } from './fixes';
import { HiddenStateTracker, ILiveCell, ISessionSummary, ScanCache } from './hiddenstate';

/** Checklist areas in the order the panel shows them (titles as the CLI names them). */
export const AREAS: ReadonlyArray<{ area: Area; title: string }> = [
  { area: 'execution', title: 'Execution and hidden state' },
  { area: 'data', title: 'Data' },
  { area: 'experiments', title: 'Experiments and models' },
  { area: 'code-health', title: 'Code health' },
  { area: 'documentation', title: 'Documentation and hygiene' }
];

export const SEVERITIES: readonly Severity[] = ['error', 'warning', 'info'];

/** The group of notebook-level findings, shown above the areas. */
export const NOTEBOOK_GROUP = 'notebook';
export type GroupId = Area | typeof NOTEBOOK_GROUP;

/**
 * What a cell typed for the first time is not flagged with until it runs or is left:
 * it has not run yet and its names are half typed. Live NBL* codes too.
 */
export const HELD_WHILE_NEW: ReadonlySet<string> = new Set(['NBP102', 'NBP104', 'NBP105']);

export function heldWhileNew(code: string): boolean {
  return HELD_WHILE_NEW.has(code) || code.startsWith('NBL');
}

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

/** Identity of a finding across checks: the React key, and what entry reuse compares. */
export function findingKey(f: Finding): string {
  return `${f.code}:${f.cell_id ?? `#${f.cell_index}`}:${f.line}:${f.column}:${f.message}`;
}

const RANK: Record<Severity, number> = { error: 3, warning: 2, info: 1 };
/** More codes than this would crowd the prompt column: the rest is summarised as "+N". */
const MAX_CODES = 3;

export interface ICellMark {
  /** Codes in order of first appearance, at most MAX_CODES (the last may be "+N"). */
  codes: string[];
  severity: Severity;
  /** One line per finding: code, rule name, message. */
  tooltip: string;
  /** Everything above in one string: equal signatures need no DOM work. */
  signature: string;
}

/** The mark for a cell's findings (the badge and its tooltip), or null for none. */
export function markFor(findings: readonly Finding[]): ICellMark | null {
  if (findings.length === 0) {
    return null;
  }
  const all = [...new Set(findings.map(f => f.code))];
  const codes = all.length > MAX_CODES ? [...all.slice(0, MAX_CODES - 1), `+${all.length - MAX_CODES + 1}`] : all;
  const severity = findings.reduce<Severity>(
    (worst, f) => (RANK[f.severity] > RANK[worst] ? f.severity : worst),
    'info'
  );
  const tooltip = findings.map(f => `${f.code} ${f.name} (line ${f.line}): ${f.message}`).join('\n');
  return { codes, severity, tooltip, signature: `${severity}\n${codes.join(' ')}\n${tooltip}` };
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
  /** The notebook's content is loaded (before that the editor shows a placeholder). */
  readonly ready: boolean;
  /** The notebook JSON as the frontend holds it, unsaved edits included, as UTF-8 (valid until the next call). */
  toJSONBytes(): Uint8Array;
  /** Cell ids in document order (cheap: no sources). */
  cellIds(): string[];
  cells(): ILiveCell[];
}

export interface ISettings {
  autoCheck: boolean;
  debounceMs: number;
  /** Rule selectors hidden from the panel and the cell marks. */
  ignore: string[];
}

export const DEFAULT_SETTINGS: ISettings = { autoCheck: true, debounceMs: 150, ignore: [] };

/** `loading`: the notebook's content is not there yet, so there is nothing to check. */
export type CheckStatus = 'loading' | 'idle' | 'scheduled' | 'checking' | 'done' | 'error';

/** A finding as the panel lists it: where its cell is now, and whether it is live. */
export interface IEntry {
  /** Stable across checks while the finding stays: the React key. */
  key: string;
  finding: Finding;
  /** 1-based position of the cell now (cells may have moved since the check); 0: none. */
  cellNumber: number;
  live: boolean;
  /** About the whole notebook: listed in the Notebook group; its cell is where to start. */
  notebook: boolean;
}

export interface IEntryGroup {
  id: GroupId;
  title: string;
  /** The findings the severity filter lets through. */
  entries: IEntry[];
  /** Findings in the group before the severity filter. */
  count: number;
  collapsed: boolean;
}

/**
 * How to take a fix back. A fix is one step of the notebook's own undo history (cells
 * inserted and deleted with it), which JupyterLab undoes with Z in command mode; Ctrl+Z
 * is the active cell's text undo, unless the notebook setting `documentWideUndoRedo` is on.
 */
export const UNDO_HINT = 'Z in the notebook (command mode) undoes it';

/** What the last Fix did: applied, refused and why, or waiting for the re-check. */
export interface IFixNote {
  kind: 'fixed' | 'refused' | 'waiting';
  text: string;
}

/** A Fix clicked on findings of older content: applied to what the re-check finds. */
interface IPendingFix {
  /** The findings' keys; null: every safe fix. */
  keys: string[] | null;
  target: IFixTarget;
}

export interface INotebookView {
  path: string;
  status: CheckStatus;
  /** The first result (or error) for this notebook arrived: until then, "checking…". */
  loaded: boolean;
  /** The request failed (server unreachable, extension missing...). */
  error: string | null;
  /** The server could not read the notebook or its config. */
  fileErrors: string[];
  skipped: string | null;
  /** The notebook group first (only when it has findings), then every area. */
  groups: IEntryGroup[];
  /** Findings after the ignore setting, before the severity filter. */
  total: number;
  /** Findings the severity filter lets through. */
  shown: number;
  bySeverity: Readonly<Record<Severity, number>>;
  severities: Readonly<Record<Severity, boolean>>;
  session: ISessionSummary;
  /** Findings (after the ignore setting) with a safe fix: what "Fix all safe" applies. */
  safeFixes: number;
  fixNote: IFixNote | null;
  /** Bumps on every change of this view: UI tests and the benchmark wait on it. */
  revision: number;
}

/** What a result's derived state depends on; recomputed only when one of these moves. */
interface IDerived {
  key: string;
  visible: Finding[];
  /** Visible findings with a safe fix, in notebook order. */
  safeFixable: Finding[];
  byCell: Map<string, Finding[]>;
  groups: IEntryGroup[];
  total: number;
  shown: number;
  bySeverity: Record<Severity, number>;
}

class NotebookState implements IDisposable {
  report: CheckReport | null = null;
  live: Finding[] = [];
  session: ISessionSummary = { executed: 0, stale: 0, deletedAfterRun: 0 };
  error: string | null = null;
  status: CheckStatus;
  ready: boolean;
  generation = 0;
  controller: AbortController | null = null;
  revision = 0;
  /** Bumps when the findings, or which of them are held back, change. */
  findingsVersion = 0;
  /** Bumps when cells are added, deleted or moved. */
  cellsVersion = 0;
  /** Every cell id seen since the content loaded: a cell not among them is new. */
  known = new Set<string>();
  /** Bumps on every content change; a fix applies only to content as it was checked. */
  contentVersion = 0;
  /** The content version and cell ids the report is of. */
  checkedVersion = -1;
  checkedIds: string[] = [];
  fixNote: IFixNote | null = null;
  pendingFix: IPendingFix | null = null;
  /** A fix is being applied: its own edits do not clear the note. */
  applying = false;
  /** Cells created in this session, never run, not yet left. */
  fresh = new Set<string>();
  activeCell: string | null = null;
  derived: IDerived | null = null;
  /** The previous entries by key, reused when unchanged so memoised rows skip rendering. */
  entries = new Map<string, IEntry>();
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
    this.ready = handle.ready;
    this.status = handle.ready ? 'idle' : 'loading';
    if (handle.ready) {
      this.known = new Set(handle.cellIds());
    }
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
  private _hiddenSeverities = new Set<Severity>();
  private _collapsed = new Set<string>();
  /** Bumps when the ignore setting, the severity filter or collapsed groups change. */
  private _optionsVersion = 0;

  constructor(
    private readonly _client: INbprodApi,
    settings: Partial<ISettings> = {}
  ) {
    this._settings = { ...DEFAULT_SETTINGS, ...settings };
  }

  /** Emits the notebook whose findings changed (null: the active notebook or an option changed). */
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

  /** The rule catalog by code; a new map object whenever it changes. */
  get rules(): ReadonlyMap<string, RuleInfo> {
    return this._rules;
  }

  updateSettings(settings: Partial<ISettings>): void {
    const wasAuto = this._settings.autoCheck;
    const ignoreBefore = this._settings.ignore.join('\n');
    this._settings = { ...this._settings, ...settings };
    if (this._settings.ignore.join('\n') !== ignoreBefore) {
      this._optionsVersion++;
    }
    for (const state of this._states.values()) {
      state.debouncer.delayMs = this._settings.debounceMs;
      this._touch(state);
    }
    if (!wasAuto && this._settings.autoCheck && this._active) {
      void this.check(this._active);
    }
    this._changed.emit(null);
  }

  /** Show or hide one severity in the panel (the cell marks keep every finding). */
  setSeverityShown(severity: Severity, shown: boolean): void {
    if (shown !== !this._hiddenSeverities.has(severity)) {
      shown ? this._hiddenSeverities.delete(severity) : this._hiddenSeverities.add(severity);
      this._optionsChanged();
    }
  }

  severityShown(severity: Severity): boolean {
    return !this._hiddenSeverities.has(severity);
  }

  /** Fold or unfold a group (an area or the notebook group), for every notebook. */
  toggleGroup(id: GroupId): void {
    this._collapsed.has(id) ? this._collapsed.delete(id) : this._collapsed.add(id);
    this._optionsChanged();
  }

  /** The rule catalog (names and docs); the panel re-renders when it arrives. */
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

  /**
   * The notebook's content is loaded: its cells are the baseline for "new", and the
   * active notebook gets its first check now (never on the loading placeholder).
   */
  contentReady(handle: INotebookHandle): void {
    const state = this._state(handle);
    if (state.ready) {
      return;
    }
    state.ready = true;
    state.known = new Set(handle.cellIds());
    state.fresh.clear();
    state.cellsVersion++;
    state.status = 'idle';
    if (this._active?.id === handle.id && this._settings.autoCheck) {
      void this._runCheck(state);
    } else {
      this._emit(state);
    }
  }

  /** Show this notebook's findings; the first time, check it at once (once it is loaded). */
  setActive(handle: INotebookHandle | null): void {
    this._active = handle;
    if (handle) {
      const state = this._state(handle);
      if (state.ready) {
        this._refreshLive(state);
        if (state.status === 'idle' && this._settings.autoCheck) {
          void this._runCheck(state);
        }
      }
    }
    this._changed.emit(null);
  }

  /** The notebook's content changed: re-check after the debounce. Called per keystroke. */
  contentChanged(handle: INotebookHandle): void {
    const state = this._state(handle);
    if (!state.ready) {
      return; // the content is being loaded: contentReady checks it
    }
    state.contentVersion++;
    const noted = state.fixNote !== null && !state.applying && state.pendingFix === null;
    if (noted) {
      state.fixNote = null; // the user edits on: the note was about what came before
    }
    state.debouncer.schedule();
    if (this._settings.autoCheck && state.status !== 'scheduled') {
      state.status = 'scheduled'; // once per burst of edits
      this._emit(state);
    } else if (noted) {
      this._emit(state);
    }
  }

  /** Cells were added, deleted or moved: cells never seen before are new. */
  cellsChanged(handle: INotebookHandle): void {
    const state = this._state(handle);
    if (!state.ready) {
      return;
    }
    const ids = handle.cellIds();
    const present = new Set(ids);
    for (const id of ids) {
      if (!state.known.has(id)) {
        state.known.add(id);
        state.fresh.add(id);
      }
    }
    for (const id of state.fresh) {
      if (!present.has(id)) {
        state.fresh.delete(id);
      }
    }
    state.cellsVersion++;
    this._emit(state);
  }

  /** The cursor moved to another cell: a new cell it left is judged like any other. */
  activeCellChanged(handle: INotebookHandle, cellId: string | null): void {
    const state = this._state(handle);
    const left = state.activeCell;
    state.activeCell = cellId;
    if (left !== null && left !== cellId && state.fresh.delete(left)) {
      state.findingsVersion++;
      this._emit(state);
    }
  }

  /** Whether findings in this cell are held back because it is being typed for the first time. */
  isFresh(handle: INotebookHandle, cellId: string): boolean {
    return this._states.get(handle.id)?.fresh.has(cellId) ?? false;
  }

  /** A code cell ran in the kernel with this source. */
  cellExecuted(handle: INotebookHandle, cellId: string, source: string): void {
    const state = this._state(handle);
    state.tracker.recordExecution(cellId, source);
    if (state.fresh.delete(cellId)) {
      state.findingsVersion++;
    }
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
      if (!state.ready) {
        return; // contentReady runs the first check
      }
      state.debouncer.cancel();
      await this._runCheck(state);
    }
  }

  /** Static and live findings for a notebook: ignore setting applied, new cells held back, sorted. */
  findings(handle: INotebookHandle): Finding[] {
    const state = this._states.get(handle.id);
    return state ? this._derive(state).visible : [];
  }

  /**
   * Cell findings keyed by cell id, for the cell marks: the same Map object until
   * something changes. A finding is located by its cell id; if the server gave
   * none, by its index in the cells that were checked. Notebook findings mark no cell.
   */
  findingsByCell(handle: INotebookHandle): Map<string, Finding[]> {
    const state = this._states.get(handle.id);
    return state ? this._derive(state).byCell : new Map();
  }

  view(handle: INotebookHandle | null = this._active): INotebookView | null {
    if (!handle) {
      return null;
    }
    const state = this._state(handle);
    const derived = this._derive(state);
    const severities = {} as Record<Severity, boolean>;
    SEVERITIES.forEach(s => (severities[s] = !this._hiddenSeverities.has(s)));
    return {
      path: handle.path,
      status: state.status,
      loaded: state.report !== null || state.error !== null,
      error: state.error,
      fileErrors: (state.report?.errors ?? []).map(e => e.message),
      skipped: state.report?.skipped[0]?.reason ?? null,
      groups: derived.groups,
      total: derived.total,
      shown: derived.shown,
      bySeverity: derived.bySeverity,
      severities,
      session: state.session,
      safeFixes: derived.safeFixable.length,
      fixNote: state.fixNote,
      revision: state.revision
    };
  }

  /**
   * Apply the findings' fixes to the notebook (`target`, its model) as one undoable step;
   * the re-check follows from the edit. Fixes are computed on the checked content: if the
   * notebook changed since, they are applied to what the re-check finds (same findings,
   * new positions). The panel's note says what was fixed, or why not. Whether an unsafe
   * fix should be applied is the caller's question to the user.
   */
  fix(handle: INotebookHandle, findings: readonly Finding[], target: IFixTarget): void {
    this._requestFix(this._state(handle), findings.map(findingKey), target);
  }

  /** Apply every safe fix that fits with the others ("Fix all safe"); the rest after the re-check. */
  fixAllSafe(handle: INotebookHandle, target: IFixTarget): void {
    this._requestFix(this._state(handle), null, target);
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

  private _requestFix(state: NotebookState, keys: string[] | null, target: IFixTarget): void {
    state.pendingFix = null;
    if (checkedAsIs(state)) {
      this._applyFixes(state, keys, target);
    } else if (this._settings.autoCheck) {
      state.pendingFix = { keys, target };
      state.fixNote = { kind: 'waiting', text: 'Fixing once the check is up to date…' };
    } else {
      state.fixNote = {
        kind: 'refused',
        text: 'Not fixed: the notebook changed since it was checked; check it again, then fix.'
      };
    }
    this._emit(state);
  }

  /** The fixes of the findings with these keys (null: every safe fix) in the current check. */
  private _applyFixes(state: NotebookState, keys: string[] | null, target: IFixTarget): void {
    const derived = this._derive(state);
    const findings = keys === null ? derived.safeFixable : derived.visible.filter(f => keys.includes(findingKey(f)));
    const fixable = findings.filter((f): f is Finding & { fix: Fix } => f.fix !== null);
    const chosen = compatible(fixable.map(f => f.fix));
    let refused: string | null = 'nothing left to fix there';
    if (chosen.length > 0) {
      state.applying = true;
      try {
        refused = applyFixes(target, chosen, state.checkedIds);
      } finally {
        state.applying = false;
      }
    }
    const codes = [...new Set(fixable.filter(f => chosen.includes(f.fix)).map(f => f.code))].join(', ');
    const rest = fixable.length - chosen.length;
    state.fixNote =
      refused !== null
        ? { kind: 'refused', text: `Not fixed: ${refused}.` }
        : {
            kind: 'fixed',
            text:
              (chosen.length === 1
                ? `Fixed ${codes}: ${chosen[0].message}.`
                : `Fixed ${chosen.length} findings (${codes}).`) +
              (rest > 0 ? ` ${rest} more to fix after the re-check.` : '') +
              ` ${UNDO_HINT}.`
          };
  }

  private _optionsChanged(): void {
    this._optionsVersion++;
    this._states.forEach(s => this._touch(s));
    this._changed.emit(null);
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
    this._emit(state);
    const { handle } = state;
    const version = state.contentVersion;
    const ids = handle.cellIds();
    try {
      const report = await this._client.check(handle.path, handle.toJSONBytes(), controller.signal);
      if (state.isDisposed || generation !== state.generation) {
        return;
      }
      state.report = report;
      state.checkedVersion = version;
      state.checkedIds = ids;
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
    state.findingsVersion++;
    this._refreshLive(state);
    const pending = state.pendingFix;
    if (pending !== null && state.status === 'error') {
      state.pendingFix = null;
      state.fixNote = { kind: 'refused', text: 'Not fixed: the check failed.' };
    } else if (pending !== null && checkedAsIs(state)) {
      state.pendingFix = null; // the check is of the notebook as it is: fix what it found
      this._applyFixes(state, pending.keys, pending.target);
    }
    this._emit(state);
  }

  private _refreshLive(state: NotebookState): void {
    if (state.tracker.executedCount === 0) {
      // nothing ran in this kernel session: no need to read every cell's source
      state.session = { executed: 0, stale: 0, deletedAfterRun: 0 };
      if (state.live.length > 0) {
        state.live = [];
        state.findingsVersion++;
      }
      return;
    }
    const cells = state.handle.cells();
    const live = state.tracker.findings(cells, state.handle.path);
    state.session = state.tracker.summary(cells);
    if (live.length > 0 || state.live.length > 0) {
      state.live = live;
      state.findingsVersion++;
    }
  }

  /**
   * Findings as shown, recomputed only when the findings, the cells' order or the
   * options changed. Entries and groups that did not change keep their identity.
   */
  private _derive(state: NotebookState): IDerived {
    const key = `${state.findingsVersion}:${state.cellsVersion}:${this._optionsVersion}`;
    if (state.derived?.key === key) {
      return state.derived;
    }
    const ids = state.handle.cellIds();
    const position = new Map(ids.map((id, k) => [id, k]));
    const ignore = this._settings.ignore;
    const liveSet = new Set(state.live);
    const cellOf = (f: Finding): string | undefined => (f.cell_id !== null ? f.cell_id : ids[f.cell_index]);

    const visible: Finding[] = [];
    const safeFixable: Finding[] = [];
    const byCell = new Map<string, Finding[]>();
    const entries = new Map<string, IEntry>();
    const grouped = new Map<string, IEntry[]>();
    const bySeverity: Record<Severity, number> = { error: 0, warning: 0, info: 0 };
    const counts = new Map<string, number>();
    for (const finding of [...(state.report?.findings ?? []), ...state.live].sort(byLocation)) {
      if (ignore.some(s => matchesSelector(finding, s))) {
        continue;
      }
      const notebookScope = scopeOf(finding) === 'notebook';
      const id = cellOf(finding);
      const now = id !== undefined ? position.get(id) : undefined;
      const cellNumber = now === undefined ? 0 : now + 1;
      if (!notebookScope) {
        if (id === undefined || now === undefined) {
          continue; // its cell was deleted since the check
        }
        if (state.fresh.has(id) && heldWhileNew(finding.code)) {
          continue; // typed for the first time: not judged until it runs or is left
        }
        const list = byCell.get(id);
        list ? list.push(finding) : byCell.set(id, [finding]);
      }
      visible.push(finding);
      if (finding.fix?.applicability === 'safe') {
        safeFixable.push(finding);
      }
      bySeverity[finding.severity] = (bySeverity[finding.severity] ?? 0) + 1;
      const group = notebookScope ? NOTEBOOK_GROUP : finding.area;
      counts.set(group, (counts.get(group) ?? 0) + 1);
      if (this._hiddenSeverities.has(finding.severity)) {
        continue;
      }
      let entryKey = findingKey(finding);
      for (let n = 2; entries.has(entryKey); n++) {
        entryKey = `${findingKey(finding)}#${n}`; // the same finding twice: keys must stay unique
      }
      const live = liveSet.has(finding);
      const previous = state.entries.get(entryKey);
      const entry =
        previous &&
        previous.cellNumber === cellNumber &&
        previous.live === live &&
        sameFinding(previous.finding, finding)
          ? previous
          : { key: entryKey, finding, cellNumber, live, notebook: notebookScope };
      entries.set(entryKey, entry);
      const list = grouped.get(group);
      list ? list.push(entry) : grouped.set(group, [entry]);
    }

    const previousGroups = new Map((state.derived?.groups ?? []).map(g => [g.id, g]));
    const titles: Array<{ id: GroupId; title: string }> = [
      { id: NOTEBOOK_GROUP, title: 'Notebook' },
      ...AREAS.map(a => ({ id: a.area, title: a.title }))
    ];
    for (const id of grouped.keys()) {
      if (!titles.some(t => t.id === id)) {
        titles.push({ id: id as Area, title: id }); // an area this frontend does not know yet
      }
    }
    const groups: IEntryGroup[] = [];
    let shown = 0;
    for (const { id, title } of titles) {
      const count = counts.get(id) ?? 0;
      if (id === NOTEBOOK_GROUP && count === 0) {
        continue; // the notebook group appears only when it has something to say
      }
      const list = grouped.get(id) ?? [];
      list.sort((a, b) => a.cellNumber - b.cellNumber || a.finding.line - b.finding.line);
      shown += list.length;
      const collapsed = this._collapsed.has(id);
      const before = previousGroups.get(id);
      if (
        before &&
        before.count === count &&
        before.collapsed === collapsed &&
        before.entries.length === list.length &&
        before.entries.every((e, k) => e === list[k])
      ) {
        groups.push(before);
      } else {
        groups.push({ id, title, entries: list, count, collapsed });
      }
    }

    state.entries = entries;
    const previousByCell = state.derived?.byCell;
    state.derived = {
      key,
      visible,
      safeFixable,
      byCell: previousByCell && sameByCell(previousByCell, byCell) ? previousByCell : byCell,
      groups,
      total: visible.length,
      shown,
      bySeverity
    };
    return state.derived;
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

/** The report is of the notebook as it is now: its fixes' positions hold. */
function checkedAsIs(state: NotebookState): boolean {
  return state.report !== null && state.checkedVersion === state.contentVersion;
}

function sameFinding(a: Finding, b: Finding): boolean {
  return (
    a === b ||
    (a.severity === b.severity &&
      a.name === b.name &&
      a.area === b.area &&
      a.end_line === b.end_line &&
      a.end_column === b.end_column &&
      a.cell_index === b.cell_index &&
      scopeOf(a) === scopeOf(b) &&
      findingKey(a) === findingKey(b) &&
      (a.fix === b.fix || JSON.stringify(a.fix) === JSON.stringify(b.fix)))
  );
}

/** Same cells with the same findings (by identity of content): the marks need no pass. */
function sameByCell(a: Map<string, Finding[]>, b: Map<string, Finding[]>): boolean {
  if (a.size !== b.size) {
    return false;
  }
  for (const [id, list] of b) {
    const other = a.get(id);
    if (!other || other.length !== list.length || other.some((f, k) => !sameFinding(f, list[k]))) {
      return false;
    }
  }
  return true;
}
