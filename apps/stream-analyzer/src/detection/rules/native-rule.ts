import { basename, isRuntime, isShell } from '../identity';
import { accessMode, addressClass, isWrite } from '../paths';
import type { RecentWrite } from '../finding';
import type { CompiledRule, ProcessView, RuleEvent } from './compiled-rule';
import { compileCidr, compileNumeric, compileString, OPEN_FLAGS, type Matcher } from './matchers';
import type { ArgMatch, ProcessCond, Rule, RuleException, StringMatch, TacticId } from './rule-schema';

/** Compile a string matcher (absent → undefined). */
function str(m: StringMatch | undefined): Matcher | undefined {
  return m ? compileString(m) : undefined;
}

/** Compile a security-argument matcher: string tests OR-ed, AND the numeric test; `absent` inverts presence. */
export function compileArg(m: ArgMatch): (v: string | undefined) => boolean {
  const { number, absent, ...strs } = m;
  const hasStr = Object.values(strs).some((x) => x && x.length > 0);
  const s = hasStr ? compileString(strs) : undefined;
  const n = number ? compileNumeric(number) : undefined;
  return (v) => {
    if (absent === true) return v === undefined;
    if (v === undefined) return false;
    return (!s || s(v)) && (!n || n(v));
  };
}

/** True when comm is neither the exe's basename nor its 15-character kernel truncation. */
export function commDiffers(p: { exe: string; comm: string }): boolean {
  const b = basename(p.exe);
  if (!p.comm || !b) return false;
  return p.comm !== b && p.comm !== b.slice(0, 15);
}

/** Interpreter options whose argument is code or a module, not a script path. */
const CODE_OPTION = /^-[cmeEp]$/;

/**
 * The script an interpreter or a shell runs (`/usr/bin/python3 /usr/bin/dnf install x`, `sh
 * /usr/bin/ucf …`), from its argv: the first argument that is not an option, among the first three.
 * null for one-liners (-c, -m, -e) and for other programs. The image is the interpreter, so an
 * exe condition naming dnf, unattended-upgrade or debconf would otherwise never match them.
 */
export function scriptOf(a: { exe: string; argv?: string[] | null; execs: { ret: number; argv: string[] }[] }): string | null {
  if (!isRuntime(a.exe) && !isShell(a.exe)) return null;
  const argv = a.argv ?? a.execs.findLast((e) => e.ret >= 0)?.argv ?? [];
  for (const x of argv.slice(1, 4)) {
    if (CODE_OPTION.test(x)) return null;
    if (!x.startsWith('-')) return x;
  }
  return null;
}

/** Compile process conditions into one predicate. */
export function compileProcess(c: ProcessCond | undefined): (p: ProcessView) => boolean {
  if (!c) return () => true;
  const tests: ((p: ProcessView) => boolean)[] = [];
  const exe = str(c.exe);
  if (exe)
    tests.push((p) => {
      if (exe(p.activity.exe)) return true;
      const script = scriptOf(p.activity);
      return script !== null && exe(script);
    });
  const comm = str(c.comm);
  if (comm) tests.push((p) => comm(p.activity.comm));
  if (c.commMismatch !== undefined) tests.push((p) => commDiffers(p.activity) === c.commMismatch);
  const parent = str(c.parentExe);
  if (parent) tests.push((p) => p.activity.ancestry[0] !== undefined && parent(p.activity.ancestry[0]));
  const ancestor = str(c.ancestorExe);
  if (ancestor) tests.push((p) => p.activity.ancestry.some((a) => ancestor(a)));
  const argv = str(c.argv);
  // the image it runs now (after fork+exec the exec record is the parent's: the child has only this) or its own execs
  if (argv) tests.push((p) => (p.activity.argv != null && argv(p.activity.argv.join(' '))) || p.activity.execs.some((e) => e.ret >= 0 && argv(e.argv.join(' '))));
  if (c.container !== undefined) tests.push((p) => Boolean(p.activity.containerId) === c.container);
  if (c.uid) {
    const uid = compileNumeric(c.uid);
    tests.push((p) => uid(String(p.activity.uid)));
  }
  if (c.networkFacing !== undefined) tests.push((p) => p.networkFacing === c.networkFacing);
  if (c.shell !== undefined) tests.push((p) => isShell(p.activity.exe) === c.shell);
  if (c.stdioSocket !== undefined) tests.push((p) => p.stdioSocket === c.stdioSocket);
  return (p) => tests.every((t) => t(p));
}

function flagBits(names: string[] | undefined): number {
  return (names ?? []).reduce((acc, n) => {
    const bit = OPEN_FLAGS[n];
    if (bit === undefined) throw new Error(`unknown open flag "${n}"`);
    return acc | bit;
  }, 0);
}

