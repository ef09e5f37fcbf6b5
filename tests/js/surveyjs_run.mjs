// Run a SurveyJS export (askless flow --format surveyjs) in the real SurveyJS library, without a
// DOM, on sample cases. Reads JSON on stdin:
//   {survey: <form JSON>, outcomes: {name: {known, null, value}: SurveyJS expressions},
//    runs: [{prefill: {...}, case: {...}}]}
// For each run: new Model(survey); mergeData(prefill); then, until none is left, answer the first
// visible unanswered question (page order; a dynamic panel's questions panel by panel) with the
// case's value. Writes on stdout, per run: the questions answered in order ('lejer',
// 'voksne.2.indkomst'), whether the decision panel is visible, each outcome's {known, null, value}
// as SurveyJS computes it, and survey.data (the answers and the decision elements' values).
import { Model } from "survey-core";

let input = "";
for await (const chunk of process.stdin) input += chunk;
const { survey, outcomes, runs } = JSON.parse(input);

function nextQuestion(model) {
  for (const element of model.pages[0].elements) {
    if (element.getType() === "paneldynamic") {
      if (!element.isVisible) continue;
      for (let i = 0; i < element.panels.length; i++) {
        for (const q of element.panels[i].questions) {
          if (q.isVisible && q.isEmpty()) return { q, key: `${element.name}.${i + 1}.${q.name}`, group: element.name, i };
        }
      }
    } else if (element.isPanel) {
      continue;
    } else if (element.isVisible && element.isEmpty()) {
      return { q: element, key: element.name };
    }
  }
  return null;
}

const results = [];
for (const run of runs) {
  const model = new Model(survey);
  model.mergeData(run.prefill);
  const asked = [];
  let error = null;
  for (let step = 0; step < 500; step++) {
    const next = nextQuestion(model);
    if (next === null) break;
    let value;
    if (next.group) value = ((run.case[next.group] || [])[next.i] || {})[next.q.name];
    else value = run.case[next.key];
    asked.push(next.key);
    if (value === undefined || value === null) { error = `no value in the case for ${next.key}`; break; }
    next.q.value = value;
  }
  const values = {};
  for (const [name, e] of Object.entries(outcomes)) {
    values[name] = { known: model.runExpression(e.known), nul: model.runExpression(e.null),
                     value: model.runExpression(e.value) };
  }
  results.push({ asked, error, decided: model.getPanelByName("decision").isVisible, outcomes: values,
                 data: model.data });
}
process.stdout.write(JSON.stringify(results));
