import { Client as PgClient } from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freshDatabase } from '@vigil/testing';
import { Client, startApiOn, type TestApi } from './harness';

const PW = 'amber-heron-52-delta';

interface RuleJson {
  id: string;
  tactic: string;
  tacticName: string;
  technique: string;
  severity: string;
  source: string;
  falsePositives: string[];
  exceptions: { name: string }[];
  publishedAt: string;
}

describe('GET /api/rules (the catalogue the stream analyzer publishes; real PostgreSQL)', () => {
  let db: Awaited<ReturnType<typeof freshDatabase>>;
  let pg: PgClient;
  let api: TestApi;

  // as the stream analyzer writes it at start (AnalyzerRepository.publishRules)
  const publish = (id: string, tactic: string, tacticName: string, technique: string, source: string) =>
    pg.query(
      `insert into detection_rules (id, tactic, tactic_name, technique, title, severity, maturity, source, file, event, baseline_never, rationale, false_positives, exceptions)
       values ($1, $2, $3, $4, 'A rule', 'high', 'stable', $5, 'f.yaml', 'file', false, 'why', '["admins"]', '[{"name":"password-tools"}]')`,
      [id, tactic, tacticName, technique, source],
    );

  beforeAll(async () => {
    db = await freshDatabase('vigil_api_rules_test');
    pg = new PgClient({ connectionString: db.url });
    await pg.connect();
    api = await startApiOn(db.url);
    await api.createUser('ana', 'analyst', PW);
  });
  afterAll(async () => {
    await api?.app.close();
    await pg?.end();
    await db?.drop();
  });

  it('answers 401 without a session', async () => {
    expect((await new Client(api.baseUrl).request('GET', '/api/rules')).status).toBe(401);
  });

  it('lists the rules with their ATT&CK tactic and technique, ordered by tactic and technique', async () => {
    const analyst = new Client(api.baseUrl);
    expect((await analyst.login('ana', PW)).status).toBe(200);
    expect((await analyst.request('GET', '/api/rules')).json).toEqual([]); // no analyzer has started yet
    await publish('ssh-private-key-read', 'TA0006', 'Credential Access', 'T1552.004', 'native');
    await publish('credential-file-read', 'TA0006', 'Credential Access', 'T1003.008', 'native');
    await publish('sigma-x', 'TA0002', 'Execution', 'T1059.004', 'sigma');
    const res = await analyst.request('GET', '/api/rules');
    expect(res.status).toBe(200);
    const rules = res.json as RuleJson[];
    expect(rules.map((r) => r.id)).toEqual(['sigma-x', 'credential-file-read', 'ssh-private-key-read']);
    expect(rules[1]).toMatchObject({ tactic: 'TA0006', tacticName: 'Credential Access', technique: 'T1003.008', severity: 'high', source: 'native', falsePositives: ['admins'], exceptions: [{ name: 'password-tools' }] });
    expect(Number.isNaN(Date.parse(rules[1]!.publishedAt))).toBe(false);
  });
});
