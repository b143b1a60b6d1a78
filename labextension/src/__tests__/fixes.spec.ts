import type { Fix, FixEdit } from '../api';
import { applyFixes, compatible, IFixTarget, offsetOf } from '../fixes';

interface ICell {
  id: string;
  source: string;
  outputs: string[];
  tags: string[];
}

/** A notebook in memory that records its undo steps. */
class FakeNotebook implements IFixTarget {
  transactions = 0;
  constructor(public list: ICell[]) {}
  cells() {
    return this.list.map(({ id, source }) => ({ id, source }));
  }
  transact(changes: () => void): void {
    this.transactions++;
    changes();
  }
  replace(index: number, from: number, to: number, text: string): void {
    const cell = this.list[index];
    cell.source = cell.source.slice(0, from) + text + cell.source.slice(to);
  }
  deleteCell(index: number): void {
    this.list.splice(index, 1);
  }
  insertCell(index: number, source: string, tags: string[], id: string | null): void {
    this.list.splice(index, 0, { id: id ?? `new-${index}`, source, outputs: [], tags });
  }
  clearOutputs(index: number): void {
    this.list[index].outputs = [];
  }
  addTag(index: number, tag: string): void {
    this.list[index].tags.push(tag);
  }
  get sources(): string[] {
    return this.list.map(c => c.source);
  }
  get ids(): string[] {
    return this.list.map(c => c.id);
  }
}

function notebook(...sources: string[]): FakeNotebook {
  return new FakeNotebook(sources.map((source, k) => ({ id: `c${k}`, source, outputs: ['out'], tags: [] })));
}

function fix(...edits: FixEdit[]): Fix {
  return { message: 'fix it', applicability: 'safe', edits };
}

function replace(cell: number, start: [number, number], end: [number, number], replacement: string): FixEdit {
  return {
    kind: 'replace',
    cell_index: cell,
    cell_id: `c${cell}`,
    start: { line: start[0], column: start[1] },
    end: { line: end[0], column: end[1] },
    replacement
  };
}

const ids = (nb: FakeNotebook) => nb.ids;

describe('offsetOf', () => {
  it('maps 1-based lines and code-point columns to string offsets', () => {
    const source = 'ab\n😀x = 1\n';
    expect(offsetOf(source, { line: 1, column: 1 })).toBe(0);
    expect(offsetOf(source, { line: 1, column: 3 })).toBe(2); // the end of the line
    expect(offsetOf(source, { line: 2, column: 2 })).toBe(5); // after the emoji: two UTF-16 units
    expect(offsetOf(source, { line: 3, column: 1 })).toBe(source.length);
  });

  it('is null past the end of a line or of the source', () => {
    expect(offsetOf('ab\ncd', { line: 1, column: 4 })).toBeNull();
    expect(offsetOf('ab\ncd', { line: 3, column: 1 })).toBeNull();
    expect(offsetOf('ab', { line: 0, column: 1 })).toBeNull();
  });
});

