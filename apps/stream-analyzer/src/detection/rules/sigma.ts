import { parse } from 'yaml';
import type { Severity } from '../finding';
import { RuleFileError, type CompiledRule, type ProcessView, type RuleEvent, type RuleEventType, type RuleSource } from './compiled-rule';
import { compileCidr, compileNumeric, compileString, escapeRe, type Matcher } from './matchers';
import { testCaseSchema, TACTICS, type TacticId } from './rule-schema';
import { z } from 'zod';

/**
 * Sigma rules (https://sigmahq.io, specification v2) compiled to our rule predicates. Supported:
 * `logsource.product: linux` with categories `process_creation`, `file_event` and
 * `network_connection`; the fields in {@link SIGMA_FIELDS}; the modifiers in {@link SIGMA_MODIFIERS};
 * conditions with and/or/not, parentheses, `1 of`/`all of` a name, a `name*` pattern or `them`.
 * Anything else (another product or category, an unmapped field, an unsupported modifier,
 * keyword lists, aggregations) is refused at load with the file, the rule and the field named —
 * never silently ignored, since a half-compiled rule would fire on more than its author meant.
 */

/** Files under this directory of the rules directory are Sigma rules. */
export const SIGMA_DIR = 'sigma/';

/** True when a rules-directory file is a Sigma rule. */
export function isSigmaFile(file: string): boolean {
  return file.startsWith(SIGMA_DIR) && /\.ya?ml$/.test(file);
}

/** One event with the Sigma field values it offers (undefined: field absent on this event). */
type SigmaRecord = (name: string) => string | undefined;

/** How a Sigma category maps to our telemetry. */
interface CategoryMapping {
  event: RuleEventType;
  /** Sigma field → how to read it from an event and its process. */
  fields: Record<string, { from: string; read: (e: RuleEvent, p: ProcessView) => string | undefined }>;
  /** Events of the type that belong to the category (file_event: writes only). */
  accept?: (e: RuleEvent) => boolean;
}

const user = { from: 'the process uid (`root` for 0, else the decimal uid)', read: (_e: RuleEvent, p: ProcessView) => (p.activity.uid === 0 ? 'root' : String(p.activity.uid)) };
const image = { from: 'the acting process executable', read: (_e: RuleEvent, p: ProcessView) => p.activity.exe };

/** Field mappings per category (documented in the analyzer README; keep both in step). */
export const SIGMA_FIELDS: Record<string, CategoryMapping> = {
  process_creation: {
    event: 'exec',
    fields: {
      Image: { from: 'exec filename (the new image)', read: (e) => e.args.filename },
      CommandLine: { from: 'exec argv joined with spaces', read: (e) => e.args.argv },
      ParentImage: { from: 'parent executable (ancestry[0])', read: (_e, p) => p.activity.ancestry[0] },
      User: user,
      ContainerId: { from: 'container id (absent outside containers)', read: (_e, p) => p.activity.containerId ?? undefined },
    },
  },
  file_event: {
    event: 'file',
    accept: (e) => e.kind !== 'read',
    fields: {
      TargetFilename: { from: 'path of a file opened for writing or creation', read: (e) => e.args.path },
      Image: image,
      User: user,
    },
  },
  network_connection: {
    event: 'network',
    accept: (e) => e.args.op === 'CONNECT' || e.args.op === 'ACCEPT',
    fields: {
      DestinationIp: { from: 'peer address of connect (the remote peer for accept)', read: (e) => e.args.addr },
      DestinationPort: { from: 'peer port', read: (e) => e.args.port },
      Initiated: { from: '`true` for connect, `false` for accept', read: (e) => (e.args.op === 'CONNECT' ? 'true' : 'false') },
      Image: image,
      User: user,
    },
  },
};

/** Modifiers we compile, and to what (documented in the README). */
export const SIGMA_MODIFIERS: Record<string, string> = {
  '(none)': 'case-insensitive equality; `*` and `?` wildcards become a case-insensitive regular expression',
  contains: 'case-insensitive `contains` string matcher',
  startswith: 'case-insensitive `prefix` string matcher',
  endswith: 'case-insensitive `suffix` string matcher',
  all: 'the values are AND-ed instead of OR-ed',
  re: '`regex` string matcher (JavaScript syntax, case-sensitive as Sigma specifies)',
  cidr: 'CIDR membership of the address (IPv4 and IPv6)',
  gt: 'numeric test `gt`',
  gte: 'numeric test `gte`',
  lt: 'numeric test `lt`',
  lte: 'numeric test `lte`',
};

