import { parse } from 'yaml';
import type { ProgramBaseline } from '../baseline';
import { clampScore, SEVERITY_RANK, type DetectionContext, type Finding } from '../finding';
import { basename, isShell } from '../identity';
import { accessMode, addressClass, generalisePath, isWrite } from '../paths';
import { ruleFileSchema, type Rule, type StringMatch } from './rule-schema';

/** A rules file that failed to parse or validate; `problems` lists every issue with its YAML path. */
export class RuleFileError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid rules file:\n  - ${problems.join('\n  - ')}`);
  }
}

/** A compiled string matcher. */
type Matcher = (s: string) => boolean;

function compile(m: StringMatch | undefined): Matcher | undefined {
  if (!m) return undefined;
  const tests: Matcher[] = [];
  for (const e of m.equals ?? []) tests.push((s) => s === e);
  for (const p of m.prefix ?? []) tests.push((s) => s.startsWith(p));
  for (const b of m.basename ?? []) tests.push((s) => basename(s) === b);
  for (const g of m.glob ?? []) {
    const re = new RegExp(`^${g.split('**').map((part) => part.split('*').map(escapeRe).join('[^/]*')).join('.*')}$`);
    tests.push((s) => re.test(s));
  }
  for (const r of m.regex ?? []) {
    const re = new RegExp(r);
    tests.push((s) => re.test(s));
  }
  return (s) => tests.some((t) => t(s));
}

function escapeRe(s: string): string {
  return s.replace(/[.+?^${}()|[\]\\]/g, '\\$&');
}

interface CompiledRule {
  rule: Rule;
  exe?: Matcher;
  except?: Matcher;
  target?: Matcher;
  argv?: Matcher;
  args?: [string, Matcher][];
}

/** One event of a process that matched, with what it was about. */
interface Hit {
  target: string;
  /** Baseline key of the event, for `baseline: never`. */
  baselineKey: string;
  args: Record<string, string>;
  kind: string;
}

/**
 * Known-bad rules as data: parsed from YAML with the `yaml` package, validated with a zod schema,
 * compiled once; evaluation is pure.
 */
export class RuleSet {
  private constructor(private readonly compiled: CompiledRule[]) {}

  /** Parse and validate a rules file's text. Throws {@link RuleFileError} listing every problem. */
  static parse(text: string): RuleSet {
    let doc: unknown;
    try {
      doc = parse(text);
    } catch (err) {
      throw new RuleFileError([`YAML: ${err instanceof Error ? err.message : String(err)}`]);
    }
    const res = ruleFileSchema.safeParse(doc);
    if (!res.success) throw new RuleFileError(res.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`));
    return new RuleSet(
      res.data.rules.map((rule) => ({
        rule,
        exe: compile(rule.process?.exe),
        except: compile(rule.except),
        target: compile(rule.exec?.filename ?? rule.file?.path),
        argv: compile(rule.exec?.argv),
        args: rule.security?.args ? Object.entries(rule.security.args).map(([k, m]) => [k, compile(m)!] as [string, Matcher]) : undefined,
      })),
    );
  }

  /** Rule ids, in file order. */
  get ids(): string[] {
    return this.compiled.map((c) => c.rule.id);
  }

  /** Evaluate every rule against one process-window. */
  evaluate(ctx: DetectionContext): Finding[] {
    const out: Finding[] = [];
    const p = ctx.process;
    const stdioSocket = p.security.some((s) => s.kind === 'stdio_socket');
    const facing = ctx.features.networkFacing || networkFacingBaseline(ctx.baseline);
    for (const c of this.compiled) {
      const r = c.rule;
      if (c.except?.(p.exe)) continue;
      if (c.exe && !c.exe(p.exe)) continue;
      if (r.process?.networkFacing !== undefined && r.process.networkFacing !== facing) continue;
      if (r.process?.shell !== undefined && r.process.shell !== isShell(p.exe)) continue;
      if (r.process?.stdioSocket !== undefined && r.process.stdioSocket !== stdioSocket) continue;
      if (r.baseline === 'never' && ctx.learning) continue;
      for (const hit of this.hits(c, ctx)) {
        if (r.baseline === 'never' && seenInBaseline(r, ctx.baseline, hit.baselineKey)) continue;
        out.push({
          detector: 'rule',
          key: `${r.id} ${hit.target}`,
          kind: r.id,
          title: r.title,
          severity: r.severity,
          score: clampScore(25 * SEVERITY_RANK[r.severity]),
          mitre: r.mitre,
          evidence: render(r.evidence, { program: p.exe, target: hit.target, kind: hit.kind, args: hit.args }),
          data: { rule: r.id, target: hit.target, kind: hit.kind, args: hit.args },
        });
      }
    }
    return dedupe(out);
  }

  private hits(c: CompiledRule, ctx: DetectionContext): Hit[] {
    const p = ctx.process;
    const r = c.rule;
    const out: Hit[] = [];
    switch (r.event) {
      case 'exec':
        for (const e of p.execs) {
          if (e.ret < 0) continue;
          if (c.target && !c.target(e.filename)) continue;
          if (c.argv && !c.argv(e.argv.join(' '))) continue;
          out.push({ target: e.filename, baselineKey: generalisePath(e.filename), args: {}, kind: 'exec' });
        }
        break;
      case 'file':
        for (const f of p.files) {
          if (f.ret < 0) continue;
          const mode = accessMode(f.flags);
          if (r.file!.access === 'read' && mode !== 'read') continue;
          if (r.file!.access === 'write' && !isWrite(mode)) continue;
          if (c.target && !c.target(f.path)) continue;
          out.push({ target: f.path, baselineKey: `${mode} ${generalisePath(f.path)}`, args: { mode }, kind: mode });
        }
        break;
      case 'network':
        for (const n of p.network) {
          const cls = addressClass(n.addr, n.family);
          const spec = r.network;
          if (spec?.op && !spec.op.includes(n.op)) continue;
          if (spec?.family && !spec.family.includes(n.family)) continue;
          if (spec?.port && !spec.port.includes(n.port)) continue;
          if (spec?.addressClass && !spec.addressClass.includes(cls)) continue;
          out.push({ target: `${n.addr}:${n.port}`, baselineKey: `${n.op} ${n.family} ${cls}:${n.op === 'ACCEPT' ? '*' : n.port}`, args: {}, kind: n.op });
        }
        break;
      case 'security':
        for (const s of p.security) {
          if (!r.security!.kind.includes(s.kind)) continue;
          if (c.args && !c.args.every(([k, m]) => s.args[k] !== undefined && m(s.args[k]!))) continue;
          out.push({ target: s.kind, baselineKey: s.kind, args: s.args, kind: s.kind });
        }
        break;
    }
    return out;
  }
}

function seenInBaseline(r: Rule, b: ProgramBaseline, key: string): boolean {
  switch (r.event) {
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

function networkFacingBaseline(b: ProgramBaseline): boolean {
  for (const k of b.network.keys()) if (/^(ACCEPT|LISTEN|BIND) INET6? /.test(k) && !k.includes(' loopback:')) return true;
  return false;
}

/** Fill `{program}`, `{target}`, `{kind}` and `{arg.NAME}` placeholders. */
function render(template: string, v: { program: string; target: string; kind: string; args: Record<string, string> }): string {
  return template.replace(/\{(program|target|kind|arg\.([A-Za-z0-9_]+))\}/g, (_m, name: string, arg?: string) => {
    if (arg) return v.args[arg] ?? '?';
    return v[name as 'program' | 'target' | 'kind'];
  });
}

/** One finding per (rule, target) per window, counting repeats. */
function dedupe(fs: Finding[]): Finding[] {
  const m = new Map<string, Finding>();
  for (const f of fs) {
    const prev = m.get(f.key);
    if (prev) prev.data.repeats = Number(prev.data.repeats ?? 1) + 1;
    else m.set(f.key, f);
  }
  return [...m.values()];
}
