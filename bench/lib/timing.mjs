// Interleaved micro-benchmarks: every contender runs one batch per round, in a rotating order, so
// that the machine's noise falls on all of them alike; the result is the median over rounds.
import { gc, median } from './common.mjs';

// Between batches: collect, then let FinalizationRegistry callbacks run (they free the wasm side
// of wrappers such as TokenData), so one contender's garbage is not another's cost.
async function settle() {
  gc();
  await new Promise((resolve) => setImmediate(resolve));
}

/** Iterations for a batch of about `targetMs`, measured after a warm-up. */
function calibrate(fn, targetMs) {
  for (let i = 0; i < 3; i++) fn();
  let n = 1;
  for (;;) {
    const t0 = performance.now();
    for (let i = 0; i < n; i++) fn();
    const dt = performance.now() - t0;
    if (dt >= targetMs / 4 || n >= 1 << 20) return Math.max(1, Math.round((n * targetMs) / Math.max(dt, 1e-3)));
    n *= 4;
  }
}

/**
 * `contenders`: [{ key, fn }] of synchronous functions. Returns { key: { medianMs, minMs, iterations } }
 * where the times are per call.
 */
export async function interleave(contenders, { rounds = 7, targetMs = 40 } = {}) {
  const iters = contenders.map((c) => calibrate(c.fn, targetMs));
  const times = contenders.map(() => []);
  for (let round = 0; round < rounds; round++) {
    for (let j = 0; j < contenders.length; j++) {
      const i = (j + round) % contenders.length;
      const { fn } = contenders[i];
      const n = iters[i];
      await settle();
      const t0 = performance.now();
      for (let k = 0; k < n; k++) fn();
      times[i].push((performance.now() - t0) / n);
    }
  }
  return Object.fromEntries(contenders.map((c, i) => [c.key, {
    medianMs: median(times[i]),
    minMs: Math.min(...times[i]),
    iterations: iters[i],
  }]));
}
