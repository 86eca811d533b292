import { resolve } from 'node:path';
import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';

/**
 * The package roles of eslint.config.mjs, checked by running ESLint itself: forbidden imports placed
 * (virtually) where they are forbidden must fail with the role's message, the same imports where they
 * are allowed must pass, and the real tree must pass the role rules.
 */
const ROOT = resolve(__dirname, '..', '..', '..', '..');
const ROLE_RULES = new Set(['no-restricted-imports', 'no-restricted-properties']);
const eslint = new ESLint({ cwd: ROOT, ruleFilter: ({ ruleId }) => ROLE_RULES.has(ruleId) });

/** Messages of the role rules for `code` as if it were the file `path` (relative to the repository). */
async function roleMessages(path: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath: resolve(ROOT, path) });
  return (result?.messages ?? []).map((m) => `${m.ruleId}: ${m.message}`);
}

describe('package roles (eslint.config.mjs)', { timeout: 60_000 }, () => {
  it.each([
    ['apps/stream-analyzer/src/kafka/direct.ts', "import { Kafka } from 'kafkajs';", /kafkajs is used only behind libs\/kafka/],
    ['tools/cli/src/stack/direct.ts', "import { Kafka } from 'kafkajs';", /kafkajs is used only behind libs\/kafka/],
    ['tools/cli/test/integration/direct.integration-spec.ts', "import { Kafka } from 'kafkajs';", /kafkajs is used only behind libs\/kafka/],
    ['tools/cli/src/stack/direct.ts', "import { Client } from 'pg';", /pg is used only in libs\/db/],
    ['apps/api/src/modules/alerts/direct.ts', "import { Client } from 'pg';", /pg is used only in libs\/db/],
    ['apps/stream-analyzer/src/direct.ts', "import { createApp } from '@vigil/api';", /apps are never imported/],
    ['tools/cli/src/direct.ts', "import { startAnalyzer } from '@vigil/stream-analyzer/dist/service';", /apps are never imported/],
    ['libs/common/src/direct.ts', "import { main } from '../../../apps/api/src/main';", /apps are never imported/],
    ['apps/web/src/direct.ts', "import { readFileSync } from 'node:fs';", /front-end code never imports Node code/],
    ['apps/api/src/modules/alerts/direct.ts', 'export const url = process.env.VIGIL_DATABASE_URL;', /Read configuration only in src\/config/],
  ])('%s: `%s` fails', async (path, code, message) => {
    const messages = await roleMessages(path, code);
    expect(messages).toEqual([expect.stringMatching(message)]);
  });

  it.each([
    ['libs/kafka/src/direct.ts', "import { Kafka } from 'kafkajs';"],
    ['libs/testing/src/direct.ts', "import { Kafka } from 'kafkajs';\nimport { Client } from 'pg';"],
    ['libs/db/src/direct.ts', "import { Client } from 'pg';"],
    ['apps/api/src/database/direct.ts', "import { Client } from 'pg';"],
    ['apps/api/test/integration/direct.integration-spec.ts', "import { Client } from 'pg';"],
    ['apps/api/src/direct.ts', "import { createPool } from '@vigil/db';\nimport { KafkaClient } from '@vigil/kafka';\nimport { ApiClient } from '@vigil/api-client';"],
    ['apps/api/src/config/direct.ts', 'export const url = process.env.VIGIL_DATABASE_URL;'],
  ])('%s: allowed', async (path, code) => {
    expect(await roleMessages(path, code)).toEqual([]);
  });

  it('the real tree keeps the roles', { timeout: 300_000 }, async () => {
    const results = await eslint.lintFiles(['.']);
    const problems = results.flatMap((r) => r.messages.map((m) => `${r.filePath.slice(ROOT.length + 1)}:${m.line} ${m.ruleId}: ${m.message}`));
    expect(problems).toEqual([]);
    expect(results.length).toBeGreaterThan(100);
  });
});
