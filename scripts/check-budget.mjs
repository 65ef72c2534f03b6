#!/usr/bin/env node
// The weight budget of the default entry (README, "Size"): gzip -9 of FILE against BUDGET bytes,
// else $PKG_BUDGET_BYTES, else 45 KB. Prints the verdict; exits 1 when over.
// build-pkg.mjs (`make pkg`) fails when the entry is over DEFAULT_BUDGET itself.
//   node scripts/check-budget.mjs pkg/index.js [BUDGET_BYTES]
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

export const DEFAULT_BUDGET = 45 * 1024;
const kb = (n) => `${(n / 1024).toFixed(1)} KB`;

/**
 * Weighs `file`; returns whether it is within `budget` bytes of gzip -9, its gzip bytes, and a
 * line saying so (`name` is what the line calls the limit).
 */
export function checkBudget(file, budget = Number(process.env.PKG_BUDGET_BYTES ?? DEFAULT_BUDGET), name = 'budget') {
  if (!Number.isSafeInteger(budget) || budget <= 0) throw new Error(`check-budget: the budget must be a positive number of bytes, not ${budget}`);
  const bytes = readFileSync(file);
  const gz = gzipSync(bytes, { level: 9 }).length;
  const ok = gz <= budget;
  const verdict = ok ? 'within' : `OVER by ${gz - budget} bytes (${kb(gz - budget)}); see README, "Size"`;
  return { ok, bytes: gz, line: `${kb(bytes.length)} raw, ${kb(gz)} gzip (${gz} bytes; ${name} ${kb(budget)} gzip = ${budget} bytes: ${verdict})` };
}

// Exit 1 means over budget, and only that (make test-budget relies on it); 2 is a usage error.
if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const [file, budget] = process.argv.slice(2);
  try {
    if (!file) throw new Error('usage: check-budget.mjs FILE [BUDGET_BYTES]');
    const { ok, line } = checkBudget(file, budget === undefined ? undefined : Number(budget));
    (ok ? console.log : console.error)(`${file}: ${line}`);
    process.exitCode = ok ? 0 : 1;
  } catch (error) {
    console.error(error.message);
    process.exitCode = 2;
  }
}
