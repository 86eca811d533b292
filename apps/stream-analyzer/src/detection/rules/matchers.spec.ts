import { describe, expect, it } from 'vitest';
import { compileString } from './matchers';

describe('compileString', () => {
  it('matches any literal alternative: equals, basename, prefix, suffix, contains', () => {
    const m = compileString({ equals: ['/etc/shadow'], basename: ['nginx', 'bash'], prefix: ['/dev/shm/'], suffix: ['.so.preload'], contains: ['/.ssh/'] });
    for (const s of ['/etc/shadow', '/usr/sbin/nginx', 'bash', '/dev/shm/x', '/etc/ld.so.preload', '/root/.ssh/id_rsa']) expect(m(s), s).toBe(true);
    for (const s of ['/etc/shadow-', '/usr/sbin/nginx2', '/usr/bin/bash/', 'x/dev/shm/x', '/etc/ld.so.preload~', '/root/ssh/id_rsa', '']) expect(m(s), s).toBe(false);
  });

  it("folds case for Sigma's default matching, in the value and in every alternative", () => {
    const m = compileString({ equals: ['/ETC/Passwd'], basename: ['Wget'], prefix: ['/TMP/'], suffix: ['.SH'], contains: ['Base64'] }, { ignoreCase: true });
    for (const s of ['/etc/passwd', '/usr/bin/WGET', '/tmp/x', '/opt/run.sh', 'echo x | BASE64 -d']) expect(m(s), s).toBe(true);
    expect(m('/usr/bin/wget2')).toBe(false);
    const exact = compileString({ basename: ['Wget'] });
    expect(exact('/usr/bin/wget')).toBe(false);
    expect(exact('/usr/bin/Wget')).toBe(true);
  });

  it('keeps globs and regexes beside the literals', () => {
    const m = compileString({ basename: ['sh'], glob: ['/etc/cron.*/**'], regex: ['^/proc/[0-9]+/mem$', '\\.ko$'] });
    for (const s of ['/bin/sh', '/etc/cron.d/a/b', '/proc/42/mem', '/tmp/x.ko']) expect(m(s), s).toBe(true);
    for (const s of ['/bin/bash', '/etc/crontab', '/proc/self/mem', '/tmp/x.ko.bak']) expect(m(s), s).toBe(false);
  });
});
