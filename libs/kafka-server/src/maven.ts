import { execFileSync } from 'node:child_process';

/**
 * Maven, quiet and batch, with its local repository at `repoLocal` (the project keeps it under
 * .vigil/cache/m2). `--strict-checksums`: every artifact and pom is checked against the checksum
 * Maven Central publishes beside it and a mismatch fails the build (Maven's default only warns).
 */
function mvn(pomDir: string, repoLocal: string, goals: string[]): void {
  try {
    execFileSync('mvn', ['-q', '-B', '--strict-checksums', `-Dmaven.repo.local=${repoLocal}`, ...goals], {
      cwd: pomDir,
      stdio: ['ignore', 'pipe', 'pipe'],
      timeout: 15 * 60_000,
    });
  } catch (err) {
    const e = err as { stdout?: Buffer; stderr?: Buffer };
    throw new Error(`Maven failed for ${pomDir}/pom.xml (${goals.join(' ')}):\n${e.stdout?.toString() ?? ''}${e.stderr?.toString() ?? ''}`);
  }
}

/** Copy a pom's runtime dependencies (the classpath) into `outputDir`. */
export function mavenCopyDependencies(pomDir: string, repoLocal: string, outputDir: string): void {
  mvn(pomDir, repoLocal, ['dependency:copy-dependencies', `-DoutputDirectory=${outputDir}`, '-DincludeScope=runtime']);
}

/** Run the pom's `package` phase (used to fetch and unpack a distribution). */
export function mavenPackage(pomDir: string, repoLocal: string): void {
  mvn(pomDir, repoLocal, ['package']);
}
