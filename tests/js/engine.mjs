// Run the HTML page's flow engine (analyzer/exports/flow.js) in Node, without a browser, on
// whole cases: answer each step from the case until the decision. For tests/test_export_html.py.
//
//   node tests/js/engine.mjs SPEC.json   SPEC: {"data": payload, "cases": [case, ...]}
//   OUT: [{"steps": [{"kind", "key", "why"}], "outcomes": {name: value}, "error": null}, ...]
//   (dates as ISO strings, an undecided outcome as "UNKNOWN")
//   SPEC: {"exprs": [{"tree": ast, "env": {name: value}}]}: kvalue of each expression, names absent
//   from env unknown. OUT: [{"value": v} | {"error": "..."}]
//   SPEC: {"checks": [{"fact": fact, "raw": "text typed"}]}: the page's answer check.
//   OUT: [{"value": v} | {"error": "message"}]

import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';

const require = createRequire(import.meta.url);
const F = require('../../analyzer/exports/flow.js');

export function valueOf(c, item) {
  const [group, index, name] = item;
  if (group === null) return c[name] ?? null;
  return ((c[group] || [])[index - 1] || {})[name] ?? null;
}

export function plain(v) {
  if (v === F.UNKNOWN) return 'UNKNOWN';
  return JSON.parse(JSON.stringify(v === undefined ? null : v));
}

function expression({ tree, env }) {
  const scope = {
    support: new F.Support(),
    get: (name) => (Object.prototype.hasOwnProperty.call(env, name) ? F.asDate(env[name]) : F.UNKNOWN),
    members: () => F.UNKNOWN,
  };
  try {
    return { value: plain(F.kvalue(tree, scope)) };
  } catch (err) {
    return { error: String(err.message || err) };
  }
}

function run(data, c) {
  let answers = {};
  const steps = [];
  try {
    for (let guard = 0; guard < 10000; guard++) {
      const step = F.next(data, answers);
      if (step.kind === 'decision') {
        const outcomes = {};
        for (const [k, v] of Object.entries(step.outcomes)) outcomes[k] = plain(v);
        return { steps, outcomes, error: null };
      }
      steps.push({ kind: step.kind, key: step.key, why: step.why });
      answers = F.withAnswer(answers, step.item, valueOf(c, step.item));
    }
    return { steps, outcomes: null, error: 'no decision after 10000 steps' };
  } catch (err) {
    return { steps, outcomes: null, error: String(err.message || err) };
  }
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) {
  const spec = JSON.parse(readFileSync(process.argv[2], 'utf8'));
  const out = spec.exprs ? spec.exprs.map(expression)
    : spec.checks ? spec.checks.map(({ fact, raw }) => F.check(fact, raw))
      : spec.cases.map((c) => run(spec.data, c));
  process.stdout.write(JSON.stringify(out));
}
