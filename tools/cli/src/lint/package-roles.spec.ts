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

/**
 * `import { name } from 'pkg';` built at run time, so that a plain search of the tree for who imports
 * kafkajs or pg does not find these fixtures.
 */
const imp = (pkg: string, name: string): string => ['import {', name, '} from', `'${pkg}';`].join(' ');

/** Messages of the role rules for `code` as if it were the file `path` (relative to the repository). */
async function roleMessages(path: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath: resolve(ROOT, path) });
  return (result?.messages ?? []).map((m) => `${m.ruleId}: ${m.message}`);
}

describe('package roles (eslint.config.mjs)', { timeout: 60_000 }, () => {
  it.each([
    ['apps/stream-analyzer/src/kafka/direct.ts', imp('kafkajs', 'Kafka'), /kafkajs is used only behind libs\/kafka/],
    ['tools/cli/src/stack/direct.ts', imp('kafkajs', 'Kafka'), /kafkajs is used only behind libs\/kafka/],
    ['tools/cli/test/integration/direct.integration-spec.ts', imp('kafkajs', 'Kafka'), /kafkajs is used only behind libs\/kafka/],
    ['tools/cli/src/stack/direct.ts', imp('pg', 'Client'), /pg is used only in libs\/db/],
    ['apps/api/src/modules/alerts/direct.ts', imp('pg', 'Client'), /pg is used only in libs\/db/],
    ['apps/stream-analyzer/src/direct.ts', imp('@vigil/api', 'createApp'), /apps are never imported/],
    ['tools/cli/src/direct.ts', imp('@vigil/stream-analyzer/dist/service', 'startAnalyzer'), /apps are never imported/],
    ['libs/common/src/direct.ts', imp('../../../apps/api/src/main', 'main'), /apps are never imported/],
    ['apps/web/src/direct.ts', imp('node:fs', 'readFileSync'), /front-end code never imports Node code/],
    ['apps/api/src/modules/alerts/direct.ts', 'export const url = process.env.VIGIL_DATABASE_URL;', /Read configuration only in src\/config/],
  ])('%s: %s fails', async (path, code, message) => {
    const messages = await roleMessages(path, code);
    expect(messages).toEqual([expect.stringMatching(message)]);
  });

  it.each([
    ['libs/kafka/src/direct.ts', imp('kafkajs', 'Kafka')],
    ['libs/testing/src/direct.ts', `${imp('kafkajs', 'Kafka')}\n${imp('pg', 'Client')}`],
    ['libs/db/src/direct.ts', imp('pg', 'Client')],
    ['apps/api/src/database/direct.ts', imp('pg', 'Client')],
    ['apps/api/test/integration/direct.integration-spec.ts', imp('pg', 'Client')],
    ['apps/api/src/direct.ts', [imp('@vigil/db', 'createPool'), imp('@vigil/kafka', 'KafkaClient'), imp('@vigil/api-client', 'USER_ROLES')].join('\n')],
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
