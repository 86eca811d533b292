import { RULE_SEVERITIES } from '@vigil/common';
import { z } from 'zod';

/**
 * The rule-file format (`apps/stream-analyzer/rules/<tactic>.yaml`): one ATT&CK tactic per file,
 * Falco-style named `lists` (an item `$name` in any string list expands to the list, from this file or
 * `lists.yaml`), rules with structured `exceptions`, and embedded `tests` (a matching and a near-miss
 * process-window per rule, run by rule-catalogue.spec.ts).
 */

function isValidRegex(s: string): boolean {
  try {
    new RegExp(s);
    return true;
  } catch {
    return false;
  }
}

const strings = z.array(z.string());

/** The alternatives of a string matcher (also the string part of an argument matcher). */
const stringAlternatives = {
  equals: strings.optional(),
  prefix: strings.optional(),
  suffix: strings.optional(),
  contains: strings.optional(),
  glob: strings.optional(),
  basename: strings.optional(),
  regex: strings.optional().refine((xs) => (xs ?? []).every(isValidRegex), { message: 'invalid regular expression' }),
};

/** String matcher: any listed alternative matching is a match. */
export const stringMatchSchema = z
  .object(stringAlternatives)
  .strict()
  .refine((m) => Object.values(m).some((v) => v && v.length > 0), { message: 'a matcher needs at least one alternative' });

/** Numeric test of a value the agent reports as a string; bits and bounds are YAML numbers (`0o4000`, `0x10000000`). */
export const numericMatchSchema = z
  .object({
    radix: z.union([z.literal(8), z.literal(10), z.literal(16)]).optional(),
    eq: z.array(z.number().int()).optional(),
    gt: z.number().optional(),
    gte: z.number().optional(),
    lt: z.number().optional(),
    lte: z.number().optional(),
    anyBits: z.number().int().positive().optional(),
    allBits: z.number().int().positive().optional(),
    noBits: z.number().int().positive().optional(),
  })
  .strict()
  .refine((m) => Object.entries(m).some(([k, v]) => k !== 'radix' && v !== undefined), { message: 'a numeric test needs a comparison or a bit test' });

/** A security-event argument: a string matcher, a numeric test, or both (`number:`). */
export const argMatchSchema = z
  .object({
    ...stringAlternatives,
    number: numericMatchSchema.optional(),
    /** The argument must be absent (or present, with `false`). */
    absent: z.boolean().optional(),
  })
  .strict()
  .refine((m) => Object.values(m).some((v) => v !== undefined && (!Array.isArray(v) || v.length > 0)), { message: 'an argument matcher needs a test' });

/** Conditions on the acting process (all given must hold). */
export const processCondSchema = z
  .object({
    /** Its executable. */
    exe: stringMatchSchema.optional(),
    /** Its comm (task name, 15 characters). */
    comm: stringMatchSchema.optional(),
    /** True: comm is not the executable's basename (nor its 15-character truncation) — masquerading. */
    commMismatch: z.boolean().optional(),
    /** The parent's executable (ancestry[0]). */
    parentExe: stringMatchSchema.optional(),
    /** Any ancestor's executable. */
    ancestorExe: stringMatchSchema.optional(),
    /** The argv of the image it runs now, or any of its own exec argvs in the window (joined with spaces). */
    argv: stringMatchSchema.optional(),
    /** True: runs in a container (the agent reported a container id). */
    container: z.boolean().optional(),
    uid: numericMatchSchema.optional(),
    /** Accepted/listened/bound on inet now or in its baseline. */
    networkFacing: z.boolean().optional(),
    /** The process itself is a shell. */
    shell: z.boolean().optional(),
    /** The agent saw its stdin/stdout wired to a socket. */
    stdioSocket: z.boolean().optional(),
  })
  .strict();

const flagNames = z.array(z.string().regex(/^O_[A-Z]+$/, 'an open flag name like O_TRUNC'));

/** Structured exception (Falco style): a hit is dropped when every condition given matches. */
export const exceptionSchema = z
  .object({
    name: z.string().regex(/^[a-z0-9][a-z0-9-]*$/, 'kebab-case name'),
    /** Why this is benign (shown in the catalogue). */
    reason: z.string().optional(),
    process: processCondSchema.optional(),
    /** The hit's target (file path, exec filename, peer address, security kind's main argument). */
    target: stringMatchSchema.optional(),
    /** Security-event arguments. */
    args: z.record(z.string(), argMatchSchema).optional(),
  })
  .strict()
  .refine((e) => e.process || e.target || e.args, { message: 'an exception needs process, target or args' });

