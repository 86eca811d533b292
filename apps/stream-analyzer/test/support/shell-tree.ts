import type { ProcessActivity } from '../../src/detection/telemetry';
import { proc } from './fixtures';

/** cat's usual calls. */
export const CAT_CALLS = { read: 10, write: 10, openat: 4, close: 4, fstat: 4 };

/** A login shell (pid 600) of an SSH session: the root of a process tree. */
export const sessionShell = (over: Partial<ProcessActivity> = {}): ProcessActivity =>
  proc({ pid: 600, ppid: 500, exe: '/usr/bin/bash', comm: 'bash', uid: 1000, ancestry: ['/usr/sbin/sshd', '/usr/lib/systemd/systemd'], files: [], network: [], ...over });

/** cat (pid 601), a child of {@link sessionShell}. */
export const sessionCat = (over: Partial<ProcessActivity> = {}): ProcessActivity =>
  proc({ pid: 601, ppid: 600, exe: '/usr/bin/cat', comm: 'cat', uid: 1000, ancestry: ['/usr/bin/bash', '/usr/sbin/sshd'], files: [], network: [], syscalls: CAT_CALLS, ...over });

/** A successful exec record of `filename` (argv: its name). */
export const execOf = (filename: string) => ({ time: 0, filename, argv: [filename.split('/').pop()!], ret: 0 });
