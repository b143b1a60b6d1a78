/**
 * Live hidden state: what the kernel holds that the notebook's text no longer explains.
 *
 * A file-based linter sees only the saved cells. Here we watch the session as it
 * happens: which cells ran, with which source, and where each name they read came
 * from at that moment. From that we report three things, precision first:
 *
 *  - NBL001 stale-cell: a cell edited after it ran; the kernel holds the old result.
 *  - NBL002 deleted-definition: a cell that ran was deleted, and a remaining cell still
 *    reads a name only that deleted cell defined (gone after a restart).
 *  - NBL003 shadowed-by-session: a cell read a name from a different cell than running
 *    top to bottom would give it (e.g. a redefinition below that ran first).
 *
 * The name scan is a small Python tokenizer, not a parser: it only has to tell which
 * names a cell binds at module level and which names it reads. Anything it cannot be
 * sure about (star imports, %run, exec) switches the name-based reports off.
 */
import type { Finding } from './api';

/** What the tracker needs to know about a cell right now. */
export interface ILiveCell {
  id: string;
  source: string;
  kind: 'code' | 'markdown' | 'raw';
}

/** 1-based position of a name in a cell's source. */
export interface IPosition {
  line: number;
  column: number;
}

/** Names a cell binds and reads, from a lexical scan of its source. */
export interface ICellNames {
  /** Names bound at module level: what running the cell leaves in the kernel. */
  defines: Set<string>;
  /** Names read by code that runs when the cell runs (not inside function bodies). */
  reads: Map<string, IPosition>;
  /** Names read inside function bodies: looked up when the function is called. */
  deferredReads: Map<string, IPosition>;
  /** Every name the cell binds anywhere (locals, parameters, loop variables included). */
  binds: Set<string>;
  /** Star import, %run, exec(...): names may come from where we cannot see. */
  uncertain: boolean;
}

// prettier-ignore
const KEYWORDS = new Set([
  'False', 'None', 'True', 'and', 'as', 'assert', 'async', 'await', 'break', 'class',
  'continue', 'def', 'del', 'elif', 'else', 'except', 'finally', 'for', 'from', 'global',
  'if', 'import', 'in', 'is', 'lambda', 'nonlocal', 'not', 'or', 'pass', 'raise',
  'return', 'try', 'while', 'with', 'yield'
]);

const STRING_PREFIX = /^(?:[rRbBuUfFtT]|[rR][bBfFtT]|[bBfFtT][rR])$/;

type TokenKind = 'name' | 'op';

interface IToken {
  kind: TokenKind;
  text: string;
  line: number;
  column: number;
  /** Inside an f-string replacement field: always a read. */
  inFString?: boolean;
}

interface ILogicalLine {
  indent: number;
  tokens: IToken[];
}

const OPERATOR =
  /\*\*=|\/\/=|>>=|<<=|->|:=|==|!=|<=|>=|\*\*|\/\/|<<|>>|\.\.\.|[-+*/%&|^@]=|[-+*/%&|^@~<>=.,:;()[\]{}]/y;
const NAME = /[A-Za-z_\u00C0-\uFFFF][\w\u00C0-\uFFFF]*/y;
const NUMBER = /(?:\d|\.\d)[\w.]*(?:[eE][-+]\d+)?\w*/y;

/**
 * Split Python source into logical lines of name and operator tokens.
 * Strings and comments are skipped, but f-string fields are scanned as code.
 */