function compileArgs(args: Record<string, ArgMatch> | undefined): (e: RuleEvent) => boolean {
  if (!args) return () => true;
  const tests = Object.entries(args).map(([k, m]) => [k, compileArg(m)] as const);
  return (e) => tests.every(([k, t]) => t(e.args[k]));
}

function compileException(x: RuleException): (e: RuleEvent, p: ProcessView) => boolean {
  const proc = x.process ? compileProcess(x.process) : undefined;
  const target = str(x.target);
  const args = x.args ? compileArgs(x.args) : undefined;
  return (e, p) => (!proc || proc(p)) && (!target || target(e.target)) && (!args || args(e));
}

/**
 * A write at most `ms` before an exec at `execTime` (agent clock; a write up to a second after it
 * still counts: the open's time is when the agent saw it, not the call). A time not known (0: a
 * write of the same batch from an agent that sent none) counts as within.
 */
function writtenWithin(w: RecentWrite | undefined, execTime: number | undefined, ms: number): boolean {
  if (!w) return false;
  if (!execTime || !w.time) return true;
  return w.time <= execTime + 1000 && execTime - w.time <= ms;
}

/** Compile the event-level conditions of a native rule. */
function compileEvent(r: Rule): (e: RuleEvent, p: ProcessView) => boolean {
  switch (r.event) {
    case 'process':
      return () => true;
    case 'exec': {
      const filename = str(r.exec?.filename);
      const argv = str(r.exec?.argv);
      const after = r.exec?.afterSecurity ? new Set(r.exec.afterSecurity) : undefined;
      const written = r.exec?.writtenInBatch;
      const withinMs = r.exec?.writtenWithinSeconds !== undefined ? r.exec.writtenWithinSeconds * 1000 : undefined;
      return (e, p) =>
        (written === undefined || p.writtenInBatch().has(e.args.filename!) === written) &&
        (withinMs === undefined || writtenWithin(p.writtenBefore(e.args.filename!), e.time, withinMs)) &&
        (!filename || filename(e.args.filename!)) &&
        // the kernel's argv, or for a script the command as its caller wrote it
        (!argv || argv(e.args.argv!) || (e.args.command !== undefined && argv(e.args.command))) &&
        (!after || p.activity.security.some((s) => after.has(s.kind) && s.time <= (e.time ?? Infinity)));
    }
    case 'file': {
      const f = r.file!;
      const path = compileString(f.path);
      const given = str(f.givenPath);
      const any = flagBits(f.flagsAny);
      const none = flagBits(f.flagsNone);
      return (e) => {
        const flags = Number(e.args.flags);
        const mode = accessMode(flags);
        if (f.access === 'read' && mode !== 'read') return false;
        if (f.access === 'write' && !isWrite(mode)) return false;
        if (f.flagsAny && (flags & any) === 0) return false;
        if (f.flagsNone && (flags & none) !== 0) return false;
        if (given && !given(e.args.given ?? e.args.path!)) return false;
        return path(e.args.path!);
      };
    }
    case 'network': {
      const n = r.network ?? {};
      const addr = str(n.addr);
      const cidr = n.cidr ? compileCidr(n.cidr) : undefined;
      return (e) => {
        if (n.op && !n.op.includes(e.args.op as never)) return false;
        if (n.family && !n.family.includes(e.args.family as never)) return false;
        if (n.port && !n.port.includes(Number(e.args.port))) return false;
        if (n.addressClass && !n.addressClass.includes(addressClass(e.args.addr!, e.args.family!))) return false;
        if (addr && !addr(e.args.addr!)) return false;
        if (cidr && !cidr(e.args.addr!)) return false;
        return true;
      };
    }
    case 'security': {
      const kinds = new Set(r.security!.kind);
      const args = compileArgs(r.security!.args);
      return (e) => kinds.has(e.kind) && args(e);
    }
  }
}

/** Compile one validated native rule of `file` (tactic `tactic`). */
export function compileNativeRule(r: Rule, tactic: TacticId, file: string): CompiledRule {
  return {
    meta: {
      id: r.id,
      title: r.title,
      technique: r.technique,
      tactic,
      severity: r.severity,
      maturity: r.maturity,
      rationale: r.rationale,
      falsePositives: r.falsePositives,
      source: 'native',
      file,
      event: r.event,
      baselineNever: r.baseline === 'never',
      group: r.group,
      exceptions: (r.exceptions ?? []).map((x) => ({ name: x.name, reason: x.reason })),
    },
    evidence: r.evidence,
    process: compileProcess(r.process),
    match: compileEvent(r),
    exceptions: (r.exceptions ?? []).map(compileException),
    tests: r.tests,
  };
}
