import { describe, expect, it } from 'vitest';
import { executedPath } from './executed-path';

describe('executedPath', () => {
  it('a binary is named by its resolved image', () => {
    expect(executedPath({ ret: 0, filename: '/usr/bin/python3', exe: '/usr/bin/python3.11', argv: ['python3', '-c', 'pass'] }, process.pid)).toBe('/usr/bin/python3.11');
    expect(executedPath({ ret: 0, filename: './build/app', exe: '/srv/build/app', argv: ['./build/app'] }, process.pid)).toBe('/srv/build/app');
  });

  it('a #! script is named by its own path, not its interpreter', () => {
    expect(executedPath({ ret: 0, filename: '/tmp/.x', exe: '/usr/bin/dash', argv: ['/bin/sh', '/tmp/.x'] }, process.pid)).toBe('/tmp/.x');
    expect(executedPath({ ret: 0, filename: '/tmp/y.py', exe: '/usr/bin/env', argv: ['/usr/bin/env', 'python3', '/tmp/y.py', '--flag'] }, process.pid)).toBe('/tmp/y.py');
    // passed relative: resolved against the process's working directory
    expect(executedPath({ ret: 0, filename: './run.sh', exe: '/usr/bin/bash', argv: ['/bin/bash', './run.sh'] }, process.pid)).toBe(`${process.cwd()}/run.sh`);
    expect(executedPath({ ret: 0, filename: './run.sh', exe: '/usr/bin/bash', argv: ['/bin/bash', './run.sh'] }, 0x7ffffffe)).toBe('/usr/bin/bash');
  });

  it('an interpreter given a script on its command line is the interpreter; a failed exec keeps what was asked for', () => {
    expect(executedPath({ ret: 0, filename: '/usr/bin/sh', exe: '/usr/bin/dash', argv: ['sh', '/tmp/.x'] }, process.pid)).toBe('/usr/bin/dash');
    expect(executedPath({ ret: -2, filename: '/tmp/missing', exe: '', argv: ['/tmp/missing'] }, process.pid)).toBe('/tmp/missing');
  });
});