function tokenize(source: string, lineOffset = 0, columnOffset = 0, inFString = false): ILogicalLine[] {
  const lines: ILogicalLine[] = [];
  let current: IToken[] = [];
  let indent = 0;
  let depth = 0;
  let atLineStart = true;
  let line = 1;
  let lineStart = 0;
  let i = 0;
  const n = source.length;

  const endLogical = (): void => {
    if (current.length > 0) {
      lines.push({ indent, tokens: current });
    }
    current = [];
    atLineStart = true;
  };

  while (i < n) {
    const ch = source[i];
    if (ch === '\n') {
      line++;
      lineStart = i + 1;
      i++;
      if (depth === 0) {
        endLogical();
      }
      continue;
    }
    if (ch === '\\' && source[i + 1] === '\n') {
      line++;
      i += 2;
      lineStart = i;
      continue;
    }
    if (ch === ' ' || ch === '\t' || ch === '\r' || ch === '\f') {
      i++;
      continue;
    }
    if (atLineStart && depth === 0) {
      indent = i - lineStart;
      atLineStart = false;
    }
    if (ch === '#') {
      while (i < n && source[i] !== '\n') {
        i++;
      }
      continue;
    }
    const column = i - lineStart + 1 + (line === 1 ? columnOffset : 0);
    const position = { line: line + lineOffset, column };

    NAME.lastIndex = i;
    const name = NAME.exec(source);
    if (name) {
      const quote = source[i + name[0].length];
      if ((quote === '"' || quote === "'") && STRING_PREFIX.test(name[0])) {
        const isF = /[fFtT]/.test(name[0]);
        i = skipString(source, i + name[0].length, isF, (code, at) => {
          // An f-string field is code: scan it and keep its tokens on this line.
          const before = source.slice(0, at);
          const fieldLine = before.split('\n').length;
          const fieldColumn = at - (before.lastIndexOf('\n') + 1);
          for (const sub of tokenize(code, fieldLine - 1 + lineOffset, fieldColumn, true)) {
            current.push(...sub.tokens);
          }
        });
        continue;
      }
      current.push({ kind: 'name', text: name[0], ...position, inFString });
      i += name[0].length;
      continue;
    }
    if (ch === '"' || ch === "'") {
      i = skipString(source, i, false, () => undefined);
      continue;
    }
    NUMBER.lastIndex = i;
    const number = /[0-9]/.test(ch) || (ch === '.' && /[0-9]/.test(source[i + 1] ?? '')) ? NUMBER.exec(source) : null;
    if (number) {
      i += number[0].length;
      continue;
    }
    OPERATOR.lastIndex = i;
    const op = OPERATOR.exec(source);
    if (op) {
      if ('([{'.includes(op[0])) {
        depth++;
      } else if (')]}'.includes(op[0])) {
        depth = Math.max(0, depth - 1);
      }
      current.push({ kind: 'op', text: op[0], ...position, inFString });
      i += op[0].length;
      continue;
    }
    i++; // anything else ($, ?, stray characters while typing): ignore
  }
  endLogical();
  return lines;
}

/**
 * Skip a string literal starting at its opening quote; return the index after it.
 * For f-strings, report each replacement field's code and its start offset.
 */
function skipString(source: string, start: number, isF: boolean, onField: (code: string, at: number) => void): number {
  const quote = source[start];
  const triple = source.startsWith(quote.repeat(3), start);
  const close = triple ? quote.repeat(3) : quote;
  let i = start + close.length;
  while (i < source.length) {
    const ch = source[i];
    if (ch === '\\') {
      i += 2;
      continue;
    }
    if (!triple && ch === '\n') {
      return i; // unterminated while typing: stop at the end of the line
    }
    if (source.startsWith(close, i)) {
      return i + close.length;
    }
    if (isF && ch === '{') {
      if (source[i + 1] === '{') {
        i += 2;
        continue;
      }
      const end = fieldEnd(source, i + 1);
      onField(fieldCode(source.slice(i + 1, end)), i + 1);
      i = end + 1;
      continue;
    }
    i++;
  }
  return source.length;
}

/** Index of the `}` closing an f-string field that starts at `start`. */
function fieldEnd(source: string, start: number): number {
  let depth = 0;
  for (let i = start; i < source.length; i++) {
    const ch = source[i];
    if ('([{'.includes(ch)) {
      depth++;
    } else if (')]}'.includes(ch)) {
      if (depth === 0) {
        return i;
      }
      depth--;
    } else if (ch === '\n') {
      return i; // a field cut short while typing
    }
  }
  return source.length;
}

/** The expression part of a field: drop `!r` conversions and `:fmt` specs and `=`. */
function fieldCode(field: string): string {
  let depth = 0;
  for (let i = 0; i < field.length; i++) {
    const ch = field[i];
    if ('([{'.includes(ch)) {
      depth++;
    } else if (')]}'.includes(ch)) {
      depth--;
    } else if (depth === 0 && ch === '!' && field[i + 1] !== '=') {
      return field.slice(0, i);
    } else if (depth === 0 && ch === ':' && field[i + 1] !== '=') {
      return field.slice(0, i);
    }
  }
  return field.replace(/(?<![=!<>])=\s*$/, ''); // f"{x=}" (self-documenting)
}

