/**
 * Fixes applied to an open notebook: the edits the server computed (`Finding.fix`),
 * located in the notebook as it is now and applied as one undoable step.
 *
 * Edits name cells as they were checked: by id (by index only when the notebook has no
 * ids); an inserted cell goes before the cell that was checked at its index. A fix whose
 * cells are gone or whose positions no longer fit its cell's source is refused whole.
 * Text edits in a cell go back to front, then outputs and tags, then deletions and
 * insertions from the last index to the first, so every index stays valid while applying,
 * as `nbprod check --fix` does (nbprod/fixes/apply.py). Nothing here imports JupyterLab.
 */
import type { Fix, FixEdit, IPosition } from './api';

/** A cell as the fix needs it. */
export interface IFixCell {
  id: string;
  source: string;
}

/** The notebook a fix edits; the JupyterLab adapter edits its shared model. */
export interface IFixTarget {
  cells(): IFixCell[];
  /** Run `changes` as one step of the notebook's undo history. */
  transact(changes: () => void): void;
  /** Replace `from`..`to` (string offsets) of the cell's source with `text`. */
  replace(index: number, from: number, to: number, text: string): void;
  deleteCell(index: number): void;
  /** A new code cell before the cell at `index`; `id` when no cell has it yet. */
  insertCell(index: number, source: string, tags: string[], id: string | null): void;
  clearOutputs(index: number): void;
  addTag(index: number, tag: string): void;
}

/** One change, at a cell index of the notebook as it is now. */
export type Step =
  | { kind: 'replace'; index: number; from: number; to: number; text: string }
  | { kind: 'delete_cell' | 'clear_outputs'; index: number }
  | { kind: 'add_tag'; index: number; tag: string }
  | { kind: 'insert_cell'; index: number; source: string; tags: string[]; id: string | null };

export type Plan = { steps: Step[] } | { refused: string };

/**
 * The string offset of a 1-based (line, column) position in `source`, columns counted in
 * code points like the server's; null when the position is past the end of its line.
 */
export function offsetOf(source: string, { line, column }: IPosition): number | null {
  if (line < 1 || column < 1) {
    return null;
  }
  let start = 0;
  for (let k = 1; k < line; k++) {
    const newline = source.indexOf('\n', start);
    if (newline < 0) {
      return null;
    }
    start = newline + 1;
  }
  const newline = source.indexOf('\n', start);
  const end = newline < 0 ? source.length : newline;
  let at = start;
  for (let k = 1; k < column; k++) {
    if (at >= end) {
      return null;
    }
    at += source.codePointAt(at)! > 0xffff ? 2 : 1;
  }
  return at;
}

/**
 * The fixes, in order, that can be applied together: none overlapping an edit already
 * taken (identical edits, such as two fixes adding the same `SEED = 42` cell, do not
 * count) and none sharing an isolation key with one taken. The rest wait for a re-check.
 */
export function compatible(fixes: readonly Fix[]): Fix[] {
  const taken: FixEdit[] = [];
  const isolated = new Set<string>();
  const chosen: Fix[] = [];
  for (const fix of fixes) {
    const isolation = fix.isolation ?? [];
    if (isolation.some(key => isolated.has(key))) {
      continue;
    }
    if (fix.edits.some(e => taken.some(t => editKey(e) !== editKey(t) && overlap(e, t)))) {
      continue;
    }
    chosen.push(fix);
    taken.push(...fix.edits);
    isolation.forEach(key => isolated.add(key));
  }
  return chosen;
}

