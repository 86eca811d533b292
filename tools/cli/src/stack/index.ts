import { rmSync } from 'node:fs';
import { Listr, type ListrTaskWrapper, type ListrDefaultRenderer, type ListrSimpleRenderer } from 'listr2';

type Task = ListrTaskWrapper<unknown, ListrDefaultRenderer, ListrSimpleRenderer>;
import { STACK_DIR, logFile, RUN_DIR } from '../paths';
import { ensurePackages, STACK_PACKAGES } from '../system/packages';
import type { ComponentStatus, StackComponent } from './component';
import { clusterConfig, KafkaNode, migrateToSasl } from './kafka';
import { PostgresComponent } from './postgres';
import { RegistryComponent } from './registry';
import { writeServiceSecretFiles } from './secrets';
import { descendsFrom, portHolder, portOpen, runningPid, tailLog } from './processes';

export const postgres = new PostgresComponent();

/** The local stack's components for a Kafka cluster of `brokers` nodes (default: as formatted, else 1). */
export interface LocalStack {
  postgres: PostgresComponent;
  kafkaNodes: KafkaNode[];
  registry: RegistryComponent;
  /** In start order: the registry stores its schemas in Kafka. */
  all: StackComponent[];
  kafkaBootstrap: string;
}

export function localStack(brokers?: number): LocalStack {
  const cluster = clusterConfig(brokers);
  const kafkaNodes = Array.from({ length: cluster.brokers }, (_, i) => new KafkaNode(i + 1, cluster));
  const kafkaBootstrap = kafkaNodes[0]!.bootstrap;
  const registry = new RegistryComponent(kafkaBootstrap, cluster.sasl !== undefined);
  return { postgres, kafkaNodes, registry, all: [postgres, ...kafkaNodes, registry], kafkaBootstrap };
}

/** A port needed by a component is taken by something that is not ours. */
export class PortInUseError extends Error {
  constructor(readonly port: number, readonly component: string, readonly holder: string | undefined) {
    super(
      `port ${port} (needed by ${component}) is already in use${holder ? ` by ${holder}` : ''}. ` +
        `Stop that process, or move ${component} with its VIGIL_*_PORT variable (see README, Configuration).`,
    );
  }
}

/** Fail before starting anything if a port we need is held by a process that is not ours. */
export async function preflightPorts(components: StackComponent[]): Promise<void> {
  const problems: PortInUseError[] = [];
  for (const c of components) {
    const ours = new Set<number>();
    for (const name of c.processNames ?? [c.name]) {
      const pid = runningPid(name);
      if (pid !== undefined) ours.add(pid);
    }
    for (const port of c.ports) {
      if (!(await portOpen(port))) continue;
      const holder = portHolder(port);
      // Ours when every listener descends from a process this component started (checked now, not
      // from an earlier snapshot: PostgreSQL forks backends that hold the socket for a moment).
      if (holder && holder.pids.length > 0 && holder.pids.every((p) => descendsFrom(p, ours))) continue;
      problems.push(new PortInUseError(port, c.name, holder?.text));
    }
  }
  if (problems.length === 1) throw problems[0];
  if (problems.length > 1) throw new Error(problems.map((p) => p.message).join('\n'));
}

/** Error raised when a component failed to start: its last log lines and where the full log is. */
export class ComponentStartError extends Error {
  constructor(component: string, cause: unknown) {
    super(
      `${component} did not become healthy: ${cause instanceof Error ? cause.message : String(cause)}\n` +
        `--- last lines of ${logFile(component)} ---\n${tailLog(component, 30)}\n--- full log: ${logFile(component)}`,
    );
  }
}

/**
 * `./vigil stack up`: install what is missing, start and provision every component. Idempotent.
 * A Kafka formatted PLAINTEXT by an older version is first moved to SASL/SCRAM (data kept); its
 * clients without credentials — the registry and, through `stopClients`, Vigil's services — are
 * stopped for that and started again with credentials.
 */
export async function stackUp(options: { quiet?: boolean; brokers?: number; stopClients?: () => Promise<unknown> } = {}): Promise<void> {
  const before = localStack(options.brokers);
  const say = (m: string): void => {
    if (!options.quiet) console.log(m);
  };
  await migrateToSasl(before.kafkaNodes, say, async () => {
    await options.stopClients?.();
    await before.registry.stop();
  });
  const { all: STACK, kafkaNodes, registry } = localStack(options.brokers);
  const startedHere: StackComponent[] = [];
  const startOne = async (c: StackComponent, report: (m: string) => void): Promise<void> => {
    const wasRunning = c.isRunning();
    if (!wasRunning) startedHere.push(c);
    try {
      await c.start(report);
      await c.provision?.(report);
    } catch (err) {
      throw new ComponentStartError(c.name, err);
    }
  };
  const tasks = new Listr(
    [
      { title: 'System packages', task: (_ctx: unknown, task: Task) => void ensurePackages(STACK_PACKAGES, (m) => (task.output = m)) },
      { title: 'Ports', task: () => preflightPorts(STACK) },
      {
        title: 'Install',
        task: (_ctx: unknown, task: Task) =>
          task.newListr(
            STACK.map((c) => ({ title: c.name, task: (_c: unknown, t: { output: string }) => c.install((m) => (t.output = m)) })),
            { concurrent: true },
          ),
      },
      {
        title: 'Start',
        task: (_ctx: unknown, task: Task) =>
          task.newListr(
            [
              {
                title: kafkaNodes.length > 1 ? `postgres + kafka (${kafkaNodes.length} brokers)` : 'postgres + kafka',
                task: (_c: unknown, t: Task) =>
                  t.newListr(
                    [postgres, ...kafkaNodes].map((c) => ({ title: c.name, task: (_c2: unknown, t2: { output: string }) => startOne(c, (m) => (t2.output = m)) })),
                    { concurrent: true, exitOnError: true },
                  ),
              },
              { title: 'registry', task: (_c: unknown, t: Task) => startOne(registry, (m) => (t.output = m)) },
            ],
            { concurrent: false },
          ),
      },
    ],
    { renderer: options.quiet ? 'silent' : process.stdout.isTTY ? 'default' : 'simple', rendererOptions: { collapseSubtasks: false } },
  );
  try {
    await tasks.run();
    if (registry.secured) writeServiceSecretFiles();
  } catch (err) {
    // Leave no half-started stack behind: stop what this invocation started.
    for (const c of startedHere.reverse()) await c.stop().catch(() => undefined);
    throw err;
  }
}

/** `./vigil stack down`: stop every process the stack started, and nothing else. */
export async function stackDown(): Promise<string[]> {
  const stopped: string[] = [];
  for (const c of [...localStack().all].reverse()) {
    if (c.isRunning()) stopped.push(c.name);
    await c.stop();
  }
  return stopped;
}

export async function stackStatus(): Promise<ComponentStatus[]> {
  return Promise.all(localStack().all.map((c) => c.status()));
}

/** `./vigil stack reset`: stop and wipe local state (downloads in .vigil/cache are kept). */
export async function stackReset(): Promise<void> {
  await stackDown();
  rmSync(STACK_DIR, { recursive: true, force: true });
  rmSync(RUN_DIR, { recursive: true, force: true });
}

/** True when every component answers its health check. */
export async function stackHealthy(): Promise<boolean> {
  const s = await stackStatus();
  return s.every((c) => c.state === 'healthy');
}
