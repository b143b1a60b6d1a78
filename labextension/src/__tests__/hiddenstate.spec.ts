import { HiddenStateTracker, ILiveCell, scanCell } from '../hiddenstate';

const sorted = (names: Iterable<string>): string[] => [...names].sort();

describe('scanCell', () => {
  it('separates module bindings from reads', () => {
    const names = scanCell('import pandas as pd\nfrom sklearn import metrics as m, svm\ndf = pd.read_csv(path)\n');
    expect(sorted(names.defines)).toEqual(['df', 'm', 'pd', 'svm']);
    expect(sorted(names.reads.keys())).toEqual(['path', 'pd']);
  });

  it('reads attributes only through their base and skips keyword argument names', () => {
    const names = scanCell('model.fit(X, y=labels, sample_weight=w)\nresult.score = 3');
    expect(sorted(names.reads.keys())).toEqual(['X', 'labels', 'model', 'result', 'w']);
    expect(names.defines.size).toBe(0);
  });

  it('defers reads inside function bodies and keeps parameters local', () => {
    const names = scanCell('def keep(x, limit=default_limit):\n    return x > threshold + limit\n\nkeep(1)');
    expect(sorted(names.defines)).toEqual(['keep']);
    expect(sorted(names.reads.keys())).toEqual(['default_limit', 'keep']);
    expect(sorted(names.deferredReads.keys())).toEqual(['limit', 'threshold', 'x']);
    expect(names.binds.has('x') && names.binds.has('limit')).toBe(true);
  });

  it('does not leak function or class locals into module definitions', () => {
    const names = scanCell('class Model:\n    size = 3\n    def fit(self):\n        fitted = True\n\ntotal = 1');
    expect(sorted(names.defines)).toEqual(['Model', 'total']);
  });

  it('binds loop, with, except and walrus targets; comprehension and lambda variables stay local', () => {
    const names = scanCell(
      'for i, (a, b) in pairs:\n    pass\nwith open(p) as fh:\n    text = fh.read()\n' +
        'squares = [n * n for n in nums]\nf = lambda v, w=3: v + w\nif (k := 10) > 5: pass'
    );
    expect(sorted(names.defines)).toEqual(['a', 'b', 'f', 'fh', 'i', 'k', 'squares', 'text']);
    expect(names.defines.has('n')).toBe(false);
    expect(names.binds.has('n') && names.binds.has('v')).toBe(true);
    expect(sorted(names.reads.keys())).toEqual(expect.arrayContaining(['nums', 'open', 'p', 'pairs']));
  });

  it('treats subscript and attribute targets as reads, augmented assignment as both', () => {
    const names = scanCell('df["a"] = col\nobj.attr[i] = 1\ncount += 1\nx: int = 2');
    expect(sorted(names.defines)).toEqual(['count', 'x']);
    expect(sorted(names.reads.keys())).toEqual(['col', 'count', 'df', 'i', 'int', 'obj']);
  });

  it('ignores strings and comments but reads f-string fields', () => {
    const names = scanCell('s = \'x + y\'  # z\nt = """a\nb"""\nu = f"{rows!r:>10} {len(df.columns)} {{lit}}"');
    expect(sorted(names.reads.keys())).toEqual(['df', 'len', 'rows']);
  });

  it('locates reads at 1-based line and column', () => {
    const names = scanCell('x = 1\nprint(  df.shape)\nmsg = f"{total}"');
    expect(names.reads.get('df')).toEqual({ line: 2, column: 9 });
    expect(names.reads.get('total')).toEqual({ line: 3, column: 10 });
  });

  it('masks IPython syntax and flags what hides names', () => {
    expect(sorted(scanCell('%matplotlib inline\n!pip install x\nfiles = !ls\ny = 1').defines)).toEqual(['files', 'y']);
    expect(scanCell('%%bash\necho $x').reads.size).toBe(0);
    expect(scanCell('from numpy import *').uncertain).toBe(true);
    expect(scanCell('%run helpers.py').uncertain).toBe(true);
    expect(scanCell('exec(code)').uncertain).toBe(true);
  });

  it('handles one-line compound statements and semicolons', () => {
    const names = scanCell('for x in xs: total += x\na = 1; b = a');
    expect(sorted(names.defines)).toEqual(['a', 'b', 'total', 'x']);
  });
});

function cells(...sources: string[]): ILiveCell[] {
  return sources.map((source, k) => ({ id: `c${k}`, source, kind: 'code' }));
}

