import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import { REPO_ROOT, VIGIL_HOME } from '../paths';
import { stackHealthy, stackUp } from '../stack';
import { stackEnv, stopServices } from '../services';
import { AGENT_PACKAGES, ensurePackages, TEST_PACKAGES } from '../system/packages';
import { childEnv } from '../config/cli.config';

/** Outcome of one suite, counted as the closing line counts it. */
interface SuiteResult {
  name: string;
  passed: number;
  failed: number;
  seconds: number;
}

function run(cmd: string, args: string[], env: Record<string, string> = {}): Promise<number> {
  return new Promise((resolvePromise) => {
    const child = spawn(cmd, args, { cwd: REPO_ROOT, stdio: 'inherit', env: childEnv(env) });
    child.on('exit', (code, signal) => resolvePromise(code ?? (signal ? 128 : 1)));
    child.on('error', () => resolvePromise(127));
  });
}

const bin = (name: string): string => join(REPO_ROOT, 'node_modules', '.bin', name);

/** Run a Vitest config and read its JSON report; a crash without a report counts as one failure. */
async function vitestSuite(name: string, config: string, env: Record<string, string> = {}, extra: string[] = []): Promise<SuiteResult> {
  const t0 = Date.now();
  const report = join(VIGIL_HOME, 'test-results', `${name}.json`);
  mkdirSync(join(VIGIL_HOME, 'test-results'), { recursive: true });
  rmSync(report, { force: true });
  const code = await run(bin('vitest'), ['run', '--config', config, '--reporter=default', '--reporter=json', `--outputFile.json=${report}`, ...extra], env);
  const seconds = (Date.now() - t0) / 1000;
  if (!existsSync(report)) return { name, passed: 0, failed: 1, seconds };
  const r = JSON.parse(readFileSync(report, 'utf8')) as {
    numPassedTests: number;
    numFailedTests: number;
    testResults?: { status: string; assertionResults?: { status: string }[] }[];
  };
  // A file that fails without a failing test (it did not load, a hook threw) counts as one failure.
  const brokenFiles = (r.testResults ?? []).filter((f) => f.status === 'failed' && !(f.assertionResults ?? []).some((a) => a.status === 'failed')).length;
  let failed = r.numFailedTests + brokenFiles;
  if (code !== 0 && failed === 0) failed = 1;
  return { name, passed: r.numPassedTests, failed, seconds };
}

async function commandSuite(name: string, cmd: string, args: string[]): Promise<SuiteResult> {
  const t0 = Date.now();
  const code = await run(cmd, args);
  return { name, passed: code === 0 ? 1 : 0, failed: code === 0 ? 0 : 1, seconds: (Date.now() - t0) / 1000 };
}

export function registerTestCommand(program: Command): void {
  program
    .command('test')
    .description('the whole test suite: build, lint, unit and integration tests (starts the stack); ends with "N passed, N failed"')
    .option('--unit', 'only build, lint and unit tests (no stack)')
    .option('--integration', 'only the integration tests')
    .action(async (opts: { unit?: boolean; integration?: boolean }) => {
      const t0 = Date.now();
      const results: SuiteResult[] = [];
      const all = !opts.unit && !opts.integration;
      // Everything the suites use is installed by the suite itself (a warm machine must not hide a missing step).
      ensurePackages([...AGENT_PACKAGES, ...TEST_PACKAGES], (m) => console.log(`[vigil] ${m}`));
      // The full build: TypeScript, the BPF objects and the N-API addon, the web bundle (Nx, in dependency order).
      results.push(await commandSuite('build', bin('nx'), ['run-many', '-t', 'build', '--outputStyle=static']));
      if (all || opts.unit) {
        results.push(await commandSuite('lint', bin('eslint'), ['.', '--max-warnings=0']));
        results.push(await vitestSuite('unit', 'vitest.config.mts'));
      }
      if (all || opts.integration) {
        if (!(await stackHealthy())) {
          console.log('\n== starting the local stack for integration tests');
          await stackUp({ stopClients: stopServices });
        }
        results.push(await vitestSuite('integration', 'vitest.integration.config.mts', stackEnv()));
      }
      const passed = results.reduce((n, r) => n + r.passed, 0);
      const failed = results.reduce((n, r) => n + r.failed, 0);
      console.log('\n== summary');
      for (const r of results) console.log(`  ${r.name.padEnd(12)} ${String(r.passed).padStart(5)} passed ${String(r.failed).padStart(4)} failed  ${r.seconds.toFixed(1)} s`);
      console.log(`  total time ${((Date.now() - t0) / 1000).toFixed(1)} s`);
      console.log(`${passed} passed, ${failed} failed`);
      if (failed > 0) process.exitCode = 1;
    });
}
