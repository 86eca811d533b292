// One flat config for the whole monorepo. Package roles are Nx tags (package.json "nx.tags"):
//   type:app   — a deployable (apps/*, tools/cli); never imported by anything
//   type:lib   — shared code under libs/*; imports only other libs
//   platform:node / platform:web — browser code never imports Node-only libs
//   platform:browser-safe — a lib that runs in browsers and Node alike (libs/api-client); web may import it
import nx from '@nx/eslint-plugin';
import tseslint from 'typescript-eslint';

// Package roles for imports, enforced without the Nx project graph (which `eslint` alone may not have):
//   kafkajs — only libs/kafka (the adapter) and libs/testing (test clusters)
//   pg      — only libs/db, the API's database module (apps/api/src/database), libs/testing and tests
//   apps    — never imported: no app imports another app, libs never import apps
const APP_PACKAGES = ['agent', 'api', 'ingest-gateway', 'stream-analyzer', 'web', 'cli'];
const ROLE_MESSAGES = {
  kafkajs: 'kafkajs is used only behind libs/kafka (@vigil/kafka): add what you need to the adapter there.',
  pg: "pg is used only in libs/db (@vigil/db) and the API's database module (apps/api/src/database): use createPool/createClient from @vigil/db.",
  app: 'apps are never imported: an app does not import another app, and libs never import apps (move the shared code to libs/).',
  node: 'front-end code never imports Node code',
};
const NODE_BUILTINS = ['fs', 'path', 'os', 'child_process', 'crypto', 'net', 'http', 'https', 'zlib', 'stream'];

/** Options of no-restricted-imports for files that may use the packages in `allow` ('kafkajs', 'pg') and, with `browser`, no Node built-ins. */
function importRoles({ allow = [], browser = false } = {}) {
  const paths = ['kafkajs', 'pg'].filter((p) => !allow.includes(p)).map((name) => ({ name, message: ROLE_MESSAGES[name] }));
  const patterns = [
    { regex: `^@vigil/(${APP_PACKAGES.join('|')})(/|$)`, message: ROLE_MESSAGES.app },
    { regex: '^(\\.\\./)+(apps|tools)/', message: ROLE_MESSAGES.app },
  ];
  if (browser) {
    paths.push(...NODE_BUILTINS.map((name) => ({ name, message: ROLE_MESSAGES.node })));
    patterns.push({ regex: '^node:', message: ROLE_MESSAGES.node });
  }
  return ['error', { paths, patterns }];
}

export default [
  { ignores: ['**/dist/**', '**/node_modules/**', '**/coverage/**', '.vigil/**', '**/*.generated.ts', '**/vite.config.*.timestamp*', 'bpf/build/**'] },
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts', '**/*.tsx', '**/*.mts'],
    plugins: { '@nx': nx },
    rules: {
      '@nx/enforce-module-boundaries': [
        'error',
        {
          enforceBuildableLibDependency: false,
          allow: [],
          depConstraints: [
            { sourceTag: 'type:app', onlyDependOnLibsWithTags: ['type:lib'] },
            { sourceTag: 'type:lib', onlyDependOnLibsWithTags: ['type:lib'] },
            { sourceTag: 'platform:web', onlyDependOnLibsWithTags: ['platform:web', 'platform:browser-safe', 'platform:any'] },
            { sourceTag: 'platform:browser-safe', onlyDependOnLibsWithTags: ['platform:browser-safe', 'platform:any'] },
          ],
        },
      ],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-explicit-any': 'error',
      'no-restricted-properties': [
        'error',
        { object: 'process', property: 'env', message: 'Read configuration only in src/config/ (one validated config per app).' },
      ],
      'no-restricted-imports': importRoles(),
    },
  },
  // Import roles, most specific last (each entry replaces the rule's options for its files).
  { files: ['**/test/**', '**/*.spec.ts', '**/*.spec.tsx'], rules: { 'no-restricted-imports': importRoles({ allow: ['pg'] }) } },
  { files: ['libs/db/**', 'apps/api/src/database/**'], rules: { 'no-restricted-imports': importRoles({ allow: ['pg'] }) } },
  { files: ['libs/kafka/**'], rules: { 'no-restricted-imports': importRoles({ allow: ['kafkajs'] }) } },
  { files: ['libs/testing/**'], rules: { 'no-restricted-imports': importRoles({ allow: ['kafkajs', 'pg'] }) } },
  {
    // Config modules, tests, benches and build scripts may read the environment.
    files: ['**/src/config/**', '**/*.spec.ts', '**/test/**', 'bench/**', '**/*.config.*', 'libs/testing/**'],
    rules: { 'no-restricted-properties': 'off' },
  },
  {
    // The web app's end-to-end tests run in Node and drive the real pipeline from outside the browser:
    // they may use the Node libraries (testing helpers, agent transport); apps/web/src may not.
    files: ['apps/web/test/**'],
    rules: {
      '@nx/enforce-module-boundaries': [
        'error',
        { enforceBuildableLibDependency: false, allow: [], depConstraints: [{ sourceTag: 'type:app', onlyDependOnLibsWithTags: ['type:lib'] }] },
      ],
    },
  },
  {
    // Browser code (apps/web/src) never imports Node built-ins; the tag rule above covers workspace libs.
    files: ['apps/web/src/**'],
    rules: { 'no-restricted-imports': importRoles({ browser: true }) },
  },
  {
    // Build/test configs import the shared root presets by path; they are not product code.
    files: ['**/*.config.mts', '**/*.config.ts', 'vitest.shared.mts'],
    rules: { '@nx/enforce-module-boundaries': 'off' },
  },
];
