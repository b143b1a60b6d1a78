/**
 * The JupyterLab side of the model: each open notebook panel becomes an
 * INotebookHandle, and its edits, executions and kernel restarts reach the model.
 */
import { Cell, ICellModel } from '@jupyterlab/cells';
import { INotebookTracker, Notebook, NotebookActions, NotebookPanel } from '@jupyterlab/notebook';
import { IDisposable } from '@lumino/disposable';
import { Signal } from '@lumino/signaling';

import type { ILiveCell } from './hiddenstate';
import { ChecklistModel, INotebookHandle } from './model';

type ISharedCell = ICellModel['sharedModel'];

const COMMA = new Uint8Array([0x2c]); // ,
const CLOSE = new Uint8Array([0x5d, 0x7d]); // ]}

export class PanelHandle implements INotebookHandle {
  /** Each cell's JSON, until the cell changes: a check re-serialises only edited cells. */
  private _cellJson = new WeakMap<ISharedCell, Uint8Array>();
  private _buffer = new Uint8Array(0);
  private _watched = new WeakSet<ISharedCell>();

  constructor(readonly panel: NotebookPanel) {}

  get id(): string {
    return this.panel.id;
  }

  get path(): string {
    return this.panel.context.localPath; // without a drive prefix: the server's API path
  }

  get ready(): boolean {
    return this.panel.context.isReady;
  }

  /**
   * The notebook JSON as UTF-8 (valid until the next call), copied together from one cached encoding per cell: a
   * check encodes only the cells edited since the last one (a memcpy of the rest is
   * cheap; serialising megabytes of outputs again is not). Always as nbformat 4.5 with the
   * cell ids JupyterLab uses (`model.toJSON()` drops them for 4.0-4.4 files), so every
   * finding names its cell by id and stays on it when cells move.
   */
  toJSONBytes(): Uint8Array {
    const encoder = new TextEncoder();
    const shared = this.panel.content.model?.sharedModel;
    if (!shared) {
      return encoder.encode('{"cells":[],"metadata":{},"nbformat":4,"nbformat_minor":5}');
    }
    const upgrade = shared.nbformat === 4 && shared.nbformat_minor < 5;
    const head = JSON.stringify({
      metadata: shared.metadata,
      nbformat: shared.nbformat,
      nbformat_minor: upgrade ? 5 : shared.nbformat_minor
    });
    const parts: Uint8Array[] = [encoder.encode(`${head.slice(0, -1)},"cells":[`)];
    let size = parts[0].length + 2; // + "]}"
    shared.cells.forEach((cell, k) => {
      let bytes = this._encoded(cell, k, encoder);
      if (k === 0 && bytes[0] === 0x2c) {
        bytes = bytes.subarray(1); // a cell that moved to the top: no comma before it
      } else if (k > 0 && bytes[0] !== 0x2c) {
        parts.push(COMMA);
        size++;
      }
      parts.push(bytes);
      size += bytes.length;
    });
    // One buffer, reused: the client copies it into a Blob at once, and a fresh megabytes
    // allocation per check would only feed the garbage collector.
    if (this._buffer.length < size) {
      this._buffer = new Uint8Array(Math.ceil(size * 1.25));
    }
    const body = this._buffer.subarray(0, size);
    let at = 0;
    for (const part of parts) {
      body.set(part, at);
      at += part.length;
    }
    body.set(CLOSE, at);
    return body;
  }

  /**
   * Encode every cell ahead of the first check, in slices of a few milliseconds, so that
   * opening a notebook with megabytes of outputs causes no long task; later checks
   * re-encode only what changed.
   */
  async warm(sliceMs = 8): Promise<void> {
    const shared = this.panel.content.model?.sharedModel;
    if (!shared) {
      return;
    }
    const encoder = new TextEncoder();
    let start = performance.now();
    for (let k = 0; k < shared.cells.length; k++) {
      this._encoded(shared.cells[k], k, encoder);
      if (performance.now() - start > sliceMs) {
        await new Promise(resolve => setTimeout(resolve, 0));
        if (this.panel.isDisposed) {
          return;
        }
        start = performance.now();
      }
    }
  }

  cellIds(): string[] {
    const model = this.panel.content.model;
    return model ? Array.from(model.cells, cell => cell.id) : [];
  }

  cells(): ILiveCell[] {
    const cells: ILiveCell[] = [];
    const model = this.panel.content.model;
    if (model) {
      for (const cell of model.cells) {
        const kind = cell.type === 'code' || cell.type === 'markdown' ? cell.type : 'raw';
        cells.push({ id: cell.id, source: cell.sharedModel.getSource(), kind });
      }
    }
    return cells;
  }