describe('applyFixes', () => {
  it('replaces a range, counting columns in code points', () => {
    const nb = notebook('x = "😀"; split(X, y)');
    expect(applyFixes(nb, [fix(replace(0, [1, 20], [1, 20], ', random_state=SEED'))], ids(nb))).toBeNull();
    expect(nb.sources).toEqual(['x = "😀"; split(X, y, random_state=SEED)']);
    expect(nb.transactions).toBe(1);
  });

  it('replaces across lines', () => {
    const nb = notebook('try:\n    load()\nexcept:\n    pass\nnext()');
    const edit = replace(0, [3, 7], [4, 9], ' Exception:\n    raise');
    expect(applyFixes(nb, [fix(edit)], ids(nb))).toBeNull();
    expect(nb.sources).toEqual(['try:\n    load()\nexcept Exception:\n    raise\nnext()']);
  });

  it('applies several edits of one cell back to front, each at the position it was computed for', () => {
    const nb = notebook('a = f(1)\nb = g(2)\nc = h(3)');
    const edits = [
      replace(0, [1, 7], [1, 8], 'ONE'),
      replace(0, [3, 7], [3, 8], 'THREE'),
      replace(0, [2, 1], [3, 1], '') // deletes line 2
    ];
    expect(applyFixes(nb, [fix(...edits)], ids(nb))).toBeNull();
    expect(nb.sources).toEqual(['a = f(ONE)\nc = h(THREE)']);
  });

  it('deletes a cell, clears outputs and adds a tag', () => {
    const nb = notebook('x = 1', '', 'def f():\n    pass');
    const edits: FixEdit[] = [
      { kind: 'delete_cell', cell_index: 1, cell_id: 'c1' },
      { kind: 'clear_outputs', cell_index: 0, cell_id: 'c0' },
      { kind: 'add_tag', cell_index: 2, cell_id: 'c2', tag: 'export' }
    ];
    expect(applyFixes(nb, [fix(...edits)], ids(nb))).toBeNull();
    expect(nb.list).toEqual([
      { id: 'c0', source: 'x = 1', outputs: [], tags: [] },
      { id: 'c2', source: 'def f():\n    pass', outputs: ['out'], tags: ['export'] }
    ]);
    expect(nb.transactions).toBe(1);
  });

  it('inserts a cell before the cell checked at its index, with its id and tags', () => {
    const nb = notebook('import x', 'model = KMeans(3)');
    const seed = fix(replace(1, [1, 17], [1, 17], ', random_state=SEED'), {
      kind: 'insert_cell',
      cell_index: 1,
      cell_id: 'parameters',
      source: 'SEED = 42',
      tags: ['parameters']
    });
    expect(applyFixes(nb, [seed], ids(nb))).toBeNull();
    expect(nb.ids).toEqual(['c0', 'parameters', 'c1']);
    expect(nb.sources).toEqual(['import x', 'SEED = 42', 'model = KMeans(3, random_state=SEED)']);
    expect(nb.list[1].tags).toEqual(['parameters']);
  });

  it('applies deletions and insertions from the last index to the first (the server example)', () => {
    // cell 1 is empty (deleted); the seed cell goes before cell 2: one fix after the other's indices
    const nb = notebook('from sklearn.cluster import KMeans', '', 'model = KMeans(3)');
    const checked = ids(nb);
    const empty = fix({ kind: 'delete_cell', cell_index: 1, cell_id: 'c1' });
    const seed = fix(replace(2, [1, 17], [1, 17], ', random_state=SEED'), {
      kind: 'insert_cell',
      cell_index: 2,
      cell_id: 'parameters',
      source: 'SEED = 42',
      tags: ['parameters']
    });
    expect(applyFixes(nb, compatible([empty, seed]), checked)).toBeNull();
    expect(nb.ids).toEqual(['c0', 'parameters', 'c2']);
    expect(nb.sources[2]).toBe('model = KMeans(3, random_state=SEED)');
    expect(nb.transactions).toBe(1);
  });

  it('finds cells by id when they moved since the check', () => {
    const nb = notebook('a', 'b = rand()');
    const checked = ids(nb);
    nb.list.reverse(); // c1 is first now
    expect(applyFixes(nb, [fix(replace(1, [1, 10], [1, 10], 'SEED'))], checked)).toBeNull();
    expect(nb.sources).toEqual(['b = rand(SEED)', 'a']);
  });

  it('finds cells by index when the notebook has no ids', () => {
    const nb = notebook('a', 'b');
    const edit: FixEdit = { kind: 'add_tag', cell_index: 1, cell_id: null, tag: 'export' };
    expect(applyFixes(nb, [fix(edit)], [])).toBeNull();
    expect(nb.list[1].tags).toEqual(['export']);
  });

  it('gives a new cell its id only when no cell has it', () => {
    const nb = notebook('parameters-like');
    nb.list[0].id = 'parameters';
    const edit: FixEdit = { kind: 'insert_cell', cell_index: 0, cell_id: 'parameters', source: 'S = 1', tags: [] };
    expect(applyFixes(nb, [fix(edit)], ids(nb))).toBeNull();
    expect(nb.ids).toEqual(['new-0', 'parameters']);
  });

  it('refuses, changing nothing, when a position no longer fits the cell', () => {
    const nb = notebook('model = KMeans(3)', 'x = 1');
    const edits = [{ kind: 'clear_outputs', cell_index: 1, cell_id: 'c1' } as FixEdit, replace(0, [2, 1], [2, 1], 'x')];
    expect(applyFixes(nb, [fix(...edits)], ids(nb))).toBe('cell 1 no longer has the text the fix was computed on');
    expect(nb.list[1].outputs).toEqual(['out']);
    expect(nb.transactions).toBe(0);
  });

  it('refuses when a cell the fix edits was deleted', () => {
    const nb = notebook('a', 'b');
    const checked = ids(nb);
    nb.list.splice(1, 1);
    expect(applyFixes(nb, [fix({ kind: 'delete_cell', cell_index: 1, cell_id: 'c1' })], checked)).toBe(
      'cell 2 was deleted since the check'
    );
    const insert: FixEdit = { kind: 'insert_cell', cell_index: 1, cell_id: 'p', source: 'S = 1', tags: [] };
    expect(applyFixes(nb, [fix(insert)], checked)).toBe(
      'the cell the new cell goes before was deleted since the check'
    );
    expect(nb.ids).toEqual(['c0']);
  });

  it('refuses overlapping edits of one cell', () => {
    const nb = notebook('abcdef');
    const edits = [replace(0, [1, 1], [1, 4], 'X'), replace(0, [1, 3], [1, 6], 'Y')];
    expect(applyFixes(nb, [fix(...edits)], ids(nb))).toBe('two edits of cell 1 overlap');
    expect(nb.sources).toEqual(['abcdef']);
  });
});

