import { parse } from 'yaml';
import type { ProgramBaseline } from '../baseline';
import { clampScore, SEVERITY_RANK, type DetectionContext, type Finding, type RecentWrite } from '../finding';
import { basename, isRuntime } from '../identity';
import { accessMode, addressClass, generalisePath, isWrite, lexicalPath } from '../paths';
import type { ProcessActivity, TelemetryBatch } from '../telemetry';
import { RuleFileError, type CompiledRule, type ProcessView, type RuleEvent, type RuleEventType, type RuleMeta, type RuleSource } from './compiled-rule';

export { RuleFileError, type RuleSource } from './compiled-rule';
import { compileNativeRule } from './native-rule';
import { listsFileSchema, ruleFileSchema, type RuleFile } from './rule-schema';
import { compileSigmaRule, isSigmaFile } from './sigma';

/** The file of shared lists, if present among the sources. */
export const LISTS_FILE = 'lists.yaml';

/**
 * Known-bad rules as data: our YAML (one file per ATT&CK tactic) and Sigma rules, parsed with the
 * `yaml` package, validated with zod, compiled once to the same predicates; evaluation is pure.
 */
export class RuleSet {
  private readonly byType: Map<RuleEventType, CompiledRule[]>;

  constructor(readonly rules: CompiledRule[]) {
    this.byType = new Map();
    for (const r of rules) this.byType.set(r.meta.event, [...(this.byType.get(r.meta.event) ?? []), r]);
  }

  /** Parse one native rules file (lists from `sharedLists`). Throws {@link RuleFileError}. */
  static parse(text: string, file = 'rules.yaml', sharedLists: Record<string, string[]> = {}): RuleSet {
    return new RuleSet(parseNativeFile({ file, text }, sharedLists));
  }

  /** Parse every source (native files, `lists.yaml`, `sigma/*.yml`); collects every problem of every file before throwing. */
  static fromSources(sources: RuleSource[]): RuleSet {
    const problems: string[] = [];
    let lists: Record<string, string[]> = {};
    const listsSource = sources.find((s) => s.file === LISTS_FILE);
    if (listsSource) {
      try {
        const res = listsFileSchema.safeParse(parseYaml(listsSource));
        if (!res.success) problems.push(...res.error.issues.map((i) => `${LISTS_FILE}: ${i.path.join('.') || '(root)'}: ${i.message}`));
        else lists = res.data.lists;
      } catch (err) {
        problems.push(...asProblems(err));
      }
    }
    const rules: CompiledRule[] = [];
    for (const s of sources) {
      if (s === listsSource) continue;
      try {
        rules.push(...(isSigmaFile(s.file) ? [compileSigmaRule(s)] : parseNativeFile(s, lists)));
      } catch (err) {
        problems.push(...asProblems(err));
      }
    }
    const seen = new Map<string, string>();
    for (const r of rules) {
      const other = seen.get(r.meta.id);
      if (other) problems.push(`${r.meta.file}: duplicate rule id "${r.meta.id}" (also in ${other})`);
      seen.set(r.meta.id, r.meta.file);
    }
    if (problems.length) throw new RuleFileError(problems);
    return new RuleSet(rules);
  }

  /** Rule ids, in load order. */
  get ids(): string[] {
    return this.rules.map((c) => c.meta.id);
  }

  /** What the catalogue shows about each rule. */
  get catalogue(): RuleMeta[] {
    return this.rules.map((r) => r.meta);
  }

