// Time the HTML page's flow engine (analyzer/exports/flow.js) in Node: every next-question
// decision of whole cases, answered from the cases. For benchmarks/run.py (`pagelatency`).
//
//   node tests/js/latency.mjs SPEC.json   SPEC: {"data": payload, "cases": [case, ...]}
//   OUT: {"decisions", "p50_ms", "p95_ms", "max_ms", "first_ms"} (first_ms: the very first
//   decision, before the JavaScript engine has compiled the hot code; it is in the others too)

import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { valueOf } from './engine.mjs';

const require = createRequire(import.meta.url);
const F = require('../../analyzer/exports/flow.js');
const spec = JSON.parse(readFileSync(process.argv[2], 'utf8'));
const ms = [];
for (const c of spec.cases) {
  let answers = {};
  for (let guard = 0; guard < 100000; guard++) {
    const t = process.hrtime.bigint();
    const step = F.next(spec.data, answers);
    ms.push(Number(process.hrtime.bigint() - t) / 1e6);
    if (step.kind === 'decision') break;
    answers = F.withAnswer(answers, step.item, valueOf(c, step.item));
  }
}
const first = ms[0];
ms.sort((a, b) => a - b);
const at = (p) => ms[Math.min(ms.length - 1, Math.floor(p * ms.length))];
process.stdout.write(JSON.stringify({ decisions: ms.length, p50_ms: at(0.5), p95_ms: at(0.95), max_ms: ms[ms.length - 1],
  first_ms: first }) + '\n');