const LEVELS: Record<string, Severity> = { informational: 'low', low: 'low', medium: 'medium', high: 'high', critical: 'critical' };
const STATUS: Record<string, 'stable' | 'incubating' | 'sandbox'> = { stable: 'stable', test: 'incubating', experimental: 'sandbox' };
const TACTIC_TAGS: Record<string, TacticId> = Object.fromEntries(
  Object.entries(TACTICS).map(([id, name]) => [name.toLowerCase().replace(/ /g, '_'), id as TacticId]),
);

/** A Sigma rule document (only what we read). */
interface SigmaDoc {
  title?: unknown;
  id?: unknown;
  status?: unknown;
  description?: unknown;
  tags?: unknown;
  logsource?: { product?: unknown; category?: unknown; service?: unknown };
  detection?: Record<string, unknown>;
  falsepositives?: unknown;
  level?: unknown;
  /** Our extension (Sigma allows custom attributes): the same embedded tests as native rules. */
  tests?: unknown;
}

/** Compile one Sigma file into a rule; throws {@link RuleFileError} naming the file, rule and field. */
export function compileSigmaRule(s: RuleSource): CompiledRule {
  let doc: SigmaDoc;
  try {
    doc = parse(s.text) as SigmaDoc;
  } catch (err) {
    throw new RuleFileError([`${s.file}: YAML: ${err instanceof Error ? err.message : String(err)}`]);
  }
  const title = typeof doc?.title === 'string' ? doc.title : '(untitled)';
  const fail = (what: string): never => {
    throw new RuleFileError([`${s.file}: Sigma rule "${title}": ${what}`]);
  };
  if (!doc || typeof doc !== 'object') fail('not a YAML mapping');
  if (typeof doc.title !== 'string') fail('missing title');
  const ls = doc.logsource ?? {};
  if (ls.product !== 'linux') fail(`logsource.product "${String(ls.product)}" is not supported (only linux)`);
  if (ls.service !== undefined) fail(`logsource.service "${String(ls.service)}" is not supported (only categories ${Object.keys(SIGMA_FIELDS).join(', ')})`);
  const mapping = SIGMA_FIELDS[String(ls.category)];
  if (!mapping) fail(`logsource.category "${String(ls.category)}" is not supported (supported: ${Object.keys(SIGMA_FIELDS).join(', ')})`);
  const m = mapping!;
  const tags = Array.isArray(doc.tags) ? doc.tags.map(String) : [];
  const technique = tags.map((t) => /^attack\.(t\d{4}(\.\d{3})?)$/i.exec(t)?.[1]).find(Boolean)?.toUpperCase() ?? fail('needs an ATT&CK technique tag (attack.tNNNN)');
  const tactic = tags.map((t) => TACTIC_TAGS[t.replace(/^attack\./i, '').toLowerCase()]).find(Boolean) ?? fail(`needs an ATT&CK tactic tag (one of ${Object.keys(TACTIC_TAGS).map((t) => `attack.${t}`).join(', ')})`);
  const level = LEVELS[String(doc.level)] ?? fail(`level "${String(doc.level)}" is not one of ${Object.keys(LEVELS).join(', ')}`);
  const maturity = STATUS[String(doc.status ?? 'experimental')] ?? fail(`status "${String(doc.status)}" cannot be loaded (stable, test or experimental)`);
  const det = doc.detection;
  if (!det || typeof det !== 'object') fail('missing detection');
  const { condition, timeframe, ...named } = det!;
  if (timeframe !== undefined) fail('timeframe (correlation) is not supported');
  if (typeof condition !== 'string') fail(Array.isArray(condition) ? 'a list of conditions is not supported; join them with "or"' : 'missing detection.condition');
  const searches = new Map<string, (r: SigmaRecord) => boolean>();
  for (const [name, body] of Object.entries(named)) searches.set(name, compileSearch(body, name, m, fail));
  const predicate = compileCondition(condition as string, searches, fail);
  let tests: CompiledRule['tests'];
  if (doc.tests !== undefined) {
    const res = z.object({ match: z.array(testCaseSchema), nomatch: z.array(testCaseSchema) }).strict().safeParse(doc.tests);
    if (!res.success) fail(`tests: ${res.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
    tests = res.data;
  }
  const fp = Array.isArray(doc.falsepositives) ? doc.falsepositives.map(String) : [];
  const id = `sigma-${s.file.slice(SIGMA_DIR.length).replace(/\.ya?ml$/, '').toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '')}`;
  return {
    meta: {
      id,
      title,
      technique,
      tactic,
      severity: level,
      maturity,
      rationale: typeof doc.description === 'string' ? doc.description : title,
      falsePositives: fp.length ? fp : ['none documented by the rule'],
      source: 'sigma',
      file: s.file,
      event: m.event,
      baselineNever: false,
      group: 'target',
      exceptions: [],
    },
    evidence: `{program}: ${title.replace(/[{}]/g, '')} ({target})`,
    process: () => true,
    match: (e, p) => (!m.accept || m.accept(e)) && predicate((name) => m.fields[name]!.read(e, p)),
    exceptions: [],
    tests,
  };
}

/** A named search: a map (fields AND-ed) or a list of maps (OR-ed). */
function compileSearch(body: unknown, name: string, m: CategoryMapping, fail: (w: string) => never): (r: SigmaRecord) => boolean {
  if (Array.isArray(body)) {
    if (body.some((x) => typeof x !== 'object' || x === null || Array.isArray(x))) fail(`search "${name}": keyword lists (bare values) are not supported; name the field`);
    const alts = body.map((x, i) => compileSearch(x, `${name}[${i}]`, m, fail));
    return (r) => alts.some((a) => a(r));
  }
  if (!body || typeof body !== 'object') fail(`search "${name}" must be a mapping of fields or a list of them`);
  const tests = Object.entries(body as Record<string, unknown>).map(([key, value]) => compileField(key, value, name, m, fail));
  return (r) => tests.every((t) => t(r));
}

/** `Field|mod|mod: value(s)` → a test of one record. */
function compileField(key: string, value: unknown, search: string, m: CategoryMapping, fail: (w: string) => never): (r: SigmaRecord) => boolean {
  const [field, ...mods] = key.split('|');
  const where = `search "${search}", field "${field}"`;
  if (!field || !m.fields[field]) fail(`${where}: not available for this category (supported: ${Object.keys(m.fields).join(', ')})`);
  for (const mod of mods) if (!(mod in SIGMA_MODIFIERS) || mod === '(none)') fail(`${where}: modifier "${mod}" is not supported (supported: ${Object.keys(SIGMA_MODIFIERS).filter((x) => x !== '(none)').join(', ')})`);
  const all = mods.includes('all');
  const kinds = mods.filter((x) => x !== 'all');
  if (kinds.length > 1) fail(`${where}: modifiers ${kinds.join(' and ')} cannot be combined`);
  const kind = kinds[0];
  const values = Array.isArray(value) ? value : [value];
  if (values.length === 0) fail(`${where}: empty value list`);
  const tests: Matcher[] = values.map((v) => {
    if (v === null) {
      if (kind) fail(`${where}: null cannot take modifier "${kind}"`);
      return (s: string) => s === '';
    }
    if (typeof v === 'object') fail(`${where}: value must be a string or number`);
    const text = String(v);
    try {
      return compileValue(kind, text);
    } catch (err) {
      return fail(`${where}: ${err instanceof Error ? err.message : String(err)}`);
    }
  });
  return (r) => {
    const v = r(field!) ?? '';
    return all ? tests.every((t) => t(v)) : tests.some((t) => t(v));
  };
}

/** One value under one modifier → one of our matchers. */
function compileValue(kind: string | undefined, text: string): Matcher {
  switch (kind) {
    case 're':
      return compileString({ regex: [text] });
    case 'cidr':
      return compileCidr([text]);
    case 'gt':
    case 'gte':
    case 'lt':
    case 'lte': {
      const n = Number(text);
      if (!Number.isFinite(n)) throw new Error(`"${text}" is not a number`);
      return compileNumeric({ [kind]: n });
    }
  }
  if (hasWildcard(text)) {
    const body = wildcardRegex(text);
    const re = new RegExp(kind === 'contains' ? body : kind === 'startswith' ? `^${body}` : kind === 'endswith' ? `${body}$` : `^${body}$`, 'is');
    return (s) => re.test(s);
  }
  const literal = unescape(text);
  const key = kind === 'contains' ? 'contains' : kind === 'startswith' ? 'prefix' : kind === 'endswith' ? 'suffix' : 'equals';
  return compileString({ [key]: [literal] }, { ignoreCase: true });
}

function hasWildcard(s: string): boolean {
  return /(?<!\\)(?:\\\\)*[*?]/.test(s);
}

/** Sigma value with `*`/`?` wildcards (and `\*`, `\?`, `\\` escapes) → regex body. */
function wildcardRegex(s: string): string {
  let out = '';
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!;
    if (c === '\\' && (s[i + 1] === '*' || s[i + 1] === '?' || s[i + 1] === '\\')) out += escapeRe(s[++i]!);
    else if (c === '*') out += '.*';
    else if (c === '?') out += '.';
    else out += escapeRe(c);
  }
  return out;
}

function unescape(s: string): string {
  return s.replace(/\\([*?\\])/g, '$1');
}

/** Parse a Sigma condition into a predicate over the named searches. */
function compileCondition(cond: string, searches: Map<string, (r: SigmaRecord) => boolean>, fail: (w: string) => never): (r: SigmaRecord) => boolean {
  if (cond.includes('|')) fail(`condition "${cond}": aggregations ("|") are not supported`);
  const tokens = cond.match(/\(|\)|[^\s()]+/g) ?? [];
  let i = 0;
  const peek = () => tokens[i]?.toLowerCase();
  const used = new Set<string>();
  type P = (r: SigmaRecord) => boolean;
  const named = (pattern: string): P[] => {
    const names = pattern === 'them' ? [...searches.keys()].filter((n) => !n.startsWith('_')) : [...searches.keys()].filter((n) => new RegExp(`^${wildcardRegex(pattern)}$`).test(n));
    if (names.length === 0) fail(`condition "${cond}": no search matches "${pattern}"`);
    names.forEach((n) => used.add(n));
    return names.map((n) => searches.get(n)!);
  };
  const primary = (): P => {
    const t = tokens[i++];
    if (t === undefined) fail(`condition "${cond}": ends early`);
    if (t === '(') {
      const e = or();
      if (tokens[i++] !== ')') fail(`condition "${cond}": missing ")"`);
      return e;
    }
    if (/^(1|all|any)$/i.test(t!) && peek() !== undefined && tokens[i]?.toLowerCase() === 'of') {
      i++;
      const target = tokens[i++] ?? fail(`condition "${cond}": "${t} of" needs a name`);
      const ps = named(target);
      return t!.toLowerCase() === 'all' ? (r) => ps.every((p) => p(r)) : (r) => ps.some((p) => p(r));
    }
    if (['and', 'or', 'not', ')'].includes(t!.toLowerCase())) fail(`condition "${cond}": unexpected "${t}"`);
    const s = searches.get(t!) ?? fail(`condition "${cond}": unknown search "${t}"`);
    used.add(t!);
    return s;
  };
  const not = (): P => {
    if (peek() === 'not') {
      i++;
      const e = not();
      return (r) => !e(r);
    }
    return primary();
  };
  const and = (): P => {
    let e = not();
    while (peek() === 'and') {
      i++;
      const l = e;
      const r2 = not();
      e = (r) => l(r) && r2(r);
    }
    return e;
  };
  const or = (): P => {
    let e = and();
    while (peek() === 'or') {
      i++;
      const l = e;
      const r2 = and();
      e = (r) => l(r) || r2(r);
    }
    return e;
  };
  const e = or();
  if (i < tokens.length) fail(`condition "${cond}": unexpected "${tokens[i]}"`);
  for (const n of searches.keys()) if (!used.has(n)) fail(`search "${n}" is not used by the condition "${cond}"`);
  return e;
}
