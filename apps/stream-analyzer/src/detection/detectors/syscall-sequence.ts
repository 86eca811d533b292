import { clampScore, historyPhrase, type DetectionContext, type Finding } from '../finding';
import type { SequenceScore } from '../sequence/kgram-model';

/** Scores already computed for a window's features (the engine's per-process score and the detector share one). */
const scored = new WeakMap<object, SequenceScore | null>();

/**
 * The window's sequence score against its program's k-gram model (null when the program has no
 * model of the agent's k yet, or the window shipped no k-grams). This is the per-process anomaly
 * score the engine reports for every window and the backtest ranks traces by.
 */
export function sequenceScore(ctx: DetectionContext): SequenceScore | null {
  const cached = scored.get(ctx.features);
  if (cached !== undefined) return cached;
  const model = ctx.baseline.sequences;
  const { k, bag } = ctx.features.ngrams;
  const s = model && k === model.k && bag.length > 0 ? model.score(bag) : null;
  scored.set(ctx.features, s);
  return s;
}

/**
 * (b) Syscall sequences from the agent's k-gram counts: the program's smoothed order-k language
 * model and k-gram rarity, calibrated against its own normal windows (kgram-model.ts). A window
 * alerts when its calibrated anomaly passes the threshold; before a program has enough windows to
 * calibrate, when a noticeable share of its k-gram occurrences were never seen (stide).
 */
export function syscallSequenceDetector(ctx: DetectionContext): Finding[] {
  const { baseline: b, thresholds: t } = ctx;
  const s = sequenceScore(ctx);
  const model = b.sequences;
  if (!s || !model || s.occurrences < t.minNgramsForSequence) return [];
  const anomalous = s.anomaly !== null ? s.anomaly >= t.sequenceAnomaly : s.novelShare >= t.novelNgramShare && s.novelDistinct >= t.novelNgramDistinct;
  if (!anomalous) return [];
  const novelKeys = ctx.features.ngrams.bag.map((g) => g.key).filter((key) => !model.knows(key));
  const how = s.anomaly !== null ? `; about 1 in ${Math.round(10 ** Math.min(s.anomaly, 12)).toLocaleString('en-US')} of its usual windows would look this odd` : '';
  const striking = s.anomaly !== null && (s.novelShare > 0.25 || s.anomaly >= 2 * t.sequenceAnomaly);
  // a command line the program never ran while it learned (`rm -rf dir` after `rm -f file`, `git
  // commit` after `git diff`) makes new call orders by itself: the program is used another way, not
  // changed, so that novelty is named but low. Under a command line it learned, or with none known
  // (a daemon keeps its argv; older checkpoints kept no command lines), it stays as striking as it is.
  const { command } = ctx.features;
  const newCommand = command !== null && b.commands.size > 0 && !b.commands.has(command);
  return [
    {
      detector: 'syscall-sequence',
      key: 'novel-sequences',
      kind: 'novel-syscall-sequence',
      title: `${ctx.program.exe} made system calls in orders it never used`,
      // before calibration (fewer than 8 of the program's own windows scored) how much a run of it
      // varies is unknown: a new way of using a rarely seen program (gzip -c on one file after tar's
      // gzip) is as novel as a payload, so the stide view alone is a low finding
      severity: striking && !newCommand ? 'medium' : 'low',
      score: clampScore(30 + 100 * s.novelShare + 3 * Math.max(s.rarity, s.anomaly ?? 0)),
      mitre: null,
      evidence: `${(s.novelShare * 100).toFixed(1)}% of its ${model.k}-call sequences (${s.novelDistinct} distinct) never seen in ${historyPhrase(b)}${how}${newCommand ? `; under a command line it never ran (${command})` : ''}`,
      data: { k: model.k, novelShare: s.novelShare, novelDistinct: s.novelDistinct, rarity: s.rarity, meanSurprise: s.meanSurprise, tailSurprise: s.tailSurprise, anomaly: s.anomaly, occurrences: s.occurrences, newCommand },
      acceptance: { ngrams: { k: model.k, keys: novelKeys } },
    },
  ];
}