/** Where each edit of the fixes (all computed on one check) applies to `cells` now. */
export function plan(fixes: readonly Fix[], cells: readonly IFixCell[], checkedIds: readonly string[]): Plan {
  const edits = new Map<string, FixEdit>();
  fixes.forEach(fix => fix.edits.forEach(edit => edits.set(editKey(edit), edit)));
  const text: Array<Extract<Step, { kind: 'replace' }>> = [];
  const cellSteps: Step[] = [];
  const structural: Step[] = [];
  for (const edit of edits.values()) {
    if (edit.kind === 'insert_cell') {
      const index = insertionIndex(edit.cell_index, cells, checkedIds);
      if (index < 0) {
        return { refused: 'the cell the new cell goes before was deleted since the check' };
      }
      structural.push({ kind: 'insert_cell', index, source: edit.source, tags: edit.tags, id: edit.cell_id });
      continue;
    }
    const index =
      edit.cell_id !== null
        ? cells.findIndex(c => c.id === edit.cell_id)
        : edit.cell_index < cells.length
          ? edit.cell_index
          : -1;
    if (index < 0) {
      return { refused: `cell ${edit.cell_index + 1} was deleted since the check` };
    }
    if (edit.kind === 'replace') {
      const source = cells[index].source;
      const from = offsetOf(source, edit.start);
      const to = offsetOf(source, edit.end);
      if (from === null || to === null || to < from || source.includes('\r')) {
        return { refused: `cell ${index + 1} no longer has the text the fix was computed on` };
      }
      text.push({ kind: 'replace', index, from, to, text: edit.replacement });
    } else if (edit.kind === 'add_tag') {
      cellSteps.push({ kind: 'add_tag', index, tag: edit.tag });
    } else if (edit.kind === 'delete_cell') {
      structural.push({ kind: 'delete_cell', index });
    } else {
      cellSteps.push({ kind: 'clear_outputs', index });
    }
  }
  // back to front within a cell: earlier offsets stay valid
  text.sort((a, b) => a.index - b.index || b.from - a.from || b.to - a.to);
  for (let k = 1; k < text.length; k++) {
    if (text[k].index === text[k - 1].index && text[k].to > text[k - 1].from) {
      return { refused: `two edits of cell ${text[k].index + 1} overlap` };
    }
  }
  // from the last index to the first, a deletion before an insertion at the same index
  structural.sort((a, b) => b.index - a.index || rank(a) - rank(b));
  return { steps: [...text, ...cellSteps, ...structural] };
}

/** Apply the steps to the notebook as one undoable change. */
export function applySteps(target: IFixTarget, steps: readonly Step[]): void {
  const ids = new Set(target.cells().map(c => c.id));
  target.transact(() => {
    for (const step of steps) {
      switch (step.kind) {
        case 'replace':
          target.replace(step.index, step.from, step.to, step.text);
          break;
        case 'clear_outputs':
          target.clearOutputs(step.index);
          break;
        case 'add_tag':
          target.addTag(step.index, step.tag);
          break;
        case 'delete_cell':
          target.deleteCell(step.index);
          break;
        case 'insert_cell':
          target.insertCell(step.index, step.source, step.tags, step.id !== null && !ids.has(step.id) ? step.id : null);
          break;
      }
    }
  });
}

/** Apply the fixes to the notebook in one undoable step; the reason when refused, else null. */
export function applyFixes(target: IFixTarget, fixes: readonly Fix[], checkedIds: readonly string[]): string | null {
  const planned = plan(fixes, target.cells(), checkedIds);
  if ('refused' in planned) {
    return planned.refused;
  }
  applySteps(target, planned.steps);
  return null;
}

/** The index the new cell takes now: before the cell that was at `checkedIndex` when checked. */
function insertionIndex(checkedIndex: number, cells: readonly IFixCell[], checkedIds: readonly string[]): number {
  if (checkedIndex >= checkedIds.length) {
    return checkedIndex === checkedIds.length ? cells.length : -1;
  }
  return cells.findIndex(c => c.id === checkedIds[checkedIndex]);
}

function rank(step: Step): number {
  return step.kind === 'delete_cell' ? 0 : 1;
}

function editKey(edit: FixEdit): string {
  return JSON.stringify(edit);
}

function overlap(a: FixEdit, b: FixEdit): boolean {
  if (a.kind === 'insert_cell' || b.kind === 'insert_cell') {
    return a.kind === b.kind && a.cell_index === b.cell_index;
  }
  if (a.cell_index !== b.cell_index) {
    return false;
  }
  if (a.kind === 'delete_cell' || b.kind === 'delete_cell') {
    return true;
  }
  if (a.kind === 'replace' && b.kind === 'replace') {
    // touching counts: which goes first is unclear
    return before(a.start, b.end) && before(b.start, a.end);
  }
  return false;
}

/** a <= b */
function before(a: IPosition, b: IPosition): boolean {
  return a.line < b.line || (a.line === b.line && a.column <= b.column);
}
