import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../paths';
import { serviceAcls } from './kafka-acls';

/** `user|type|name|operation` for each ACL the Compose kafka-init grants (`acl <user> --operation … --topic|--group X|--cluster`). */
function composeGrants(): Set<string> {
  const text = readFileSync(join(REPO_ROOT, 'deploy', 'compose', 'docker-compose.yml'), 'utf8');
  const out = new Set<string>();
  for (const m of text.matchAll(/^\s+acl (\S+) (.+)$/gm)) {
    const [user, rest] = [m[1]!, m[2]!];
    const ops = [...rest.matchAll(/--operation (\w+)/g)].map((o) => o[1]!.replace(/([a-z])([A-Z])/g, '$1-$2').toLowerCase());
    const res = /--(topic|group) (\S+)/.exec(rest);
    const [type, name] = res ? [res[1]!, res[2]!] : ['cluster', 'kafka-cluster'];
    for (const op of ops) out.add(`${user}|${type}|${name}|${op}`);
  }
  return out;
}

describe('service ACLs', () => {
  it('Compose grants the gateway and the analyzer exactly what ./vigil up grants them', () => {
    const local = new Set(
      serviceAcls()
        .filter((a) => a.user !== 'registry') // Apicurio locally, Karapace in Compose: different topics
        .flatMap((a) => a.operations.map((op) => `${a.user}|${a.resource.type}|${a.resource.name}|${op}`)),
    );
    const compose = new Set([...composeGrants()].filter((g) => !g.startsWith('registry|')));
    expect([...compose].sort()).toEqual([...local].sort());
  });

  it('no service may create topics, alter anything or act on the whole cluster beyond idempotent writes', () => {
    for (const a of serviceAcls().filter((x) => x.user !== 'registry')) {
      expect(a.operations, `${a.user} ${a.resource.name}`).not.toContain('all');
      expect(a.operations).not.toContain('create');
      expect(a.operations).not.toContain('alter');
      if (a.resource.type === 'cluster') expect([...a.operations].sort()).toEqual(['describe', 'idempotent-write']);
    }
  });
});