  /** Evaluate every rule against one process-window. */
  evaluate(ctx: DetectionContext): Finding[] {
    const out: Finding[] = [];
    const p = ctx.process;
    let facing: boolean | undefined;
    const view: ProcessView = {
      activity: p,
      stdioSocket: p.security.some((s) => s.kind === 'stdio_socket'),
      // a runtime's baseline is its scripts' together: only what this process did says it serves;
      // computed when a rule asks (a scan of the baseline's peers, for few rules)
      get networkFacing(): boolean {
        return (facing ??= ctx.features.networkFacing || (!isRuntime(p.exe) && networkFacingBaseline(ctx.baseline)));
      },
      writtenInBatch: () => writtenIn(ctx.batch),
      writtenBefore: (path) => writtenIn(ctx.batch).get(path) ?? ctx.recentWrite?.(path),
    };
    for (const [type, rules] of this.byType) {
      const events = type === 'exec' ? withWriters(eventsOf(p, type), view) : eventsOf(p, type);
      if (events.length === 0) continue;
      for (const c of rules) {
        const m = c.meta;
        if (m.baselineNever && ctx.learning) continue;
        if (!c.process(view)) continue;
        for (const e of events) {
          if (!c.match(e, view)) continue;
          if (c.exceptions.some((x) => x(e, view))) continue;
          if (m.baselineNever && seenInBaseline(type, ctx.baseline, e.baselineKey)) continue;
          out.push({
            detector: 'rule',
            key: m.group === 'rule' ? m.id : `${m.id} ${e.target}`,
            kind: m.id,
            title: m.title,
            severity: m.severity,
            score: clampScore(25 * SEVERITY_RANK[m.severity]),
            mitre: m.technique,
            evidence: render(c.evidence, { program: p.exe, target: e.target, kind: e.kind, args: e.args }),
            data: { rule: m.id, tactic: m.tactic, source: m.source, target: e.target, kind: e.kind, args: e.args },
          });
        }
      }
    }
    return dedupe(out);
  }
}

function parseYaml(s: RuleSource): unknown {
  try {
    return parse(s.text);
  } catch (err) {
    throw new RuleFileError([`${s.file}: YAML: ${err instanceof Error ? err.message : String(err)}`]);
  }
}

function asProblems(err: unknown): string[] {
  if (err instanceof RuleFileError) return err.problems;
  throw err;
}

/** Expand `$name` items of string arrays from the file's and the shared lists. */
function expandLists(v: unknown, lists: Record<string, string[]>, file: string, problems: string[], path: string): unknown {
  if (Array.isArray(v))
    return v.flatMap((x, i) => {
      if (typeof x === 'string' && x.startsWith('$')) {
        const l = lists[x.slice(1)];
        if (!l) problems.push(`${file}: ${path}.${i}: unknown list "${x}"`);
        return l ?? [];
      }
      return [expandLists(x, lists, file, problems, `${path}.${i}`)];
    });
  if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, expandLists(x, lists, file, problems, path ? `${path}.${k}` : k)]));
  return v;
}

/** Lists may name other lists (`installers: [$package_managers, install]`); resolve them, refusing cycles. */
function resolveLists(lists: Record<string, string[]>, file: string, problems: string[]): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  const resolve = (name: string, stack: string[]): string[] => {
    if (out[name]) return out[name];
    if (stack.includes(name)) {
      problems.push(`${file}: lists: cycle ${[...stack, name].join(' → ')}`);
      return [];
    }
    const items = lists[name];
    if (!Array.isArray(items)) return [];
    out[name] = items.flatMap((x) => (typeof x === 'string' && x.startsWith('$') && lists[x.slice(1)] ? resolve(x.slice(1), [...stack, name]) : [x]));
    return out[name];
  };
  for (const name of Object.keys(lists)) resolve(name, []);
  return out;
}

function parseNativeFile(s: RuleSource, shared: Record<string, string[]>): CompiledRule[] {
  const doc = parseYaml(s) as { lists?: Record<string, string[]> } | null;
  const problems: string[] = [];
  const local = doc && typeof doc === 'object' && doc.lists && typeof doc.lists === 'object' ? doc.lists : {};
  const lists = resolveLists({ ...shared, ...local }, s.file, problems);
  const expanded = doc && typeof doc === 'object' ? { ...(expandLists(doc, lists, s.file, problems, '') as object), lists: doc.lists } : doc;
  const res = ruleFileSchema.safeParse(expanded);
  if (!res.success) problems.push(...res.error.issues.map((i) => `${s.file}: ${i.path.join('.') || '(root)'}: ${i.message}`));
  if (problems.length) throw new RuleFileError(problems);
  const f: RuleFile = res.data!;
  return f.rules.map((r) => compileNativeRule(r, f.tactic, s.file));
}

