import { clampScore, historyPhrase, type DetectionContext, type Finding } from '../finding';

/**
 * (b) Syscall sequences from the agent's hashed k-gram counts: frequency-weighted stide. A window
 * is anomalous when a noticeable share of its k-gram occurrences were never seen for this program
 * (and enough distinct ones, so a single odd transition does not alert). The score adds the mean
 * rarity, so k-grams seen only in a handful of earlier windows also count.
 */
export function syscallSequenceDetector(ctx: DetectionContext): Finding[] {
  const { baseline: b, features: f, thresholds: t } = ctx;
  const profile = b.sequences;
  if (!profile || f.ngrams.k !== profile.k || f.ngrams.bag.length === 0) return [];
  const s = profile.score(f.ngrams.bag);
  if (s.occurrences < t.minNgramsForSequence) return [];
  if (s.novelShare < t.novelNgramShare || s.novelDistinct < t.novelNgramDistinct) return [];
  const novelKeys = f.ngrams.bag.map((g) => g.key).filter((k) => profile.score([{ key: k, count: 1 }]).novelDistinct > 0);
  return [
    {
      detector: 'syscall-sequence',
      key: 'novel-sequences',
      kind: 'novel-syscall-sequence',
      title: `${ctx.program.exe} made system calls in orders it never used`,
      severity: s.novelShare > 0.25 ? 'medium' : 'low',
      score: clampScore(30 + 100 * s.novelShare + 3 * s.rarity),
      mitre: null,
      evidence: `${(s.novelShare * 100).toFixed(1)}% of its ${profile.k}-call sequences (${s.novelDistinct} distinct) never seen in ${historyPhrase(b)}`,
      data: { k: profile.k, novelShare: s.novelShare, novelDistinct: s.novelDistinct, rarity: s.rarity, occurrences: s.occurrences },
      acceptance: { ngrams: { k: profile.k, keys: novelKeys } },
    },
  ];
}