/** Blank IPython-only lines (magics, shell escapes, help) keeping positions. */
function maskIPython(source: string): { code: string; uncertain: boolean; assigned: string[] } {
  const lines = source.split('\n');
  const first = lines.find(l => l.trim() !== '') ?? '';
  if (first.trimStart().startsWith('%%')) {
    // A cell magic runs its body as something else (bash, html, timeit...): we cannot
    // say what it binds, and claiming nothing is the precise answer.
    return { code: '', uncertain: /^\s*%%(capture|time)\b/.test(first), assigned: [] };
  }
  let uncertain = false;
  const assigned: string[] = [];
  const out = lines.map(l => {
    const trimmed = l.trimStart();
    const assign = /^(\s*)([A-Za-z_]\w*)\s*=\s*[!%]/.exec(l);
    if (assign) {
      assigned.push(assign[2]); // files = !ls
      return '';
    }
    if (trimmed.startsWith('%') || trimmed.startsWith('!')) {
      if (/^%(run|pylab|load|store|autoreload)\b/.test(trimmed)) {
        uncertain = true;
      }
      return '';
    }
    if (/^[^#]*\?\s*$/.test(trimmed) && !/[=(]/.test(trimmed)) {
      return ''; // obj? / obj??: help
    }
    return l;
  });
  return { code: out.join('\n'), uncertain, assigned };
}

interface IScope {
  indent: number;
  kind: 'def' | 'class';
}

/** Names a cell binds and reads; see ICellNames. */
export function scanCell(source: string): ICellNames {
  const { code, uncertain, assigned } = maskIPython(source);
  const result: ICellNames = {
    defines: new Set(assigned),
    reads: new Map(),
    deferredReads: new Map(),
    binds: new Set(assigned),
    uncertain
  };
  const scopes: IScope[] = [];
  for (const logical of tokenize(code)) {
    while (scopes.length > 0 && logical.indent <= scopes[scopes.length - 1].indent) {
      scopes.pop();
    }
    const inDef = scopes.some(s => s.kind === 'def');
    const atModule = scopes.length === 0;
    scanStatement(logical, result, { inDef, atModule }, scopes);
  }
  return result;
}

interface IContext {
  inDef: boolean;
  atModule: boolean;
}

function scanStatement(logical: ILogicalLine, out: ICellNames, context: IContext, scopes: IScope[]): void {
  const tokens = logical.tokens;
  const bind = (name: string, local = false): void => {
    out.binds.add(name);
    if (!local && context.atModule) {
      out.defines.add(name);
    }
  };
  const read = (token: IToken, deferred = context.inDef): void => {
    const target = deferred ? out.deferredReads : out.reads;
    if (!target.has(token.text)) {
      target.set(token.text, { line: token.line, column: token.column });
    }
  };

  const statements = splitTop(tokens, ';');
  if (statements.length > 1) {
    for (const part of statements) {
      scanStatement({ indent: logical.indent, tokens: part }, out, context, scopes);
    }
    return;
  }
  if (tokens[0]?.text === '@') {
    tokens.forEach((t, k) => isReadable(tokens, k) && read(t)); // a decorator runs now
    return;
  }
  const start = tokens[0]?.text === 'async' ? 1 : 0;
  const head = tokens[start]?.text;

  if (head === 'def' || head === 'class') {
    const nameToken = tokens[start + 1];
    if (nameToken?.kind === 'name') {
      bind(nameToken.text);
    }
    const colon = topLevelColon(tokens, start + 2);
    const header = tokens.slice(start + 2, colon < 0 ? tokens.length : colon);
    if (head === 'def') {
      scanParameters(header, out, t => read(t));
    } else {
      header.forEach((t, k) => isReadable(header, k) && read(t));
    }
    const body = colon < 0 ? [] : tokens.slice(colon + 1);
    if (body.length > 0) {
      // one-liner: `def f(x): return x + y`
      const sub: IContext = { inDef: context.inDef || head === 'def', atModule: false };
      scanStatement({ indent: logical.indent + 1, tokens: body }, out, sub, scopes);
    } else {
      scopes.push({ indent: logical.indent, kind: head });
    }
    return;
  }
  if (head === 'import' || head === 'from') {
    const imp = tokens.findIndex(t => t.text === 'import');
    const names = tokens.slice(imp + 1).filter(t => t.text !== '(' && t.text !== ')');
    for (const alias of splitTop(names, ',')) {
      if (alias[0]?.text === '*') {
        out.uncertain = true; // from x import *: any name may come from x
        continue;
      }
      const as = alias.findIndex(t => t.text === 'as');
      const bound = as >= 0 ? alias[as + 1] : alias[0]; // import a.b binds a
      if (bound?.kind === 'name') {
        bind(bound.text);
      }
    }
    return;
  }
  if (head === 'global' || head === 'nonlocal') {
    return;
  }
  const colon = compoundColon(tokens, start);
  if (colon >= 0) {
    // `for x in y: total += x`: the header, then the body as a statement of its own.
    scanSimple(tokens.slice(0, colon), start, bind, read, out);
    const body = tokens.slice(colon + 1);
    if (body.length > 0) {
      scanStatement({ indent: logical.indent + 1, tokens: body }, out, context, scopes);
    }
    return;
  }
  scanSimple(tokens, start, bind, read, out);
}

/** A simple statement (or a compound header): mark what it binds, read the rest. */
function scanSimple(
  tokens: IToken[],
  start: number,
  bind: (name: string, local?: boolean) => void,
  read: (t: IToken) => void,
  out: ICellNames
): void {
  const bound = new Set<number>();
  const local = new Set<number>();
  markBindings(tokens, start, bound, local);
  tokens.forEach((t, k) => {
    if (bound.has(k) || local.has(k)) {
      bind(t.text, local.has(k));
      if (AUGMENTED.test(tokens[k + 1]?.text ?? '')) {
        read(t); // x += 1 reads x first
      }
    } else if (isReadable(tokens, k)) {
      if (t.text === 'exec' || t.text === 'globals' || t.text === 'locals') {
        out.uncertain = true;
      }
      read(t);
    }
  });
}

/** Whether the name token at k is a read (not an attribute, not a keyword argument). */
function isReadable(tokens: IToken[], k: number): boolean {
  const t = tokens[k];
  if (t.kind !== 'name' || KEYWORDS.has(t.text)) {
    return false;
  }
  if (tokens[k - 1]?.text === '.') {
    return false; // an attribute
  }
  const next = tokens[k + 1];
  if (next?.text === '=' && insideCall(tokens, k)) {
    return false; // f(x=1): a keyword argument's name
  }
  return true;
}

/** Whether the token at k sits directly inside a call's parentheses. */
function insideCall(tokens: IToken[], k: number): boolean {
  let depth = 0;
  for (let j = k - 1; j >= 0; j--) {
    const text = tokens[j].text;
    if (')]}'.includes(text)) {
      depth++;
    } else if ('([{'.includes(text)) {
      if (depth === 0) {
        return text === '(';
      }
      depth--;
    }
  }
  return false;
}

/** Index of the first `:` at bracket depth 0 from `from`, or -1. */
function topLevelColon(tokens: IToken[], from: number): number {
  let depth = 0;
  for (let j = from; j < tokens.length; j++) {
    const text = tokens[j].text;
    if ('([{'.includes(text)) {
      depth++;
    } else if (')]}'.includes(text)) {
      depth--;
    } else if (text === ':' && depth === 0) {
      return j;
    }
  }
  return -1;
}

const AUGMENTED = /^(?:[-+*/%&|^@]|\*\*|\/\/|>>|<<)=$/;

const COMPOUND = new Set(['if', 'elif', 'else', 'while', 'for', 'try', 'except', 'finally', 'with', 'match', 'case']);

function compoundColon(tokens: IToken[], start: number): number {
  return COMPOUND.has(tokens[start]?.text ?? '') ? topLevelColon(tokens, start) : -1;
}

/** Split tokens on a separator at bracket depth 0. */
function splitTop(tokens: IToken[], separator: string): IToken[][] {
  const parts: IToken[][] = [[]];
  let depth = 0;
  for (const t of tokens) {
    if ('([{'.includes(t.text)) {
      depth++;
    } else if (')]}'.includes(t.text)) {
      depth--;
    }
    if (t.text === separator && depth === 0) {
      parts.push([]);
    } else {
      parts[parts.length - 1].push(t);
    }
  }
  return parts.filter(p => p.length > 0);
}

/** Parameters are local bindings; defaults and annotations are reads now. */
function scanParameters(header: IToken[], out: ICellNames, read: (t: IToken) => void): void {
  const open = header.findIndex(t => t.text === '(');
  if (open < 0) {
    return;
  }
  let depth = 0;
  let expectParam = true;
  for (let j = open + 1; j < header.length; j++) {
    const t = header[j];
    if ('([{'.includes(t.text)) {
      depth++;
    } else if (')]}'.includes(t.text)) {
      if (depth === 0) {
        header.slice(j + 1).forEach((r, k) => isReadable(header, j + 1 + k) && read(r)); // -> annotation
        return;
      }
      depth--;
    } else if (depth === 0 && t.text === ',') {
      expectParam = true;
      continue;
    } else if (depth === 0 && (t.text === '*' || t.text === '**' || t.text === '/')) {
      continue;
    }
    if (t.kind === 'name' && depth === 0 && expectParam) {
      out.binds.add(t.text);
      expectParam = false;
      continue;
    }
    if (isReadable(header, j)) {
      read(t);
    }
  }
}

/**
 * Mark name tokens bound by this statement: assignment targets, augmented targets,
 * annotated names, `for` targets, `as` names, walrus targets (module bindings), and
 * comprehension / lambda variables (local bindings).
 */
function markBindings(tokens: IToken[], start: number, bound: Set<number>, local: Set<number>): void {
  let depth = 0;
  let lastTargetStart = start;
  const targetEnds: Array<[number, number]> = [];
  const head = tokens[start]?.text;
  for (let j = start; j < tokens.length; j++) {
    const text = tokens[j].text;
    if ('([{'.includes(text)) {
      depth++;
    } else if (')]}'.includes(text)) {
      depth--;
    } else if (depth === 0 && text === '=' && !tokens[j].inFString) {
      targetEnds.push([lastTargetStart, j]);
      lastTargetStart = j + 1;
    } else if (depth === 0 && AUGMENTED.test(text)) {
      // x += 1 reads and binds x: mark the bind, the read comes from `reads` below
      if (j === start + 1 && tokens[start].kind === 'name') {
        bound.add(start);
      }
    } else if (
      depth === 0 &&
      text === ':' &&
      j === start + 1 &&
      tokens[start].kind === 'name' &&
      !COMPOUND.has(head ?? '')
    ) {
      bound.add(start); // x: int = 1 / x: int
    }
    if (text === ':=' && tokens[j - 1]?.kind === 'name') {
      bound.add(j - 1);
    }
    if (text === 'as' && tokens[j + 1]?.kind === 'name') {
      bound.add(j + 1);
    }
    if (text === 'for') {
      const inAt = findAtDepth(tokens, j + 1, 'in');
      for (let k = j + 1; k < (inAt < 0 ? j + 1 : inAt); k++) {
        if (tokens[k].kind === 'name' && !KEYWORDS.has(tokens[k].text) && tokens[k - 1]?.text !== '.') {
          // a statement-level `for` binds at module level; a comprehension's is local
          (j === start ? bound : local).add(k);
        }
      }
    }
    if (text === 'lambda') {
      const colon = findAtDepth(tokens, j + 1, ':');
      for (let k = j + 1; k < (colon < 0 ? j + 1 : colon); k++) {
        if (tokens[k].kind === 'name' && tokens[k - 1]?.text !== '=') {
          local.add(k);
        }
      }
    }
  }
  for (const [from, to] of targetEnds) {
    markTargets(tokens, from, to, bound);
  }
}

/** Index of `text` at the same bracket depth as `from`, or -1. */
function findAtDepth(tokens: IToken[], from: number, text: string): number {
  let depth = 0;
  for (let j = from; j < tokens.length; j++) {
    const t = tokens[j].text;
    if ('([{'.includes(t)) {
      depth++;
    } else if (')]}'.includes(t)) {
      if (depth === 0) {
        return -1;
      }
      depth--;
    } else if (t === text && depth === 0) {
      return j;
    }
  }
  return -1;
}

/** In an assignment target, plain names bind; `a.b`, `a[i]` and `f(x).y` only read. */
function markTargets(tokens: IToken[], from: number, to: number, bound: Set<number>): void {
  let subscript = 0;
  for (let k = from; k < to; k++) {
    const t = tokens[k];
    if (t.text === '[' || t.text === '(') {
      const prev = tokens[k - 1];
      const isAccess =
        prev !== undefined && k > from && (prev.kind === 'name' || prev.text === ')' || prev.text === ']');
      if (isAccess || subscript > 0) {
        subscript++;
      }
      continue;
    }
    if ((t.text === ']' || t.text === ')') && subscript > 0) {
      subscript--;
      continue;
    }
    if (t.text === ':' && subscript === 0) {
      return; // x: int = 1: the annotation is read, not bound
    }
    if (subscript > 0 || t.kind !== 'name' || KEYWORDS.has(t.text)) {
      continue;
    }
    const prev = tokens[k - 1];
    const next = tokens[k + 1];
    const isAttributeBase = next?.text === '.' || next?.text === '[' || next?.text === '(';
    if (prev?.text !== '.' && !isAttributeBase) {
      bound.add(k);
    }
  }
}

/** Scans are pure functions of the source; keep the recent ones (200-cell notebooks). */
export class ScanCache {
  private _cache = new Map<string, ICellNames>();
  constructor(private _limit = 2000) {}

  get(source: string): ICellNames {
    let names = this._cache.get(source);
    if (names === undefined) {
      names = scanCell(source);
      if (this._cache.size >= this._limit) {
        this._cache.clear();
      }
      this._cache.set(source, names);
    }
    return names;
  }
}

interface IRun {
  seq: number;
  source: string;
  names: ICellNames;
  /** For each name the cell read when it ran, the cell whose run last defined it. */
  providers: Map<string, string>;
}

export const LIVE_RULES = {
  NBL001: 'stale-cell',
  NBL002: 'deleted-definition',
  NBL003: 'shadowed-by-session'
} as const;

/** A snapshot of the kernel session, for the panel's summary line. */
export interface ISessionSummary {
  executed: number;
  stale: number;
  deletedAfterRun: number;
}

/**
 * Per-notebook record of one kernel session. Cell identity is the cell id, so moving
 * cells keeps their history; a cell whose id is no longer present counts as deleted
 * (an undo brings it back).
 */
export class HiddenStateTracker {
  private _runs = new Map<string, IRun>();
  private _lastDefiner = new Map<string, string>();
  private _seq = 0;

  constructor(private _scans: ScanCache = new ScanCache()) {}

  /** The kernel restarted (or changed): nothing it held survives. */
  reset(): void {
    this._runs.clear();
    this._lastDefiner.clear();
    this._seq = 0;
  }

  get executedCount(): number {
    return this._runs.size;
  }

  hasRun(cellId: string): boolean {
    return this._runs.has(cellId);
  }

  /** A code cell ran with this source (the source when it was scheduled). */
  recordExecution(cellId: string, source: string): void {
    const names = this._scans.get(source);
    const providers = new Map<string, string>();
    for (const name of names.reads.keys()) {
      const provider = this._lastDefiner.get(name);
      if (provider !== undefined && provider !== cellId && !names.binds.has(name)) {
        providers.set(name, provider);
      }
    }
    this._runs.set(cellId, { seq: ++this._seq, source, names, providers });
    for (const name of names.defines) {
      this._lastDefiner.set(name, cellId);
    }
  }

  summary(cells: readonly ILiveCell[]): ISessionSummary {
    const present = new Map(cells.map(c => [c.id, c]));
    let executed = 0;
    let stale = 0;
    for (const [id, run] of this._runs) {
      const cell = present.get(id);
      if (cell) {
        executed++;
        if (isEdited(cell.source, run.source)) {
          stale++;
        }
      }
    }
    return { executed, stale, deletedAfterRun: this._runs.size - executed };
  }

  /** Findings for the notebook as it is now. */
  findings(cells: readonly ILiveCell[], filename: string): Finding[] {
    if (this._runs.size === 0) {
      return []; // nothing ran in this session: skip scanning every cell
    }
    const found: Finding[] = [];
    const index = new Map<string, number>();
    cells.forEach((c, k) => index.set(c.id, k));
    const code = cells.filter(c => c.kind === 'code');
    const scans = new Map(code.map(c => [c.id, this._scans.get(c.source)]));
    const uncertain = code.some(c => scans.get(c.id)!.uncertain);

    const make = (
      code: keyof typeof LIVE_RULES,
      cell: ILiveCell,
      at: IPosition,
      message: string,
      severity: Finding['severity'],
      length = 1
    ): Finding => ({
      code,
      name: LIVE_RULES[code],
      message,
      severity,
      area: 'execution',
      filename,
      cell_index: index.get(cell.id)!,
      cell_id: cell.id,
      line: at.line,
      column: at.column,
      end_line: at.line,
      end_column: at.column + length,
      fix: null
    });

    // NBL001: edited after it ran.
    for (const cell of code) {
      const run = this._runs.get(cell.id);
      if (run && isEdited(cell.source, run.source)) {
        found.push(
          make(
            'NBL001',
            cell,
            { line: 1, column: 1 },
            'edited after it ran: the kernel still holds the result of the previous source',
            'info'
          )
        );
      }
    }
    if (uncertain) {
      return found; // names may come from a star import or %run: stay quiet
    }

    // Which names the remaining cells define, and the first cell that defines each.
    const definedBy = new Map<string, number[]>();
    code.forEach(c => {
      for (const name of scans.get(c.id)!.defines) {
        const list = definedBy.get(name) ?? [];
        list.push(index.get(c.id)!);
        definedBy.set(name, list);
      }
    });

    // NBL002: names only a deleted (but run) cell defined, still read by a remaining cell.
    const orphaned = new Map<string, number>(); // name -> seq of the deleted run
    for (const [id, run] of this._runs) {
      if (index.has(id)) {
        continue;
      }
      for (const name of run.names.defines) {
        if (!definedBy.has(name)) {
          orphaned.set(name, run.seq);
        }
      }
    }
    if (orphaned.size > 0) {
      for (const cell of code) {
        const names = scans.get(cell.id)!;
        const reads = new Map([...names.deferredReads, ...names.reads]);
        for (const [name, at] of reads) {
          if (orphaned.has(name) && !names.binds.has(name)) {
            found.push(
              make(
                'NBL002',
                cell,
                at,
                `'${name}' exists only because a deleted cell defined it in this kernel session; it is gone after a restart`,
                'warning',
                name.length
              )
            );
          }
        }
      }
    }

    // NBL003: read a name from another cell than top-to-bottom would.
    for (const cell of code) {
      const run = this._runs.get(cell.id);
      if (!run || isEdited(cell.source, run.source)) {
        continue; // a stale cell's reads are no longer what is on screen
      }
      const here = index.get(cell.id)!;
      for (const [name, providerId] of run.providers) {
        const providerIndex = index.get(providerId);
        if (providerIndex === undefined) {
          continue; // deleted provider: NBL002's case
        }
        const above = (definedBy.get(name) ?? []).filter(k => k < here);
        if (above.length === 0) {
          continue; // only defined further down: the static use-before-definition rule reports it
        }
        const expected = above[above.length - 1];
        if (expected !== providerIndex) {
          const at = run.names.reads.get(name)!;
          found.push(
            make(
              'NBL003',
              cell,
              at,
              `'${name}' came from cell ${providerIndex + 1} when this ran; top to bottom it comes from cell ${expected + 1}`,
              'warning',
              name.length
            )
          );
        }
      }
    }
    return found;
  }
}

/** Edits that change no token (trailing blanks) do not make a cell stale. */
function isEdited(now: string, ran: string): boolean {
  return now !== ran && now.trimEnd() !== ran.trimEnd();
}