const WRITTEN = new WeakMap<TelemetryBatch, Map<string, RecentWrite>>();

/** Paths opened for writing by any process of the batch, with the (last) writer (computed once per batch). */
function writtenIn(batch: TelemetryBatch): Map<string, RecentWrite> {
  let s = WRITTEN.get(batch);
  if (!s) {
    s = new Map();
    for (const p of batch.processes)
      for (const f of p.files) if (f.ret >= 0 && isWrite(accessMode(f.flags))) s.set(lexicalPath(f.path), { exe: p.exe, pid: p.pid, time: Number(f.firstSeen) });
    WRITTEN.set(batch, s);
  }
  return s;
}

/**
 * Exec events of a file written before (this batch or an earlier one) name the writer in
 * `written_by` (exceptions: compiler output) and `written_s_before` (evidence).
 */
function withWriters(events: RuleEvent[], view: ProcessView): RuleEvent[] {
  for (const e of events) {
    const w = view.writtenBefore(e.target);
    if (!w) continue;
    e.args.written_by = w.exe;
    if (e.time && w.time) e.args.written_s_before = String(Math.max(0, Math.round((e.time - w.time) / 1000)));
  }
  return events;
}

/** The main argument of a security event (what its alert is about). */
function securityTarget(kind: string, args: Record<string, string>): string {
  return args.path ?? args.to ?? args.target ?? args.name ?? args.var ?? args.target_pid ?? args.peer ?? kind;
}

/** Security-event arguments that name a file (made lexical like open paths; `target` of a symlink is what the link points to). */
const PATH_ARGS = ['path', 'from', 'to', 'target'] as const;

function lexicalArgs(args: Record<string, string>): Record<string, string> {
  let out = args;
  for (const k of PATH_ARGS) {
    const v = args[k];
    if (v === undefined) continue;
    const l = lexicalPath(v);
    if (l !== v) out = { ...out, [k]: l, [`given_${k}`]: v };
  }
  return out;
}

/**
 * The command line as its caller wrote it, when the exec ran a script through its #! line: the
 * kernel hands the interpreter `/usr/bin/perl /usr/sbin/update-rc.d x defaults` (argv[0] the
 * interpreter, then its option, then the script), where the caller ran `update-rc.d x defaults`.
 * undefined when the exec was not of a script (`bash x.sh` runs bash, whose command is as given).
 */
export function scriptCommand(filename: string, argv: readonly string[]): string | undefined {
  if (argv.length < 2 || basename(argv[0]!) === basename(filename)) return undefined;
  for (let i = 1; i <= 2 && i < argv.length; i++) {
    const a = argv[i]!;
    if (a === filename || (!a.startsWith('/') && basename(a) === basename(filename))) return [filename, ...argv.slice(i + 1)].join(' ');
  }
  return undefined;
}

/**
 * The events of one type in a process-window, normalised. Absolute file paths (opens, exec
 * filenames, security events' paths) are made lexical (`/etc/../etc/shadow` → `/etc/shadow`, see
 * {@link lexicalPath}) so a rule on the file matches however the process spelt it; when that changed
 * the path, the spelling as given stays in `given` (file and exec events) or `given_<arg>`.
 */
