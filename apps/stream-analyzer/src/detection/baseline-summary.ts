import type { ProgramBaseline } from './baseline';

/** What people see of a baseline (program_baselines.summary): top items of each profile. */
export interface BaselineSummary {
  windows: number;
  endpoints: number;
  /** Syscalls by how many process-windows made them. */
  topSyscalls: { name: string; windows: number }[];
  files: string[];
  children: string[];
  execShapes: string[];
  network: string[];
  security: string[];
  sequenceModel: { k: number } | null;
  /** Where the baseline is in its learning (origin: endpoint period, fleet, new program, package update). */
  learning: { origin: string; from: number | null; until: number | null; progress: number };
}

const TOP = 20;

function topKeys(rows: [string, number, number, number][], n = TOP): string[] {
  return [...rows].sort((a, b) => b[2] - a[2] || a[0].localeCompare(b[0])).slice(0, n).map((r) => r[0]);
}

/** Summary of `b` for program_baselines.summary (pure; bounded size whatever the baseline holds). */
export function summarizeBaseline(b: ProgramBaseline, learningMs = 0): BaselineSummary {
  const s = b.toJSON();
  return {
    windows: s.windows,
    endpoints: s.sources.length,
    topSyscalls: [...s.syscalls.seen]
      .sort((a, b2) => b2[1] - a[1] || a[0].localeCompare(b2[0]))
      .slice(0, TOP)
      .map(([name, windows]) => ({ name, windows })),
    files: topKeys(s.files),
    children: topKeys(s.execChildren),
    execShapes: topKeys(s.execShapes, 10),
    network: topKeys(s.network),
    security: topKeys(s.security, 10),
    sequenceModel: s.sequences ? { k: s.sequences.k } : null,
    learning: {
      origin: b.origin,
      from: b.learnFrom ?? (Number.isFinite(b.firstSeen) ? b.firstSeen : null),
      until: b.learnUntil ?? (Number.isFinite(b.firstSeen) ? b.firstSeen + learningMs : null),
      progress: Math.round(b.learningProgress(b.lastSeen, learningMs) * 1000) / 1000,
    },
  };
}