function codes(tracker: HiddenStateTracker, nb: ILiveCell[]): string[] {
  return tracker.findings(nb, 'nb.ipynb').map(f => `${f.code}@${f.cell_index}:${f.line}:${f.column}`);
}

describe('HiddenStateTracker', () => {
  it('counts the cells run and reports a cell edited after it ran', () => {
    const tracker = new HiddenStateTracker();
    const nb = cells('x = 1', 'y = x');
    tracker.recordExecution('c0', 'x = 1');
    tracker.recordExecution('c1', 'y = x');
    expect(codes(tracker, nb)).toEqual([]);
    nb[0].source = 'x = 2';
    expect(codes(tracker, nb)).toEqual(['NBL001@0:1:1']);
    expect(tracker.summary(nb)).toEqual({ executed: 2, stale: 1, deletedAfterRun: 0 });
    nb[0].source = 'x = 1\n'; // a trailing newline is not an edit
    expect(codes(tracker, nb)).toEqual([]);
  });

  it('reports a read of a name only a deleted (run) cell defined', () => {
    const tracker = new HiddenStateTracker();
    const nb = cells('df = load()', 'clean = df.dropna()', 'def f():\n    return df');
    tracker.recordExecution('c0', nb[0].source);
    tracker.recordExecution('c1', nb[1].source);
    const remaining = nb.slice(1);
    expect(codes(tracker, remaining)).toEqual(['NBL002@0:1:9', 'NBL002@1:2:12']);
    expect(tracker.summary(remaining).deletedAfterRun).toBe(1);
    // another remaining cell defining it makes a restart safe again
    expect(codes(tracker, [...remaining, { id: 'c9', source: 'df = other()', kind: 'code' }])).toEqual([]);
    // undo brings the cell (same id) back
    expect(codes(tracker, nb)).toEqual([]);
  });

  it('keeps history by cell id when cells move', () => {
    const tracker = new HiddenStateTracker();
    const nb = cells('x = 1', 'y = x');
    tracker.recordExecution('c0', 'x = 1');
    tracker.recordExecution('c1', 'y = x');
    expect(codes(tracker, [nb[1], nb[0]])).toEqual([]); // static analysis reports the order
    expect(tracker.summary([nb[1], nb[0]]).executed).toBe(2);
  });

  it('reports a read served by a different cell than top-to-bottom would use', () => {
    const tracker = new HiddenStateTracker();
    const nb = cells('x = 1', 'y = x * 2', 'x = 5');
    tracker.recordExecution('c0', nb[0].source);
    tracker.recordExecution('c2', nb[2].source);
    tracker.recordExecution('c1', nb[1].source);
    const [finding] = tracker.findings(nb, 'nb.ipynb');
    expect(finding).toMatchObject({
      code: 'NBL003',
      name: 'shadowed-by-session',
      cell_index: 1,
      cell_id: 'c1',
      line: 1,
      column: 5
    });
    expect(finding.message).toContain('cell 3');
    // running it again after the right cell fixes the state
    tracker.recordExecution('c0', nb[0].source);
    tracker.recordExecution('c1', nb[1].source);
    expect(codes(tracker, nb)).toEqual([]);
  });

  it('stays quiet on the reassignment idiom and on reads only defined below', () => {
    const tracker = new HiddenStateTracker();
    const nb = cells('df = load()', 'df = df.dropna()', 'print(z)', 'z = 1');
    nb.forEach(c => tracker.recordExecution(c.id, c.source));
    tracker.recordExecution('c1', nb[1].source); // ran twice: reads its own binding
    tracker.recordExecution('c2', nb[2].source);
    expect(codes(tracker, nb)).toEqual([]);
  });

  it('stays quiet when a star import could define anything', () => {
    const tracker = new HiddenStateTracker();
    const nb = cells('from helpers import *', 'df = load()', 'df.head()');
    nb.forEach(c => tracker.recordExecution(c.id, c.source));
    expect(codes(tracker, [nb[0], nb[2]])).toEqual([]);
  });

  it('forgets everything on kernel restart', () => {
    const tracker = new HiddenStateTracker();
    const nb = cells('x = 1');
    tracker.recordExecution('c0', 'x = 0');
    expect(codes(tracker, nb)).toEqual(['NBL001@0:1:1']);
    tracker.reset();
    expect(codes(tracker, nb)).toEqual([]);
    expect(tracker.summary(nb).executed).toBe(0);
  });
});
