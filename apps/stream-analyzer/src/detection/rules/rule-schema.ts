import { z } from 'zod';

/** String matcher: any listed alternative matching is a match. */
export const stringMatchSchema = z
  .object({
    equals: z.array(z.string()).optional(),
    prefix: z.array(z.string()).optional(),
    glob: z.array(z.string()).optional(),
    basename: z.array(z.string()).optional(),
    regex: z
      .array(z.string())
      .optional()
      .refine((xs) => (xs ?? []).every(isValidRegex), { message: 'invalid regular expression' }),
  })
  .strict()
  .refine((m) => Object.values(m).some((v) => v && v.length > 0), { message: 'a matcher needs at least one alternative' });

function isValidRegex(s: string): boolean {
  try {
    new RegExp(s);
    return true;
  } catch {
    return false;
  }
}

const mitreId = z.string().regex(/^T\d{4}(\.\d{3})?$/, 'a MITRE ATT&CK technique id like T1059 or T1059.004');

/** One known-bad rule as written in the YAML. */
export const ruleSchema = z
  .object({
    id: z.string().regex(/^[a-z0-9][a-z0-9-]*$/, 'kebab-case id'),
    title: z.string().min(1),
    mitre: mitreId,
    severity: z.enum(['low', 'medium', 'high', 'critical']),
    event: z.enum(['exec', 'file', 'network', 'security']),
    process: z
      .object({ exe: stringMatchSchema.optional(), networkFacing: z.boolean().optional(), shell: z.boolean().optional(), stdioSocket: z.boolean().optional() })
      .strict()
      .optional(),
    exec: z.object({ filename: stringMatchSchema.optional(), argv: stringMatchSchema.optional() }).strict().optional(),
    file: z.object({ path: stringMatchSchema, access: z.enum(['read', 'write', 'any']).default('any') }).strict().optional(),
    network: z
      .object({
        op: z.array(z.enum(['CONNECT', 'ACCEPT', 'BIND', 'LISTEN', 'OTHER'])).optional(),
        family: z.array(z.enum(['INET', 'INET6', 'UNIX', 'OTHER'])).optional(),
        port: z.array(z.number().int().min(0).max(65535)).optional(),
        addressClass: z.array(z.enum(['loopback', 'private', 'link-local', 'multicast', 'public', 'unix', 'any', 'unknown'])).optional(),
      })
      .strict()
      .optional(),
    security: z.object({ kind: z.array(z.string()).min(1), args: z.record(z.string(), stringMatchSchema).optional() }).strict().optional(),
    baseline: z.enum(['never']).optional(),
    except: stringMatchSchema.optional(),
    evidence: z.string().min(1),
  })
  .strict()
  .superRefine((r, ctx) => {
    const section = { exec: r.exec, file: r.file, network: r.network, security: r.security }[r.event];
    if ((r.event === 'file' || r.event === 'security') && !section)
      ctx.addIssue({ code: 'custom', message: `event "${r.event}" needs a "${r.event}" section` });
    for (const other of ['exec', 'file', 'network', 'security'] as const)
      if (other !== r.event && r[other]) ctx.addIssue({ code: 'custom', message: `section "${other}" does not apply to event "${r.event}"` });
  });

/** The whole rules file. */
export const ruleFileSchema = z
  .object({ version: z.literal(1), rules: z.array(ruleSchema).min(1) })
  .strict()
  .superRefine((f, ctx) => {
    const seen = new Set<string>();
    for (const r of f.rules) {
      if (seen.has(r.id)) ctx.addIssue({ code: 'custom', message: `duplicate rule id "${r.id}"` });
      seen.add(r.id);
    }
  });

export type StringMatch = z.infer<typeof stringMatchSchema>;
export type Rule = z.infer<typeof ruleSchema>;
export type RuleFile = z.infer<typeof ruleFileSchema>;
