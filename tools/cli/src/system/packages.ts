import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, rmSync, writeFileSync } from 'node:fs';
import { childEnv } from '../config/cli.config';

/** A Debian package the project uses, and how to tell that it is there. */
export interface SystemPackage {
  pkg: string;
  why: string;
  present: () => boolean;
}

const onPath = (cmd: string) => (): boolean => spawnSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' }).status === 0;
const file = (path: string) => (): boolean => existsSync(path);

/** Everything the local stack needs. */
export const STACK_PACKAGES: SystemPackage[] = [
  { pkg: 'openjdk-17-jre-headless', why: 'runs Kafka', present: onPath('java') },
  { pkg: 'maven', why: 'resolves Kafka and the Schema Registry from Maven Central', present: onPath('mvn') },
  { pkg: 'postgresql-15', why: 'the database', present: file('/usr/lib/postgresql/15/bin/postgres') },
  { pkg: 'postgresql-client-15', why: 'psql for operators', present: onPath('psql') },
  { pkg: 'iproute2', why: 'ss, to name what holds a port', present: onPath('ss') },
  { pkg: 'procps', why: 'ps', present: onPath('ps') },
  { pkg: 'kcat', why: 'inspecting Kafka from the shell', present: onPath('kcat') },
  { pkg: 'curl', why: 'health checks from scripts', present: onPath('curl') },
];

/** What building and running the eBPF agent needs (compiler, libbpf, bpftool, node-gyp toolchain). */
export const AGENT_PACKAGES: SystemPackage[] = [
  { pkg: 'clang', why: 'compiles the BPF programs', present: onPath('clang') },
  { pkg: 'llvm', why: 'llvm-strip for BPF objects', present: onPath('llvm-strip') },
  { pkg: 'libbpf-dev', why: 'libbpf headers and library for the addon', present: file('/usr/include/bpf/libbpf.h') },
  { pkg: 'bpftool', why: 'generates vmlinux.h from the kernel BTF', present: () => onPath('bpftool')() || existsSync('/usr/sbin/bpftool') },
  { pkg: 'libelf-dev', why: 'libbpf dependency', present: file('/usr/include/libelf.h') },
  { pkg: 'zlib1g-dev', why: 'libbpf dependency', present: file('/usr/include/zlib.h') },
  { pkg: 'make', why: 'builds the BPF objects', present: onPath('make') },
  { pkg: 'g++', why: 'node-gyp builds the N-API addon', present: onPath('g++') },
  { pkg: 'python3', why: 'node-gyp', present: onPath('python3') },
];

/** What the test suite uses beyond the stack: Compose validation without an engine, the browser for UI tests. */
export const TEST_PACKAGES: SystemPackage[] = [
  { pkg: 'docker-compose', why: 'validates deploy/compose without a Docker engine', present: onPath('docker-compose') },
  { pkg: 'chromium', why: 'end-to-end UI tests (driven by playwright-core)', present: file('/usr/bin/chromium') },
  // Its system service is kept from starting by the policy-rc.d that ensurePackages writes.
  { pkg: 'caddy', why: 'TLS tests run deploy/compose/Caddyfile (agent ↔ gateway through its internal CA)', present: onPath('caddy') },
  { pkg: 'openssl', why: 'TLS tests make a CA the gateway certificate does not chain to', present: onPath('openssl') },
  { pkg: 'strace', why: 'bench/analyzer-eval/capture.sh records the evaluation corpus of real programs', present: onPath('strace') },
];

export class MissingPackagesError extends Error {
  constructor(readonly missing: SystemPackage[]) {
    super(
      [
        'These system packages are missing and installing them needs root:',
        ...missing.map((p) => `  - ${p.pkg}  (${p.why})`),
        '',
        `Install them with:  sudo apt-get install -y ${missing.map((p) => p.pkg).join(' ')}`,
        'or run ./vigil as root, which installs them itself.',
      ].join('\n'),
    );
  }
}

let aptUpdated = false;

/**
 * Install whatever is missing with apt-get when root; otherwise throw one error listing
 * every missing package. Returns the names installed.
 */
export function ensurePackages(packages: SystemPackage[], progress: (m: string) => void = () => undefined): string[] {
  const missing = packages.filter((p) => !p.present());
  if (missing.length === 0) return [];
  if (process.getuid?.() !== 0) throw new MissingPackagesError(missing);
  const names = [...new Set(missing.map((p) => p.pkg))];
  const env = childEnv({ DEBIAN_FRONTEND: 'noninteractive' });
  // Debian's postgresql, nginx and caddy packages start their own services on install (a cluster on 5432,
  // web servers on 80): a policy-rc.d that denies service starts keeps the host untouched; ours run from .vigil.
  if (!aptUpdated) {
    progress('apt-get update');
    execFileSync('apt-get', ['update', '-qq'], { stdio: ['ignore', 'pipe', 'pipe'], env, timeout: 10 * 60_000 });
    aptUpdated = true;
  }
  progress(`apt-get install ${names.join(' ')}`);
  const policy = '/usr/sbin/policy-rc.d';
  const ownPolicy = !existsSync(policy);
  if (ownPolicy) writeFileSync(policy, '#!/bin/sh\n# written by ./vigil during apt-get install; removed afterwards\nexit 101\n', { mode: 0o755 });
  try {
    execFileSync('apt-get', ['install', '-y', '-qq', '--no-install-recommends', ...names], { stdio: ['ignore', 'pipe', 'pipe'], env, timeout: 20 * 60_000 });
  } catch (err) {
    const e = err as { stderr?: Buffer };
    throw new Error(`apt-get install ${names.join(' ')} failed:\n${e.stderr?.toString() ?? String(err)}`);
  } finally {
    if (ownPolicy) rmSync(policy, { force: true });
  }
  const still = packages.filter((p) => !p.present());
  if (still.length > 0) throw new Error(`installed, but still missing: ${still.map((p) => p.pkg).join(', ')}`);
  return names;
}
