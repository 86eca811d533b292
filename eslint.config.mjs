// One flat config for the whole monorepo. Package roles are Nx tags (package.json "nx.tags"):
//   type:app   — a deployable (apps/*, tools/cli); never imported by anything
//   type:lib   — shared code under libs/*; imports only other libs
//   platform:node / platform:web — browser code never imports Node-only libs
//   platform:browser-safe — a lib that runs in browsers and Node alike (libs/api-client); web may import it
import nx from '@nx/eslint-plugin';
import tseslint from 'typescript-eslint';

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
    },
  },
  {
    // Config modules, tests, benches and build scripts may read the environment.
    files: ['**/src/config/**', '**/*.spec.ts', '**/test/**', 'bench/**', '**/*.config.*', 'tools/cli/src/**', 'libs/testing/**'],
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
    rules: {
      'no-restricted-imports': ['error', { patterns: [{ regex: '^node:', message: 'front-end code never imports Node code' }], paths: ['fs', 'path', 'os', 'child_process', 'crypto', 'net', 'http', 'https', 'zlib', 'stream'].map((name) => ({ name, message: 'front-end code never imports Node code' })) }],
    },
  },
  {
    // Build/test configs import the shared root presets by path; they are not product code.
    files: ['**/*.config.mts', '**/*.config.ts', 'vitest.shared.mts'],
    rules: { '@nx/enforce-module-boundaries': 'off' },
  },
];
