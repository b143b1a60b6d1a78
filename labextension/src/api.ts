/**
 * The nbprod REST API (`<base_url>/nbprod/...`) and the one Finding schema it returns,
 * the same JSON `nbprod check --format json` prints. Only the model calls this.
 */
import { URLExt } from '@jupyterlab/coreutils';
import { ServerConnection } from '@jupyterlab/services';

export type Severity = 'error' | 'warning' | 'info';
export type Area = 'execution' | 'data' | 'experiments' | 'code-health' | 'documentation';
/** Whether a finding is about one cell or the notebook as a whole (too long, no objective). */
export type Scope = 'cell' | 'notebook';

export interface Finding {
  code: string;
  name: string;
  message: string;
  severity: Severity;
  area: Area;
  filename: string;
  /** 0-based index into the notebook's cells, as sent. */
  cell_index: number;
  cell_id: string | null;
  /** 1-based, within the cell. */
  line: number;
  column: number;
  end_line: number;
  end_column: number;
  /** Edits that fix the finding (`check --fix` applies the safe ones); null: no fix. */
  fix: Fix | null;
  /** Missing from servers older than this field: read it with `scopeOf`. */
  scope?: Scope;
}

/** A place in a cell's source: 1-based line and column, columns in code points. */
export interface IPosition {
  line: number;
  column: number;
}

/** What every edit names: the cell as it was checked (for `insert_cell`, the new cell's id and index). */
interface IEditBase {
  cell_index: number;
  /** null: the notebook's cells have no ids. */
  cell_id: string | null;
}

/**
 * One change of a fix (`nbprod/schemas/report.schema.json`, `$defs/edit`): `replace`
 * `start`..`end` (end exclusive) of the cell's source; `insert_cell` a code cell before
 * the cell at `cell_index`.
 */
export type FixEdit =
  | (IEditBase & { kind: 'replace'; start: IPosition; end: IPosition; replacement: string })
  | (IEditBase & { kind: 'delete_cell' | 'clear_outputs' })
  | (IEditBase & { kind: 'add_tag'; tag: string })
  | (IEditBase & { kind: 'insert_cell'; source: string; tags: string[] });

/** A finding's fix: apply all of its edits or none. */
export interface Fix {
  message: string;
  /** `unsafe`: it needs a look (`--unsafe-fixes` on the command line). */
  applicability: 'safe' | 'unsafe';
  edits: FixEdit[];
  /** Fixes sharing a key are never applied together: one, a re-check, then the next. */
  isolation?: string[];
}

/** A finding's scope; servers that predate the field only report cell findings. */
export function scopeOf(finding: Finding): Scope {
  return finding.scope === 'notebook' ? 'notebook' : 'cell';
}

export interface CheckReport {
  version: string;
  files_checked: number;
  findings: Finding[];
  errors: Array<{ filename: string; message: string }>;
  skipped: Array<{ filename: string; reason: string }>;
}

export interface RuleInfo {
  code: string;
  name: string;
  area: Area;
  severity: Severity;
  summary: string;
  docs: string;
  /** Reported only by a replay in a fresh kernel (NBP110-NBP112), never by a check. */
  rerun_only?: boolean;
}

export interface ExportRequest {
  /** The notebook, relative to the server root. */
  path: string;
  /** The package directory to write, relative to the server root. */
  output: string;
  /** Overwrite generated files that were edited by hand. */
  force?: boolean;
  package?: string;
}

/** `ExportResult.to_json()`: paths relative to the server root or the package. */
export interface ExportReport {
  notebook: string;
  out_dir: string;
  package: string;
  exit_code: number;
  /** The notebook or its settings could not be read: nothing was planned. */
  error: string | null;
  written: string[];
  unchanged: string[];
  removed?: string[];
  /** Generated files edited by hand, left alone (force overwrites them). */
  refused: Array<{ path: string; status: string; reason: string | null }>;
  /** Cells that cannot become package code, and why. */
  refusals: Array<{ location: string; reason: string }>;
  notes: string[];
}

export type RerunStatus = 'queued' | 'running' | 'done' | 'error' | 'cancelled';

/** Where a replay is: `done`/`total` count code cells; `cell` is the running cell's index. */
export interface RerunProgress {
  phase: 'queued' | 'starting' | 'running' | 'finished';
  runs: number;
  run?: number | null;
  done?: number | null;
  total?: number | null;
  cell?: number | null;
}

/** A replay job of `/nbprod/rerun` (server times in seconds since the epoch). */
export interface RerunJob {
  id: string;
  path: string;
  status: RerunStatus;
  progress: RerunProgress;
  /** Once done: the `nbprod rerun --format json` report (findings NBP110-NBP112). */
  report: CheckReport | null;
  notes: string[];
  error: string | null;
  created: number;
  started: number | null;
  finished: number | null;
}

