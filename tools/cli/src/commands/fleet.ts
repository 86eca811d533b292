import type { Command } from 'commander';
import { Listr, ListrLogger, ProcessOutput } from 'listr2';
import { DEFAULTS, parseDuration } from '@vigil/common';
import { KafkaClient } from '@vigil/kafka';
import { SubjectSchemas, TelemetryBatchV1Schema, WireDecoder, createRegistryClient, subjectForTopic, type TelemetryBatch } from '@vigil/schemas';
import { DEFAULT_CORPUS, conformCorpus, readCorpus, toRecorded, writeCorpus } from '../fleet/corpus';
import { simulateFleet, type SimulateResult } from '../fleet/simulate';
import { cliCredentials, localAgentEndpointId } from '../services';
import { postgres } from '../stack';
import { cliConfig } from '../config/cli.config';

/** A positive number option, or a clear error naming it. */
function positive(name: string, text: string, integer: boolean): number {
  const n = Number(text);
  if (!Number.isFinite(n) || n <= 0 || (integer && !Number.isInteger(n))) throw new Error(`${name} must be a positive ${integer ? 'integer' : 'number'} (got "${text}")`);
  return n;
}

/** `--duration 60`, `60s`, `2m`: seconds when bare. */
function duration(text: string): number {
  return /^\d+(\.\d+)?$/.test(text.trim()) ? Number(text) * 1000 : parseDuration(text);
}

function brokers(): string[] {
  return (cliConfig().kafkaBrokers ?? DEFAULTS.kafkaBrokers).split(',').map((b) => b.trim()).filter(Boolean);
}