const mitreId = z.string().regex(/^T\d{4}(\.\d{3})?$/, 'a MITRE ATT&CK technique id like T1059 or T1059.004');

/** Case fields shared by the embedded tests (a realistic process-window, defaults filled in). */
export const testCaseSchema = z
  .object({
    description: z.string().optional(),
    exe: z.string(),
    comm: z.string().optional(),
    uid: z.number().int().optional(),
    ancestry: strings.optional(),
    containerId: z.string().optional(),
    files: z.array(z.object({ path: z.string(), flags: z.union([z.string(), z.number()]).default(0), ret: z.number().int().default(3) }).strict()).optional(),
    /** argv of the image the process runs now (what a fork+exec child carries: its exec record is the parent's). */
    argv: strings.optional(),
    execs: z.array(z.object({ filename: z.string(), argv: strings, ret: z.number().int().default(0), time: z.number().default(0) }).strict()).optional(),
    network: z
      .array(
        z
          .object({
            op: z.enum(['CONNECT', 'ACCEPT', 'BIND', 'LISTEN', 'OTHER']),
            family: z.enum(['INET', 'INET6', 'UNIX', 'OTHER']).default('INET'),
            addr: z.string(),
            port: z.number().int(),
            ret: z.number().int().default(0),
            count: z.number().int().default(1),
          })
          .strict(),
      )
      .optional(),
    security: z.array(z.object({ kind: z.string(), args: z.record(z.string(), z.string()).default({}), ret: z.number().int().default(0), time: z.number().default(0) }).strict()).optional(),
    /** Other processes of the same batch (e.g. the downloader that wrote the executed file). */
    others: z.array(z.object({ exe: z.string(), files: z.array(z.object({ path: z.string(), flags: z.union([z.string(), z.number()]).default(0) }).strict()) }).strict()).optional(),
    /** Writes the engine remembers from earlier batches: who wrote `path`, how many seconds before the window's execs. */
    earlierWrites: z.array(z.object({ path: z.string(), exe: z.string(), secondsBefore: z.number().nonnegative() }).strict()).optional(),
    /** The program's baseline is still learning (default false: an active, empty baseline). */
    learning: z.boolean().optional(),
  })
  .strict();