/** The replay endpoints: a job runs in its own fresh kernel on the server, never the user's. */
export interface IRerunApi {
  /** `notebook`: the editor's JSON as UTF-8 (unsaved edits included), copied before this returns. */
  startRerun(path: string, notebook: Uint8Array): Promise<RerunJob>;
  rerunJob(id: string): Promise<RerunJob>;
  /** Kills the replay's kernel at once; answers the job, now `cancelled` unless it had finished. */
  cancelRerun(id: string): Promise<RerunJob>;
}

/** What the model needs from the server: lets tests swap in a fake. */
export interface INbprodApi {
  /** `notebook`: the notebook's JSON as UTF-8, read before this returns (the handle reuses the buffer). */
  check(path: string, notebook: Uint8Array, signal?: AbortSignal): Promise<CheckReport>;
  rules(): Promise<RuleInfo[]>;
  exportPackage(request: ExportRequest): Promise<ExportReport>;
}

/** A non-2xx answer, carrying the server's JSON message. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

export class NbprodClient implements INbprodApi, IRerunApi {
  constructor(private readonly _settings: ServerConnection.ISettings = ServerConnection.makeSettings()) {}

  async rules(): Promise<RuleInfo[]> {
    const body = await this._request<{ rules: RuleInfo[] }>('rules', { method: 'GET' });
    return body.rules;
  }

  check(path: string, notebook: Uint8Array, signal?: AbortSignal): Promise<CheckReport> {
    // Bytes in a Blob: a notebook with outputs is megabytes of JSON. A string body would be
    // encoded again on the main thread for every check, and fetch copies a bare buffer
    // synchronously, while a Blob's bytes reach the network process off the main thread.
    const body = new Blob([`{"path":${JSON.stringify(path)},"notebook":`, notebook as BlobPart, '}'], {
      type: 'application/json'
    });
    return this._request<CheckReport>('check', { method: 'POST', body, signal });
  }

  exportPackage(request: ExportRequest): Promise<ExportReport> {
    return this._request<ExportReport>('export', { method: 'POST', body: JSON.stringify(request) });
  }

  startRerun(path: string, notebook: Uint8Array): Promise<RerunJob> {
    const body = new Blob([`{"path":${JSON.stringify(path)},"notebook":`, notebook as BlobPart, '}'], {
      type: 'application/json'
    });
    return this._request<RerunJob>('rerun', { method: 'POST', body });
  }

  rerunJob(id: string): Promise<RerunJob> {
    return this._request<RerunJob>(`rerun/${encodeURIComponent(id)}`, { method: 'GET' });
  }

  cancelRerun(id: string): Promise<RerunJob> {
    return this._request<RerunJob>(`rerun/${encodeURIComponent(id)}`, { method: 'DELETE' });
  }

  private async _request<T>(endpoint: string, init: RequestInit): Promise<T> {
    const url = URLExt.join(this._settings.baseUrl, 'nbprod', endpoint);
    // An aborted request rejects with a NetworkError; the model drops superseded ones.
    const response = await ServerConnection.makeRequest(url, init, this._settings);
    const text = await response.text();
    let data: unknown = null;
    try {
      data = text ? JSON.parse(text) : null;
    } catch {
      // a proxy's HTML error page: reported by status below
    }
    if (!response.ok) {
      const message =
        data !== null && typeof data === 'object' && 'message' in data && typeof data.message === 'string'
          ? data.message
          : `${response.status} ${response.statusText}`;
      throw new ApiError(response.status, message);
    }
    return data as T;
  }
}

/** One block of a rule's documentation: prose (with `code` spans) or an indented code block. */
export interface IDocBlock {
  kind: 'text' | 'code';
  text: string;
}

/** The sections of a rule's `docs` markdown (`## What it does`, `## Why is this bad?`, ...), by heading. */
export function parseRuleDocs(docs: string): Map<string, IDocBlock[]> {
  const sections = new Map<string, IDocBlock[]>();
  let blocks: IDocBlock[] = [];
  let kind: IDocBlock['kind'] | null = null;
  let lines: string[] = [];
  const flush = (): void => {
    if (kind !== null && lines.length > 0) {
      const text = kind === 'code' ? lines.join('\n').replace(/\n+$/, '') : lines.join(' ');
      blocks.push({ kind, text });
    }
    kind = null;
    lines = [];
  };
  for (const line of docs.split('\n')) {
    const heading = /^#{1,6}\s+(.*?)\s*$/.exec(line);
    if (heading) {
      flush();
      blocks = [];
      sections.set(heading[1], blocks);
    } else if (line.startsWith('    ') || (kind === 'code' && line.trim() === '')) {
      if (kind !== 'code') {
        flush();
        kind = 'code';
      }
      lines.push(line.slice(4));
    } else if (line.trim() === '') {
      flush();
    } else {
      if (kind !== 'text') {
        flush();
        kind = 'text';
      }
      lines.push(line.trim());
    }
  }
  flush();
  return sections;
}
