import { clampScore, humanDuration, type DetectionContext, type Finding, type RecentWrite, type Severity } from '../finding';
import { basename } from '../identity';

/** Directories any user (or a web app) can write: programs run from there were usually dropped. */
const WRITABLE_DIRS = ['/tmp/', '/var/tmp/', '/dev/shm/', '/home/', '/root/', '/run/user/', '/var/www/', '/srv/'];
/** Directories the distribution's package manager owns. */
const PACKAGE_DIRS = ['/usr/bin/', '/usr/sbin/', '/bin/', '/sbin/', '/usr/lib/', '/usr/lib64/', '/usr/libexec/', '/lib/', '/lib64/', '/usr/games/', '/usr/share/'];

/** Compilers and linkers: a program one of them wrote was built on the host (T1027.004), not downloaded. */
const BUILDER = /^([a-z0-9_]+-linux-gnu-)?(ld|ld\.bfd|ld\.gold|ld\.lld|lld|mold|collect2|cc1|cc1plus|cc|gcc|g\+\+|c\+\+|clang|clang\+\+|rustc|go|link|tcc)(-[0-9.]+)?$/;

/** True for a path in a world- or user-writable directory. */
export function inWritableDir(path: string): boolean {
  return WRITABLE_DIRS.some((d) => path.startsWith(d));
}

/** True for a path under the package manager's directories (not /usr/local, /opt). */
export function inPackagePath(path: string): boolean {
  return PACKAGE_DIRS.some((d) => path.startsWith(d)) && !path.startsWith('/usr/local/');
}

export type { RecentWrite } from '../finding';

/** The alert kind of a program's first run after learning. */
export const NEW_PROGRAM_KIND = 'new-program';

/** The alert kind of an endpoint or parent past its new-program limits. */
export const PROGRAM_LIMIT_KIND = 'program-limit-reached';

/**
 * The first execution of a program that neither the endpoint nor the fleet knows, after the
 * endpoint's learning period: a finding of its own, weighted by how it got there (written just
 * before by another process, in a writable directory, outside the package-managed paths).
 */
export function newProgramFinding(ctx: DetectionContext, written: RecentWrite | undefined): Finding {
  const { process: p, program } = ctx;
  const writable = inWritableDir(program.exe);
  const packaged = inPackagePath(program.exe);
  const dropped = written !== undefined && written.pid !== p.pid;
  const built = dropped && BUILDER.test(basename(written.exe));
  const severity: Severity = writable || dropped ? 'high' : packaged ? 'low' : 'medium';
  const parent = p.ancestry[0] ?? 'unknown parent';
  const traits = [
    dropped ? `${built ? 'built' : 'written'} ${humanDuration(Math.max(0, ctx.batch.windowEnd - written.time))} before by ${written.exe} (pid ${written.pid})` : null,
    writable ? 'in a writable directory' : null,
    packaged ? 'in a package-managed path' : 'not in a package-managed path',
  ].filter((x): x is string => x !== null);
  return {
    detector: 'program',
    key: `first-run ${program.exe}`,
    kind: NEW_PROGRAM_KIND,
    title: `first run of ${basename(program.exe)}, never seen on this endpoint or the fleet${writable || dropped ? ` (${traits[0]})` : ''}`,
    severity,
    score: clampScore(severity === 'high' ? 70 + (dropped && writable ? 15 : 0) : severity === 'medium' ? 45 : 20),
    mitre: built ? 'T1027.004' : dropped ? 'T1105' : writable ? 'T1204.002' : null,
    evidence: `${program.exe}${program.exeHash ? ` (sha256 ${program.exeHash.slice(0, 16)}…)` : ''} started by ${parent} (pid ${p.ppid}); ${traits.join('; ')} — never seen on this endpoint or any other`,
    data: { exe: program.exe, exeHash: program.exeHash, parent, ppid: p.ppid, writable, packaged, writtenBy: dropped ? written : null, argv: p.execs.find((e) => e.ret === 0)?.argv ?? null },
  };
}

/** Why a program gets no baseline of its own: the endpoint holds its limit, or had its window's share of first runs. */
export type ProgramLimit = { total: number } | { perWindow: number; windowMs: number; parent?: { pid: number; exe: string } };

/**
 * A program new to an endpoint beyond a limit (engine options `maxProgramsPerEndpoint`, or
 * `maxNewProgramsPerWindow` / `maxNewProgramsPerParent` first runs within the group window): it gets
 * no baseline of its own (its rules still run), and every such program folds into one alert with
 * their count and examples. A
 * host that runs that many new programs is either exhausting its monitor (a binary copied to
 * thousands of paths, a dropper unpacking hundreds) or worth one look, not hundreds.
 */
export function programLimitFinding(ctx: DetectionContext, limit: ProgramLimit, now: number): Finding {
  const { process: p, program } = ctx;
  const what =
    'total' in limit
      ? `more than ${limit.total.toLocaleString('en-US')} distinct programs ran on this endpoint`
      : limit.parent
        ? `more than ${limit.perWindow.toLocaleString('en-US')} programs never seen before were started by ${basename(limit.parent.exe)} (pid ${limit.parent.pid}) within ${humanDuration(limit.windowMs)}`
        : `more than ${limit.perWindow.toLocaleString('en-US')} programs never seen before ran on this endpoint within ${humanDuration(limit.windowMs)}`;
  const setting = 'total' in limit ? 'VIGIL_ANALYZER_MAX_PROGRAMS_PER_ENDPOINT' : limit.parent ? 'VIGIL_ANALYZER_MAX_NEW_PROGRAMS_PER_PARENT' : 'VIGIL_ANALYZER_MAX_NEW_PROGRAMS_PER_WINDOW';
  return {
    detector: 'program',
    key: 'program-limit',
    kind: PROGRAM_LIMIT_KIND,
    title: `${what}: further ones are judged by the rules only`,
    severity: 'high',
    score: 80,
    mitre: 'T1562.001',
    evidence: `${program.exe} (pid ${p.pid}, started by ${p.ancestry[0] ?? 'unknown parent'}) is one of them (${setting}); it and every further one share one baseline`,
    data: { exe: program.exe, ...limit },
    group: { key: 'program-limit', items: [program.exe], from: now, to: now },
  };
}