describe('compatible', () => {
  const seedCell: FixEdit = { kind: 'insert_cell', cell_index: 0, cell_id: 'p', source: 'SEED = 42', tags: [] };

  it('takes fixes in order, skipping one that overlaps an edit taken', () => {
    const a = fix(replace(0, [1, 1], [1, 3], 'x'));
    const b = fix(replace(0, [1, 3], [1, 5], 'y')); // touches a
    const c = fix(replace(0, [2, 1], [2, 2], 'z'));
    const d = fix({ kind: 'delete_cell', cell_index: 0, cell_id: 'c0' });
    expect(compatible([a, b, c, d])).toEqual([a, c]);
  });

  it('lets identical edits through (one SEED cell for two fixes), but not two insertions at one index', () => {
    const one = fix(replace(1, [1, 1], [1, 1], 'a'), seedCell);
    const two = fix(replace(2, [1, 1], [1, 1], 'b'), seedCell);
    const other = fix({ ...seedCell, source: 'DATA_DIR = "."' });
    expect(compatible([one, two, other])).toEqual([one, two]);
  });

  it('never takes two fixes sharing an isolation key', () => {
    const a: Fix = { ...fix(replace(0, [1, 1], [1, 1], 'a')), isolation: ['cell-0-imports'] };
    const b: Fix = { ...fix(replace(1, [1, 1], [1, 1], 'b')), isolation: ['cell-0-imports'] };
    expect(compatible([a, b])).toEqual([a]);
  });

  it('applies identical edits once', () => {
    const nb = notebook('x', 'y = f()', 'z = f()');
    const one = fix(replace(1, [1, 7], [1, 7], 'SEED'), { ...seedCell, cell_index: 1 });
    const two = fix(replace(2, [1, 7], [1, 7], 'SEED'), { ...seedCell, cell_index: 1 });
    expect(applyFixes(nb, compatible([one, two]), ids(nb))).toBeNull();
    expect(nb.sources).toEqual(['x', 'SEED = 42', 'y = f(SEED)', 'z = f(SEED)']);
  });
});