  /** The cell's JSON as UTF-8 (with a leading comma unless it was first), cached until it changes. */
  private _encoded(cell: ISharedCell, index: number, encoder: TextEncoder): Uint8Array {
    let bytes = this._cellJson.get(cell);
    if (bytes === undefined) {
      bytes = encoder.encode((index === 0 ? '' : ',') + JSON.stringify(cell.toJSON()));
      this._cellJson.set(cell, bytes);
      if (!this._watched.has(cell)) {
        this._watched.add(cell);
        // any change (source, outputs, metadata): drop the cached JSON; nothing else per keystroke
        cell.changed.connect(this._invalidate, this);
      }
    }
    return bytes;
  }

  private _invalidate(cell: ISharedCell): void {
    this._cellJson.delete(cell);
  }
}

interface IExecutionArgs {
  notebook: Notebook;
  cell: Cell;
}

export class NotebookWatcher implements IDisposable {
  private _handles = new Map<NotebookPanel, PanelHandle>();
  /** Source of each cell when its execution was scheduled: what the kernel runs. */
  private _scheduled = new WeakMap<Cell, string>();
  private _disposed = false;

  constructor(
    private readonly _tracker: INotebookTracker,
    private readonly _model: ChecklistModel
  ) {
    _tracker.forEach(panel => this._add(panel));
    _tracker.widgetAdded.connect((_, panel) => this._add(panel), this);
    _tracker.currentChanged.connect(this._onCurrentChanged, this);
    NotebookActions.executionScheduled.connect(this._onScheduled, this);
    NotebookActions.executed.connect(this._onExecuted, this);
    this._onCurrentChanged();
  }

  get isDisposed(): boolean {
    return this._disposed;
  }

  handleFor(panel: NotebookPanel): PanelHandle | undefined {
    return this._handles.get(panel);
  }

  dispose(): void {
    this._disposed = true;
    NotebookActions.executionScheduled.disconnect(this._onScheduled, this);
    NotebookActions.executed.disconnect(this._onExecuted, this);
    Signal.clearData(this);
  }

  private _add(panel: NotebookPanel): void {
    if (this._handles.has(panel)) {
      return;
    }
    const handle = new PanelHandle(panel);
    this._handles.set(panel, handle);
    this._model.open(handle);
    const notebook = panel.content;
    // modelContentChanged follows the notebook's model even if it is swapped (revert).
    notebook.modelContentChanged.connect(() => this._model.contentChanged(handle), this);
    // Cells added, deleted or moved (not typed into): new cells and positions.
    const cellsChanged = (): void => this._model.cellsChanged(handle);
    notebook.model?.cells.changed.connect(cellsChanged, this);
    notebook.modelChanged.connect(() => {
      notebook.model?.cells.changed.connect(cellsChanged, this);
      cellsChanged();
    }, this);
    notebook.activeCellChanged.connect(
      (_, cell) => this._model.activeCellChanged(handle, cell?.model.id ?? null),
      this
    );
    // The first check waits for the content: before it, the editor holds a placeholder.
    void panel.context.ready
      .then(() => handle.warm().catch(error => console.warn('nbprod: could not pre-encode the notebook', error)))
      .then(() => {
        if (!panel.isDisposed) {
          this._model.activeCellChanged(handle, notebook.activeCell?.model.id ?? null);
          this._model.contentReady(handle);
        }
      });
    panel.sessionContext.statusChanged.connect((_, status) => {
      if (status === 'restarting' || status === 'autorestarting') {
        this._model.kernelReset(handle);
      }
    }, this);
    panel.sessionContext.kernelChanged.connect(() => this._model.kernelReset(handle), this);
    panel.disposed.connect(() => {
      this._model.close(handle);
      this._handles.delete(panel);
    }, this);
  }

  private _onCurrentChanged(): void {
    const panel = this._tracker.currentWidget;
    if (panel) {
      this._add(panel); // the tracker may announce it as current before widgetAdded
    }
    this._model.setActive(panel ? (this._handles.get(panel) ?? null) : null);
  }

  private _onScheduled(_: unknown, { cell }: IExecutionArgs): void {
    if (cell.model.type === 'code') {
      this._scheduled.set(cell, cell.model.sharedModel.getSource());
    }
  }

  private _onExecuted(_: unknown, { notebook, cell }: IExecutionArgs): void {
    if (cell.model.type !== 'code') {
      return; // "running" a markdown cell renders it: nothing reaches the kernel
    }
    const panel = [...this._handles.keys()].find(p => p.content === notebook);
    const handle = panel && this._handles.get(panel);
    if (handle) {
      const source = this._scheduled.get(cell) ?? cell.model.sharedModel.getSource();
      this._scheduled.delete(cell);
      this._model.cellExecuted(handle, cell.model.id, source);
    }
  }
}
