// Drive askless HTML flow pages (askless flow --format html) in Chromium like a citizen: answer
// each question from a case by clicking and typing, until the decision. One browser for all pages.
// For tests/test_export_html.py; browser set-up and request blocking come from page.mjs.
//
//   node tests/js/flow.mjs SPEC.json
//   SPEC: {"pages": [{"path": "/abs/page.html", "cases": [case, ...], "screenshot": "/abs/x.png" | null,
//          "probe": true}]}   probe: on the first case also try a bad answer and the back button
//   OUT:  [{"cases": [{"steps": [{"kind", "key", "why": [...], "a11y": [problem, ...]}], "outcomes": {name: value},
//           "asked": n, "static": n, "error": null | "..."}], "probe": {...} | null,
//           "console_errors": [...], "page_errors": [...], "requests": [...]}]

import { readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { launch, open } from './page.mjs';
import { valueOf } from './engine.mjs';

const TIMEOUT = 5000;

// The text a Dane would type: a decimal comma, no thousands separator
function typed(value) {
  return typeof value === 'number' ? String(value).replace('.', ',') : String(value);
}

async function current(page) {
  return page.evaluate(() => {
    const form = document.querySelector('form.step');
    if (form) {
      // accessibility: every input labelled (radio buttons also grouped under a legend), focus
      // inside the step, one h1 on the page
      const a11y = [];
      for (const input of form.querySelectorAll('input')) {
        if (!input.labels || !input.labels.length) a11y.push(`input ${input.id || input.name} has no label`);
        if (input.type === 'radio' && !input.closest('fieldset')?.querySelector('legend')) a11y.push('radio without legend');
      }
      if (!form.contains(document.activeElement)) a11y.push('focus is not in the step');
      if (document.querySelectorAll('h1').length !== 1) a11y.push('not exactly one h1');
      return { kind: form.dataset.kind, key: form.dataset.key, type: form.dataset.type, a11y,
        why: [...form.querySelectorAll('[data-why]')].map((n) => n.dataset.why) };
    }
    const d = document.querySelector('[data-decision]');
    if (!d) return { kind: 'none' };
    const outcomes = {};
    for (const row of d.querySelectorAll('[data-outcome]')) outcomes[row.dataset.outcome] = JSON.parse(row.dataset.value);
    return { kind: 'decision', outcomes, asked: Number(d.dataset.asked), static: Number(d.dataset.static) };
  });
}

function itemOf(key) {
  const m = /^(\w+)\[(\d+)\]\.(\w+)$/.exec(key);
  return m ? [m[1], Number(m[2]), m[3]] : [null, null, key];
}

async function answer(page, step, value) {
  if (step.type === 'bool' || step.type === 'choice') {
    await page.check(`form.step input[name="answer"][value="${String(value)}"]`, { timeout: TIMEOUT });
  } else {
    await page.fill('form.step input[name="answer"]', typed(value), { timeout: TIMEOUT });
  }
  await page.click('form.step button[data-action="next"]', { timeout: TIMEOUT });
}

async function runCase(page, c) {
  const steps = [];
  for (let guard = 0; guard < 500; guard++) {
    const step = await current(page);
    if (step.kind === 'decision') return { steps, outcomes: step.outcomes, asked: step.asked, static: step.static, error: null };
    if (step.kind === 'none') return { steps, outcomes: null, error: 'neither a question nor a decision on the page' };
    steps.push({ kind: step.kind, key: step.key, why: step.why, a11y: step.a11y });
    await answer(page, step, valueOf(c, itemOf(step.key)));
  }
  return { steps, outcomes: null, error: 'no decision after 500 steps' };
}

// A bad answer shows an error and stays; back returns to the question before with its answer kept
async function probe(page, c) {
  const out = { bad_answer_error: null, stayed: false, back_key: null, back_value: null, first_key: null };
  let step = await current(page);
  out.first_key = step.key;
  const text = step.type === 'bool' || step.type === 'choice' ? null : 'ikke et tal';
  if (text !== null && step.type !== 'text') {
    await page.fill('form.step input[name="answer"]', text);
  }
  if (step.type !== 'text') {
    await page.click('form.step button[data-action="next"]');
    out.bad_answer_error = await page.textContent('form.step .error');
    out.stayed = (await current(page)).key === step.key;
  }
  await answer(page, step, valueOf(c, itemOf(step.key)));
  await page.click('[data-action="back"]');
  step = await current(page);
  out.back_key = step.key;
  out.back_value = await page.evaluate(() => {
    const checked = document.querySelector('form.step input[name="answer"]:checked');
    if (checked) return checked.value;
    const input = document.querySelector('form.step input[name="answer"]');
    return input && input.type !== 'radio' ? input.value : null;
  });
  return out;
}

async function main(specPath) {
  const spec = JSON.parse(readFileSync(specPath, 'utf8'));
  const browser = await launch();
  const results = [];
  try {
    for (const p of spec.pages) {
      const url = pathToFileURL(p.path).href;
      const { page, record } = await open(browser.context, url);
      const cases = [];
      let probed = null;
      for (let i = 0; i < p.cases.length; i++) {
        if (i === 0 && p.probe) probed = await probe(page, p.cases[0]);
        const result = await runCase(page, p.cases[i]);
        if (i === 0 && p.screenshot && !result.error) await page.screenshot({ path: p.screenshot, fullPage: true });
        cases.push(result);
        if (result.error) break;
        if (i + 1 < p.cases.length) await page.click('[data-action="restart"]', { timeout: TIMEOUT });
      }
      results.push({ cases, probe: probed, ...record });
      await page.close();
    }
  } finally {
    await browser.close();
  }
  process.stdout.write(JSON.stringify(results));
}

main(process.argv[2]).catch((err) => {
  process.stderr.write(String(err && err.stack ? err.stack : err) + '\n');
  process.exit(1);
});
