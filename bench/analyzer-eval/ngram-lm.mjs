// A reference model for the public benchmark (public.mjs), not the product's: an interpolated
// absolute-discounting n-gram language model over whole ordered traces (pooled, trained on normal
// traces only). A trace scores by its mean surprise (−ln P per call) over its first `prefix` calls
// (all by default): what the live engine could compute if the agent shipped an ordered prefix of
// each process, which it does not (it ships k-gram counts per window).

const DISCOUNT = 0.75;
const START = '<s>';

/** Train on token arrays; returns score(tokens, prefix = Infinity) → mean −ln P per scored call. */
export function trainNgramLm(traces, order) {
  const count = new Map(); // "m|h1 … hm-1 w" → count
  const ctx = new Map(); // "m|h1 … hm-1" → total count
  const types = new Map(); // "m|h1 … hm-1" → distinct next tokens
  const vocab = new Set();
  for (const t of traces) {
    const s = [...Array(order - 1).fill(START), ...t];
    for (let i = order - 1; i < s.length; i++) {
      vocab.add(s[i]);
      for (let m = 1; m <= order; m++) {
        const h = `${m}|${s.slice(i - m + 1, i).join(' ')}`;
        const g = `${h}|${s[i]}`;
        const c = count.get(g) ?? 0;
        if (c === 0) types.set(h, (types.get(h) ?? 0) + 1);
        count.set(g, c + 1);
        ctx.set(h, (ctx.get(h) ?? 0) + 1);
      }
    }
  }
  const uniform = 1 / (vocab.size + 1);
  const prob = (history, w) => {
    let p = uniform;
    for (let m = 1; m <= order; m++) {
      const h = `${m}|${history.slice(history.length - m + 1).join(' ')}`;
      const cc = ctx.get(h);
      if (!cc) continue;
      p = Math.max((count.get(`${h}|${w}`) ?? 0) - DISCOUNT, 0) / cc + ((DISCOUNT * types.get(h)) / cc) * p;
    }
    return p;
  };
  return (tokens, prefix = Infinity) => {
    const s = [...Array(order - 1).fill(START), ...tokens];
    let sum = 0;
    let n = 0;
    for (let i = order - 1; i < s.length && n < prefix; i++, n++) sum -= Math.log(prob(s.slice(i - order + 1, i), s[i]));
    return n ? sum / n : 0;
  };
}
