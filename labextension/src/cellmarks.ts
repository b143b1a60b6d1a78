/**
 * Marks on offending cells: a CSS class by worst severity and a badge with the codes,
 * whose tooltip names each rule and its message.
 *
 * The mark lives on the cell's own node (a class, and a badge element appended to it),
 * so it survives a windowed notebook detaching and re-attaching cells. Each pass
 * compares a cell's mark with the one it already carries and touches only the cells
 * whose mark changed: a re-check of a 200-cell notebook that changes one finding
 * changes one cell's DOM.
 */
import { Cell } from '@jupyterlab/cells';
import { INotebookTracker, NotebookPanel } from '@jupyterlab/notebook';
import { IDisposable } from '@lumino/disposable';
import { Signal } from '@lumino/signaling';

import type { Finding, Severity } from './api';
import { ChecklistModel, ICellMark, INotebookHandle, markFor } from './model';

export const FLAGGED_CLASS = 'nbprod-flagged';
export const BADGE_CLASS = 'nbprod-badge';
const SEVERITY_CLASS: Record<Severity, string> = {
  error: 'nbprod-cell-error',
  warning: 'nbprod-cell-warning',
  info: 'nbprod-cell-info'
};
/** Put `mark` on the cell (null: remove it). Returns whether the DOM changed. */
export function markCell(cell: Cell, mark: ICellMark | null, onBadgeClick?: (cell: Cell) => void): boolean {
  const node = cell.node;
  const signature = mark?.signature ?? '';
  if ((node.dataset.nbprodMark ?? '') === signature) {
    return false;
  }
  for (const cls of Object.values(SEVERITY_CLASS)) {
    cell.removeClass(cls);
  }
  let badge = node.querySelector<HTMLElement>(`:scope > .${BADGE_CLASS}`);
  if (!mark) {
    cell.removeClass(FLAGGED_CLASS);
    delete node.dataset.nbprodMark;
    delete node.dataset.nbprodCodes;
    node.style.removeProperty('--nbprod-badge-lines');
    badge?.remove();
    return true;
  }
  cell.addClass(FLAGGED_CLASS);
  cell.addClass(SEVERITY_CLASS[mark.severity]);
  node.dataset.nbprodMark = signature;
  node.dataset.nbprodCodes = mark.codes.join(' ');
  // CSS keeps a one-line cell tall enough for its badge (one code per line)
  node.style.setProperty('--nbprod-badge-lines', String(mark.codes.length));
  if (!badge) {
    const button = document.createElement('button');
    button.type = 'button';
    badge = button;
    badge.className = BADGE_CLASS;
    if (onBadgeClick) {
      badge.addEventListener('click', event => {
        event.stopPropagation();
        onBadgeClick(cell);
      });
    }
    node.appendChild(badge);
  }
  badge.replaceChildren(
    ...mark.codes.map(code => {
      const line = document.createElement('span');
      line.textContent = code;
      return line;
    })
  );
  badge.title = mark.tooltip;
  badge.setAttribute('aria-label', `Production checklist: ${mark.tooltip}`);
  return true;
}

export class CellMarks implements IDisposable {
  private _frames = new Map<NotebookPanel, number>();
  /** The findings map each panel was last marked from: the same map means nothing to do. */
  private _applied = new WeakMap<NotebookPanel, Map<string, Finding[]>>();
  private _disposed = false;

  constructor(
    private readonly _tracker: INotebookTracker,
    private readonly _model: ChecklistModel,
    private readonly _handleFor: (panel: NotebookPanel) => INotebookHandle | undefined,
    private readonly _onBadgeClick?: (cell: Cell) => void
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

  /** Bring every cell's mark up to date; returns how many cells changed. */
  apply(panel: NotebookPanel, force = false): number {
    const handle = this._handleFor(panel);
    if (!handle || panel.isDisposed) {
      return 0;
    }
    const byCell = this._model.findingsByCell(handle);
    if (!force && this._applied.get(panel) === byCell) {
      return 0; // a status change, a keystroke: the marks are what they were
    }
    this._applied.set(panel, byCell);
    let changed = 0;
    for (const cell of panel.content.widgets) {
      const findings = byCell.get(cell.model.id);
      if (markCell(cell, findings ? markFor(findings) : null, this._onBadgeClick)) {
        changed++;
      }
    }
    return changed;
  }

  private _watch(panel: NotebookPanel): void {
    const notebook = panel.content;
    // New cell widgets start unmarked; a cell's signature check keeps the pass cheap.
    const structural = (): void => this._schedule(panel, true);
    notebook.model?.cells.changed.connect(structural, this);
    notebook.modelChanged.connect(() => {
      notebook.model?.cells.changed.connect(structural, this);
      structural();
    }, this);
    this._schedule(panel, true);
  }

  /** Coalesce bursts (a paste of 50 cells) into one pass per frame. */
  private _schedule(panel: NotebookPanel, force = false): void {
    if (this._disposed) {
      return;
    }
    if (force) {
      this._applied.delete(panel);
    }
    if (this._frames.has(panel)) {
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
