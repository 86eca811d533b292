import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { AgentError } from '../errors/agent-error';

const CAP_SYS_ADMIN = 21n;
const CAP_PERFMON = 38n;
const CAP_BPF = 39n;

/** Effective capabilities of this process (from /proc/self/status). */
export function effectiveCaps(status = readFileSync('/proc/self/status', 'utf8')): bigint {
  const hex = /^CapEff:\s+([0-9a-f]+)/m.exec(status)?.[1];
  return hex ? BigInt(`0x${hex}`) : 0n;
}

const has = (caps: bigint, cap: bigint): boolean => ((caps >> cap) & 1n) === 1n;

/** Refuse to start without CAP_BPF + CAP_PERFMON (or CAP_SYS_ADMIN, as root has). */
export function checkPrivileges(caps = effectiveCaps()): void {
  if ((has(caps, CAP_BPF) && has(caps, CAP_PERFMON)) || has(caps, CAP_SYS_ADMIN)) return;
  const missing = [has(caps, CAP_BPF) ? undefined : 'CAP_BPF', has(caps, CAP_PERFMON) ? undefined : 'CAP_PERFMON'].filter(Boolean).join(' and ');
  throw new AgentError(
    'AGENT_NO_PRIVILEGES',
    `the agent needs CAP_BPF and CAP_PERFMON (or root) to load eBPF programs; this process lacks ${missing}. Run it as root (e.g. sudo ./vigil agent capture).`,
  );
}

/** Refuse to start without kernel BTF (CO-RE relocations and BTF tracepoints need it). */
export function checkBtf(path: string): void {
  if (!existsSync(path)) {
    throw new AgentError(
      'AGENT_NO_BTF',
      `kernel BTF not found at ${path}: the agent's CO-RE programs need a kernel built with CONFIG_DEBUG_INFO_BTF=y (kernel ≥ 5.8 with BTF, as most distributions ship).`,
    );
  }
}

function mounted(mountpoint: string, fstype: string): boolean {
  return readFileSync('/proc/self/mounts', 'utf8')
    .split('\n')
    .some((l) => {
      const [, mp, type] = l.split(' ');
      return mp === mountpoint && type === fstype;
    });
}

/** Mount tracefs and bpffs where the kernel tools expect them, if they are missing. Returns what was mounted. */
export function ensureMounts(): string[] {
  const done: string[] = [];
  for (const [type, mp] of [
    ['tracefs', '/sys/kernel/tracing'],
    ['bpf', '/sys/fs/bpf'],
  ] as const) {
    if (mounted(mp, type)) continue;
    try {
      execFileSync('mount', ['-t', type, type === 'bpf' ? 'bpf' : 'nodev', mp], { stdio: ['ignore', 'ignore', 'pipe'] });
      done.push(`${type} on ${mp}`);
    } catch (err) {
      const stderr = (err as { stderr?: Buffer }).stderr?.toString().trim();
      throw new AgentError('AGENT_MOUNT_FAILED', `cannot mount ${type} on ${mp}: ${stderr || String(err)}`, { cause: err });
    }
  }
  return done;
}