export function registerFleetCommands(program: Command): void {
  const fleet = program.command('fleet').description('simulated fleets: load the real gateway and analyzer with recorded agent telemetry');

  fleet
    .command('simulate')
    .description(
      'enrol N endpoints (named fleet-sim-<run>-<n>) and replay recorded agent telemetry through the gateway, re-stamped to now, with attacks injected; verifies through Kafka and the database; progress on stderr, one JSON line on stdout (exit 1 when a check fails)',
    )
    .requiredOption('--endpoints <n>', 'simulated endpoints')
    .requiredOption('--duration <d>', 'how long to send (seconds, or 90s / 5m)')
    .option('--rate <r>', 'batches per second per endpoint (a real agent: one per 10 s window)', '0.1')
    .option('--concurrency <n>', 'most requests in flight', '64')
    .option('--attacks <n>', 'endpoints that get an attack injected (default: min(endpoints, 4), one of each kind)')
    .option('--settle <d>', 'how long to wait after sending for analysis and alerts', '120s')
    .option('--gateway <url>', 'ingest gateway (env VIGIL_GATEWAY_URL)', cliConfig().gatewayUrl)
    .option('--topic <topic>', 'telemetry topic the gateway writes (env VIGIL_GATEWAY_TOPIC)', cliConfig().gatewayTopic)
    .option('--corpus <file>', 'recorded batches (gzip JSON lines, from ./vigil fleet record)', DEFAULT_CORPUS)
    .option('--keep', 'leave the simulated endpoints enrolled (default: their keys are revoked at the end)', false)
    .action(async (opts: { endpoints: string; duration: string; rate: string; concurrency: string; attacks?: string; settle: string; gateway: string; topic: string; corpus: string; keep: boolean }) => {
      const endpoints = positive('--endpoints', opts.endpoints, true);
      const durationMs = duration(opts.duration);
      if (!(durationMs > 0)) throw new Error(`--duration must be positive (got "${opts.duration}")`);
      const rate = positive('--rate', opts.rate, false);
      if (durationMs < 1000 / rate) throw new Error(`--duration ${opts.duration} is shorter than one batch period at --rate ${rate} (${1000 / rate} ms)`);
      new URL(opts.gateway);
      const corpus = readCorpus(opts.corpus);
      let result: SimulateResult | undefined;
      const lines: Record<string, { output: string }> = {};
      const phase = (name: string, title: string) => ({
        title,
        task: (_ctx: unknown, task: { output: string }) =>
          new Promise<void>((resolve) => {
            lines[name] = task;
            waiters[name] = resolve;
          }),
      });
      const waiters: Record<string, () => void> = {};
      const order = ['enrol', 'send', 'kafka', 'analyse'];
      let current = 0;
      const advance = (to: string): void => {
        while (order[current] !== to && current < order.length) waiters[order[current++]!]?.();
      };
      const tasks = new Listr(
        [
          phase('enrol', `enrol ${endpoints} endpoints`),
          phase('send', `replay ${corpus.length} recorded batches for ${opts.duration} at ${rate} batch/s per endpoint`),
          phase('kafka', `verify ${opts.topic}: every accepted batch exactly once`),
          phase('analyse', 'verify the database: analysed, attacks alerted'),
        ],
        {
          concurrent: true,
          renderer: process.stderr.isTTY ? 'default' : 'simple',
          rendererOptions: { logger: new ListrLogger({ processOutput: new ProcessOutput(process.stderr, process.stderr) }) },
          exitOnError: true,
        },
      );
      const running = tasks.run();
      try {
        result = await simulateFleet({
          endpoints,
          durationMs,
          rate,
          concurrency: positive('--concurrency', opts.concurrency, true),
          attacks: opts.attacks === undefined ? Math.min(endpoints, 4) : Number(opts.attacks),
          settleTimeoutMs: duration(opts.settle),
          gatewayUrl: opts.gateway,
          databaseUrl: cliConfig().databaseUrl ?? postgres.url(),
          kafkaBrokers: brokers(),
          schemaRegistryUrl: cliConfig().schemaRegistryUrl ?? DEFAULTS.schemaRegistryUrl,
          ...cliCredentials(),
          topic: opts.topic,
          corpus,
          revoke: !opts.keep,
          progress: (name, text) => {
            advance(name);
            // the simple renderer (no TTY) prints every change: only real changes
            if (lines[name] && lines[name].output !== text) lines[name].output = text;
          },
        });
      } finally {
        current = 0;
        advance('');
        await running.catch(() => undefined);
      }
      console.log(JSON.stringify(result));
      if (!result.ok) process.exitCode = 1;
    });

  fleet
    .command('record')
    .description("record the local agent's recent batches from the telemetry topic into a corpus for `fleet simulate` (gzip JSON lines)")
    .requiredOption('--out <file>', 'corpus file to write (e.g. tools/cli/fixtures/fleet/corpus.jsonl.gz)')
    .option('--endpoint <id>', "endpoint whose batches to record (default: the local agent's, from .vigil/agent/agent.conf)")
    .option('--batches <n>', 'most recent batches to keep', '40')
    .option('--max-bytes <n>', 'largest corpus file; the largest batches are left out to stay under it', String(300 * 1024))
    .option('--scan <n>', 'records per partition to look back', '5000')
    .option('--topic <topic>', 'telemetry topic', cliConfig().gatewayTopic)
    .action(async (opts: { out: string; endpoint?: string; batches: string; maxBytes: string; scan: string; topic: string }) => {
      const endpointId = opts.endpoint ?? localAgentEndpointId();
      if (!endpointId) throw new Error('no --endpoint and no id= line in the local agent.conf');
      const credentials = cliCredentials();
      const kafka = new KafkaClient({ brokers: brokers(), clientId: 'vigil-fleet-record', sasl: credentials.kafkaSasl });
      const admin = kafka.admin();
      await admin.connect();
      const end = await admin.endOffsets(opts.topic);
      await admin.disconnect();
      const scan = BigInt(positive('--scan', opts.scan, true));
      const from = new Map([...end].map(([p, o]) => [p, String(BigInt(o) > scan ? BigInt(o) - scan : 0n)]));
      const values: Buffer[] = [];
      await kafka.readRange(
        opts.topic,
        from,
        end,
        (m) => {
          if (m.key?.toString('utf8') === endpointId && m.value) values.push(m.value);
        },
        { timeoutMs: 120_000, groupPrefix: 'vigil-fleet-reader' },
      );
      const registry = createRegistryClient(cliConfig().schemaRegistryUrl ?? DEFAULTS.schemaRegistryUrl, { auth: credentials.registryAuth });
      const decoder = new WireDecoder<TelemetryBatch>(new SubjectSchemas(registry, subjectForTopic(opts.topic)), TelemetryBatchV1Schema);
      const batches: TelemetryBatch[] = [];
      for (const v of values) batches.push((await decoder.decode(v)).value);
      registry.close();
      batches.sort((a, b) => a.sequence - b.sequence);
      const conformed = conformCorpus(batches.slice(-positive('--batches', opts.batches, true)));
      if (conformed.repairedReturns > 0) console.error(`${conformed.repairedReturns} security event return values below -4095 (mmap addresses cut to 32 bits by the agent) set to 0`);
      for (const d of conformed.dropped) console.error(`left out (breaks the gateway's invariants): ${d}`);
      let kept = conformed.kept.map(toRecorded);
      const maxBytes = positive('--max-bytes', opts.maxBytes, true);
      let bytes = writeCorpus(opts.out, kept);
      while (bytes > maxBytes && kept.length > 1) {
        const largest = kept.reduce((m, b, i) => (JSON.stringify(b).length > JSON.stringify(kept[m]).length ? i : m), 0);
        kept = kept.filter((_, i) => i !== largest);
        bytes = writeCorpus(opts.out, kept);
      }
      const processes = kept.reduce((n, b) => n + b.processes.length, 0);
      console.error(`recorded ${kept.length} of ${batches.length} batches of endpoint ${endpointId} (${processes} process records) into ${opts.out}: ${bytes} bytes`);
    });
}