export function eventsOf(p: ProcessActivity, type: RuleEventType): RuleEvent[] {
  switch (type) {
    case 'process':
      return [{ type, target: p.exe, baselineKey: 'process', kind: 'process', args: { exe: p.exe, comm: p.comm, uid: String(p.uid) } }];
    case 'exec':
      return p.execs
        .filter((e) => e.ret >= 0)
        .map((e) => {
          const filename = lexicalPath(e.filename);
          const args: Record<string, string> = { filename, argv: e.argv.join(' ') };
          if (filename !== e.filename) args.given = e.filename;
          const command = scriptCommand(e.filename, e.argv);
          if (command !== undefined) args.command = command;
          return { type, target: filename, baselineKey: generalisePath(filename), kind: 'exec', time: e.time, args };
        });
    case 'file':
      return p.files
        .filter((f) => f.ret >= 0)
        .map((f) => {
          const mode = accessMode(f.flags);
          const path = lexicalPath(f.path);
          const args: Record<string, string> = { path, mode, flags: String(f.flags) };
          if (path !== f.path) args.given = f.path;
          return { type, target: path, baselineKey: `${mode} ${generalisePath(path)}`, kind: mode, args };
        });
    case 'network':
      return p.network.map((n) => {
        const cls = addressClass(n.addr, n.family);
        return {
          type,
          target: `${n.addr}:${n.port}`,
          baselineKey: `${n.op} ${n.family} ${cls}:${n.op === 'ACCEPT' ? '*' : n.port}`,
          kind: n.op,
          args: { op: n.op, family: n.family, addr: n.addr, port: String(n.port), count: String(n.count) },
        };
      });
    case 'security':
      return p.security.map((s) => {
        const args = lexicalArgs(s.args);
        return { type, target: securityTarget(s.kind, args), baselineKey: s.kind, kind: s.kind, time: s.time, args: { ...args, ret: String(s.ret) } };
      });
  }
}

function seenInBaseline(type: RuleEventType, b: ProgramBaseline, key: string): boolean {
  switch (type) {
    case 'process':
      return b.runs > 0;
    case 'exec':
      return b.execChildren.has(key);
    case 'file':
      // "never read it": any access mode to the same generalised path counts as seen
      return ['read', 'write', 'read-write', 'write+create', 'read-write+create'].some((m) => b.files.has(`${m} ${key.slice(key.indexOf(' ') + 1)}`));
    case 'network':
      return b.network.has(key);
    case 'security':
      return b.security.has(key);
  }
}

/** Baseline network keys of serving on inet (`ACCEPT INET …`, `LISTEN INET6 …`). */
const SERVING = /^(ACCEPT|LISTEN|BIND) INET6? /;

function networkFacingBaseline(b: ProgramBaseline): boolean {
  for (const k of b.network.keys()) if (SERVING.test(k) && !k.includes(' loopback:')) return true;
  return false;
}

/** Fill `{program}`, `{target}`, `{kind}` and `{arg.NAME}` placeholders. */
function render(template: string, v: { program: string; target: string; kind: string; args: Record<string, string> }): string {
  return template.replace(/\{(program|target|kind|arg\.([A-Za-z0-9_]+))\}/g, (_m, name: string, arg?: string) => {
    if (arg) return v.args[arg] ?? '?';
    return v[name as 'program' | 'target' | 'kind'];
  });
}

/** Distinct targets remembered on a grouped finding. */
const MAX_TARGETS = 20;

/** One finding per key (rule and target, or rule alone when grouped) per window, counting repeats and targets. */
function dedupe(fs: Finding[]): Finding[] {
  const m = new Map<string, Finding>();
  for (const f of fs) {
    const prev = m.get(f.key);
    if (!prev) {
      m.set(f.key, f);
      continue;
    }
    prev.data.repeats = Number(prev.data.repeats ?? 1) + 1;
    if (prev.data.target !== f.data.target) {
      const targets = (prev.data.targets as string[] | undefined) ?? [String(prev.data.target)];
      if (targets.length < MAX_TARGETS && !targets.includes(String(f.data.target))) targets.push(String(f.data.target));
      prev.data.targets = targets;
    }
  }
  return [...m.values()];
}
