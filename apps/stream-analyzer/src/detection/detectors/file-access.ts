import { clampScore, historyPhrase, listPhrase, type DetectionContext, type Finding, type Severity } from '../finding';
import { isWrite, lexicalPath, pathSensitivity } from '../paths';

/**
 * (c) File access: generalised path + access mode never seen for this program. Sensitive paths
 * (credentials, keys, persistence locations) each get their own alert group and a higher severity;
 * ordinary new paths are grouped into one low-severity finding per window.
 */
export function fileAccessDetector(ctx: DetectionContext): Finding[] {
  const { baseline: b, features: f } = ctx;
  const out: Finding[] = [];
  const ordinary: string[] = [];
  for (const key of f.files.keys()) {
    if (b.files.has(key)) continue;
    const example = f.fileExamples.get(key) ?? key;
    const sp = key.indexOf(' ');
    const mode = key.slice(0, sp);
    const sens = pathSensitivity(lexicalPath(example)); // the example is the path as given (`..` shown)
    if (sens.category === 'none') {
      ordinary.push(key);
      continue;
    }
    const verb = isWrite(mode) ? 'wrote' : 'read';
    const severity: Severity = sens.weight >= 5 || (isWrite(mode) && sens.weight >= 4) ? 'high' : 'medium';
    out.push({
      detector: 'file-access',
      key,
      kind: `sensitive-file-${isWrite(mode) ? 'write' : 'read'}`,
      title: `${ctx.program.exe} ${verb} ${example} (${sens.category})`,
      severity,
      score: clampScore(30 + 12 * sens.weight + (isWrite(mode) ? 10 : 0)),
      mitre: sens.mitre,
      evidence: `${verb} ${example} — never seen in ${historyPhrase(b)}`,
      data: { path: example, pattern: key.slice(sp + 1), mode, category: sens.category, count: f.files.get(key) },
      acceptance: { files: [key] },
    });
  }
  if (ordinary.length > 0) {
    const writes = ordinary.filter((k) => isWrite(k.slice(0, k.indexOf(' '))));
    out.push({
      detector: 'file-access',
      key: 'novel-files',
      kind: 'novel-file-access',
      title: `${ctx.program.exe} opened files it never opened before`,
      severity: 'low',
      score: clampScore(15 + 3 * ordinary.length + 5 * writes.length),
      mitre: null,
      evidence: `opened ${listPhrase(ordinary.map((k) => f.fileExamples.get(k) ?? k))} — never seen in ${historyPhrase(b)}`,
      data: { patterns: ordinary, writes: writes.length },
      acceptance: { files: ordinary },
    });
  }
  return out;
}
