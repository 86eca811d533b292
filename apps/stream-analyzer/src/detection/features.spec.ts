import { describe, expect, it } from 'vitest';
import { proc } from '../../test/support/fixtures';
import { extractFeatures, portClass } from './features';

describe('portClass', () => {
  it('keeps service ports exact and folds kernel-assigned ones into one class', () => {
    expect(portClass(22)).toBe('22');
    expect(portClass(4444)).toBe('4444');
    expect(portClass(32_767)).toBe('32767');
    expect(portClass(0)).toBe('ephemeral');
    expect(portClass(32_768)).toBe('ephemeral');
    expect(portClass(60_999)).toBe('ephemeral');
  });
});

describe('exec children', () => {
  const exec = (filename: string, ret = 0) => ({ time: 0, filename, argv: [filename], ret });

  it('counts the programs a process started', () => {
    const f = extractFeatures(proc({ exe: '/usr/bin/bash', execs: [exec('/usr/bin/id'), exec('/usr/bin/date')] }));
    expect([...f.execChildren.keys()]).toEqual(['/usr/bin/id', '/usr/bin/date']);
  });

  it("does not count a process's own images as its children (bash -c '…; date' ends as date)", () => {
    const f = extractFeatures(proc({ exe: '/usr/bin/date', execs: [exec('/usr/bin/bash'), exec('/usr/bin/date')] }));
    expect(f.execChildren.size).toBe(0);
    expect(f.execShapes.size).toBe(0);
    // a failed exec after it changes nothing: the image is still date
    expect(extractFeatures(proc({ exe: '/usr/bin/date', execs: [exec('/usr/bin/bash'), exec('/usr/bin/date'), exec('/nope', -2)] })).execChildren.size).toBe(0);
  });
});