/** One native rule. */
export const ruleSchema = z
  .object({
    id: z.string().regex(/^[a-z0-9][a-z0-9-]*$/, 'kebab-case id'),
    title: z.string().min(1),
    technique: mitreId,
    severity: z.enum(RULE_SEVERITIES),
    maturity: z.enum(['stable', 'incubating', 'sandbox']),
    rationale: z.string().min(1),
    falsePositives: z.array(z.string().min(1)).min(1),
    /** `process`: once per process-window, on `process` conditions alone. */
    event: z.enum(['process', 'exec', 'file', 'network', 'security']),
    process: processCondSchema.optional(),
    exec: z
      .object({
        filename: stringMatchSchema.optional(),
        argv: stringMatchSchema.optional(),
        /** True: some process of the same agent batch wrote the executed file (dropped, then run). */
        writtenInBatch: z.boolean().optional(),
        /**
         * Some process wrote the executed file at most this many seconds before the exec: in the same
         * batch, or in an earlier one where the engine remembers writes (paths programs are dropped in:
         * writable directories, /usr/local, /opt; the last 512 per endpoint, for an hour).
         */
        writtenWithinSeconds: z.number().positive().max(3600).optional(),
        /** The same process made one of these security calls before the exec (e.g. memfd_create → exec: fileless execution). */
        afterSecurity: z.array(z.string()).min(1).optional(),
      })
      .strict()
      .optional(),
    file: z
      .object({
        /** The path, absolute ones made lexical (`/etc/../etc/shadow` is `/etc/shadow`). */
        path: stringMatchSchema,
        /** The path as the process spelt it, before `.`/`..` were resolved (e.g. `contains: ['/../']`: a traversal). */
        givenPath: stringMatchSchema.optional(),
        access: z.enum(['read', 'write', 'any']).default('any'),
        /** At least one of these open flags set. */
        flagsAny: flagNames.optional(),
        /** None of these set. */
        flagsNone: flagNames.optional(),
      })
      .strict()
      .optional(),
    network: z
      .object({
        op: z.array(z.enum(['CONNECT', 'ACCEPT', 'BIND', 'LISTEN', 'OTHER'])).optional(),
        family: z.array(z.enum(['INET', 'INET6', 'UNIX', 'OTHER'])).optional(),
        port: z.array(z.number().int().min(0).max(65535)).optional(),
        addr: stringMatchSchema.optional(),
        cidr: strings.optional(),
        addressClass: z.array(z.enum(['loopback', 'private', 'link-local', 'multicast', 'public', 'unix', 'any', 'unknown'])).optional(),
        /** Count only successful operations (default) or also failed ones. */
        failed: z.boolean().optional(),
      })
      .strict()
      .optional(),
    security: z.object({ kind: z.array(z.string()).min(1), args: z.record(z.string(), argMatchSchema).optional() }).strict().optional(),
    /** `rule`: one alert per program for all targets (e.g. a shell probing many ports), not one per target (default `target`). */
    group: z.enum(['target', 'rule']).default('target'),
    /** `never`: fire only once the program's baseline is active and has never seen the matched event. */
    baseline: z.enum(['never']).optional(),
    exceptions: z.array(exceptionSchema).optional(),
    evidence: z.string().min(1),
    tests: z.object({ match: z.array(testCaseSchema).min(1), nomatch: z.array(testCaseSchema).min(1) }).strict(),
  })
  .strict()
  .superRefine((r, ctx) => {
    const section = r.event === 'process' ? r.process : { exec: r.exec, file: r.file, network: r.network, security: r.security }[r.event];
    if (r.event === 'process' && !r.process) ctx.addIssue({ code: 'custom', message: 'event "process" needs a "process" section' });
    if ((r.event === 'file' || r.event === 'security') && !section) ctx.addIssue({ code: 'custom', message: `event "${r.event}" needs a "${r.event}" section` });
    for (const other of ['exec', 'file', 'network', 'security'] as const)
      if (other !== r.event && r[other]) ctx.addIssue({ code: 'custom', message: `section "${other}" does not apply to event "${r.event}"` });
    const names = new Set<string>();
    for (const e of r.exceptions ?? []) {
      if (names.has(e.name)) ctx.addIssue({ code: 'custom', message: `duplicate exception "${e.name}"` });
      names.add(e.name);
    }
  });

/** ATT&CK tactics (enterprise) a rule file may declare. */
export const TACTICS = {
  TA0001: 'Initial Access',
  TA0002: 'Execution',
  TA0003: 'Persistence',
  TA0004: 'Privilege Escalation',
  TA0005: 'Defense Evasion',
  TA0006: 'Credential Access',
  TA0007: 'Discovery',
  TA0008: 'Lateral Movement',
  TA0009: 'Collection',
  TA0010: 'Exfiltration',
  TA0011: 'Command and Control',
  TA0040: 'Impact',
} as const;

/** One rules file: a tactic, its lists and its rules. */
export const ruleFileSchema = z
  .object({
    version: z.literal(1),
    tactic: z.enum(Object.keys(TACTICS) as [keyof typeof TACTICS, ...(keyof typeof TACTICS)[]]),
    lists: z.record(z.string().regex(/^[a-z0-9_]+$/), strings).optional(),
    rules: z.array(ruleSchema).min(1),
  })
  .strict();

/** The shared lists file (`lists.yaml`). */
export const listsFileSchema = z.object({ version: z.literal(1), lists: z.record(z.string().regex(/^[a-z0-9_]+$/), strings) }).strict();

export type StringMatch = z.infer<typeof stringMatchSchema>;
export type NumericMatch = z.infer<typeof numericMatchSchema>;
export type ArgMatch = z.infer<typeof argMatchSchema>;
export type ProcessCond = z.infer<typeof processCondSchema>;
export type RuleException = z.infer<typeof exceptionSchema>;
export type TestCase = z.infer<typeof testCaseSchema>;
export type Rule = z.infer<typeof ruleSchema>;
export type RuleFile = z.infer<typeof ruleFileSchema>;
export type TacticId = keyof typeof TACTICS;
