/**
 * Marks on offending cells: a CSS class by worst severity and a badge with the codes.
 *
 * The mark is a class and a data attribute on the cell's own node, drawn by CSS, so it
 * survives a windowed notebook detaching and re-attaching cells; marks are re-applied
 * by cell id whenever findings change, cells are added, moved or deleted, or a cell
 * scrolls into view.
 */
import { Cell } from '@jupyterlab/cells';
import { INotebookTracker, NotebookPanel } from '@jupyterlab/notebook';
import { IDisposable } from '@lumino/disposable';
import { Signal } from '@lumino/signaling';

import type { Finding, Severity } from './api';
import { ChecklistModel, INotebookHandle } from './model';

export const FLAGGED_CLASS = 'nbprod-flagged';
const SEVERITY_CLASS: Record<Severity, string> = {
  error: 'nbprod-cell-error',
  warning: 'nbprod-cell-warning',
  info: 'nbprod-cell-info'
};
const RANK: Record<Severity, number> = { error: 3, warning: 2, info: 1 };

/** Codes for the badge, in order of first appearance, and the worst severity. */
export function markFor(findings: readonly Finding[]): { codes: string[]; severity: Severity } | null {
  if (findings.length === 0) {
    return null;
  }
  const codes = [...new Set(findings.map(f => f.code))];
  const severity = findings.reduce<Severity>(
    (worst, f) => (RANK[f.severity] > RANK[worst] ? f.severity : worst),
    'info'
  );
  return { codes, severity };
}

export function markCell(cell: Cell, findings: readonly Finding[] | undefined): void {
  const mark = markFor(findings ?? []);
  for (const cls of Object.values(SEVERITY_CLASS)) {
    cell.removeClass(cls);
  }
  if (!mark) {
    cell.removeClass(FLAGGED_CLASS);
    delete cell.node.dataset.nbprodCodes;
    cell.node.style.removeProperty('--nbprod-badge-lines');
    return;
  }
  cell.addClass(FLAGGED_CLASS);
  cell.addClass(SEVERITY_CLASS[mark.severity]);
  // more than three codes would crowd the prompt column: summarise the rest
  const shown = mark.codes.length > 3 ? [...mark.codes.slice(0, 2), `+${mark.codes.length - 2}`] : mark.codes;
  cell.node.dataset.nbprodCodes = shown.join('\n');
  // CSS keeps a one-line cell tall enough for its badge (one code per line)
  cell.node.style.setProperty('--nbprod-badge-lines', String(shown.length));
}

export class CellMarks implements IDisposable {
  private _frames = new Map<NotebookPanel, number>();
  private _disposed = false;

  constructor(
    private readonly _tracker: INotebookTracker,
    private readonly _model: ChecklistModel,
    private readonly _handleFor: (panel: NotebookPanel) => INotebookHandle | undefined
  ) {
    _tracker.forEach(panel => this._watch(panel));
    _tracker.widgetAdded.connect((_, panel) => this._watch(panel), this);
    _model.changed.connect((_, handle) => {
      if (handle === null) {
        this._tracker.forEach(panel => this._schedule(panel)); // settings (ignore) changed
      } else {
        const panel = this._tracker.find(p => p.id === handle.id);
        if (panel) {
          this._schedule(panel);
        }
      }
    }, this);
  }

  get isDisposed(): boolean {
    return this._disposed;
  }

  dispose(): void {
    this._disposed = true;
    this._frames.forEach(frame => cancelAnimationFrame(frame));
    Signal.clearData(this);
  }

  /** Mark every cell of a notebook now. */
  apply(panel: NotebookPanel): void {
    const handle = this._handleFor(panel);
    if (!handle || panel.isDisposed) {
      return;
    }
    const byCell = this._model.findingsByCell(handle);
    for (const cell of panel.content.widgets) {
      markCell(cell, byCell.get(cell.model.id));
    }
  }

  private _watch(panel: NotebookPanel): void {
    const notebook = panel.content;
    notebook.model?.cells.changed.connect(() => this._schedule(panel), this);
    notebook.modelChanged.connect(() => {
      notebook.model?.cells.changed.connect(() => this._schedule(panel), this);
      this._schedule(panel);
    }, this);
    // A windowed notebook renders a cell's content lazily as it scrolls into view.
    notebook.cellInViewportChanged.connect(() => this._schedule(panel), this);
    this._schedule(panel);
  }

  /** Coalesce bursts (a paste of 50 cells) into one pass per frame. */
  private _schedule(panel: NotebookPanel): void {
    if (this._disposed || this._frames.has(panel)) {
      return;
    }
    this._frames.set(
      panel,
      requestAnimationFrame(() => {
        this._frames.delete(panel);
        this.apply(panel);
      })
    );
  }
}
