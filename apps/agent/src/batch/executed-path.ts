import { readlinkSync } from 'node:fs';
import { basename, isAbsolute, resolve } from 'node:path';
import type { ExecEvent } from '@vigil/bpf';

/**
 * The path a successful exec ran, as the analyzer's exec rules and baselines should see it. The
 * kernel's `filename` is the path as passed (maybe relative), `exe` the image mapped (absolute,
 * symlinks resolved: /usr/bin/python3 → python3.11), so `exe` is the name — except for a `#!`
 * script, whose image is its interpreter: a script dropped in /tmp and run would be reported as
 * /usr/bin/dash. binfmt_script hands the interpreter the script's filename as argv[1] (argv[2]
 * after a shebang argument, `#!/usr/bin/env python3`): then the script's own path is what ran
 * (made absolute against the process's working directory when it was passed relative).
 */
export function executedPath(ev: Pick<ExecEvent, 'ret' | 'filename' | 'exe' | 'argv'>, pid: number): string {
  if (ev.ret !== 0 || !ev.exe) return ev.filename;
  const script = (ev.argv[1] === ev.filename || ev.argv[2] === ev.filename) && basename(ev.exe) !== basename(ev.filename);
  if (!script) return ev.exe;
  if (isAbsolute(ev.filename)) return ev.filename;
  try {
    return resolve(readlinkSync(`/proc/${pid}/cwd`), ev.filename);
  } catch {
    // the process is gone or not ours to read: its interpreter is all that is known for sure
    return ev.exe;
  }
}
