// askless HTML flow page: one question at a time, back, "why do we ask?", validation, decision.
// Draws with the DOM only (textContent, never innerHTML with data); the logic is flow.js.
// Hooks for tests and integrations: the step form carries data-kind ("question" | "register"),
// data-key ("alder", "voksne[2].indkomst") and data-type; the decision carries data-asked,
// data-static, and each outcome row data-outcome with data-value (its value as JSON).
(function () {
  'use strict';
  var F = AsklessFlow;
  var data = JSON.parse(document.getElementById('askless-data').textContent);
  var app = document.getElementById('app');
  // history: the steps answered, in order: {item, kind, value}
  var history = [];
  var answers = {};
  var serial = 0;

  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) {
      if (attrs[k] === null || attrs[k] === undefined || attrs[k] === false) return;
      if (k === 'text') node.textContent = attrs[k];
      else if (k.slice(0, 2) === 'on') node.addEventListener(k.slice(2), attrs[k]);
      else node.setAttribute(k, attrs[k] === true ? '' : attrs[k]);
    });
    (children || []).forEach(function (c) { if (c) node.appendChild(typeof c === 'string' ? document.createTextNode(c) : c); });
    return node;
  }
  function da(text) { return text ? text.da : null; }
  function en(text) { return text && text.en ? text.en : null; }
  function outcome(name) { return data.outcomes[data.outcomeIndex[name]]; }

  function rebuild() {
    answers = {};
    history.forEach(function (h) { answers = F.withAnswer(answers, h.item, h.value); });
  }
  function asked() { return history.filter(function (h) { return h.kind === 'question'; }).length; }

  function show() {
    var step;
    try {
      step = F.next(data, answers);
    } catch (err) {
      app.replaceChildren(el('p', { class: 'error', role: 'alert', text: 'Reglerne kan ikke beregnes for disse svar: ' + err.message }));
      return;
    }
    if (step.kind === 'decision') drawDecision(step.outcomes);
    else drawStep(step);
  }

  // -- one question ---------------------------------------------------------------------------
  function label(step) {
    var fact = step.fact;
    var text = da(fact.ask) || fact.name;
    if (step.item[0] !== null) {
      var group = data.groups[step.item[0]];
      text = (da(group.title) || step.item[0]) + ', nr. ' + step.item[1] + ': ' + text;
    }
    return text;
  }

  function drawStep(step) {
    var fact = step.fact;
    var id = 'q' + (++serial);
    var previous = null;
    var redo = history.length && history[history.length - 1].redo;
    if (redo) previous = history.pop().value;
    var register = step.kind === 'register';
    var heading = register ? 'Fra registrene (forudfyldes efter MitID-log-in)' : 'Spørgsmål ' + (asked() + 1);
    var errorId = id + '-error';
    var input = inputFor(step, id, errorId, previous);
    var form = el('form', { class: 'step', novalidate: true, 'data-kind': step.kind, 'data-key': step.key,
      'data-type': fact.type, 'aria-labelledby': id + '-h', onsubmit: function (e) { e.preventDefault(); submit(step, form, errorId); } }, [
      el('h2', { id: id + '-h', tabindex: '-1', text: heading }),
      register ? el('p', { class: 'register', text: 'I den rigtige selvbetjening hentes denne oplysning fra ' +
        (fact.register || 'registeret') + ' og spørges ikke. Her kan du skrive den for at afprøve forløbet.' }) : null,
      input,
      fact.help ? el('details', { class: 'help' }, [el('summary', { text: 'Hjælp' }), el('p', { text: da(fact.help) })]) : null,
      why(step),
      el('p', { id: errorId, class: 'error', role: 'alert' }),
      el('div', { class: 'buttons' }, [
        history.length ? el('button', { type: 'button', class: 'secondary', 'data-action': 'back', onclick: back, text: 'Tilbage' }) : null,
        el('button', { type: 'submit', 'data-action': 'next', text: 'Næste' }),
      ]),
      el('p', { class: 'progress', text: 'Besvaret indtil nu: ' + asked() + ' spørgsmål.' }),
    ]);
    app.replaceChildren(form);
    var first = form.querySelector('input, select');
    (first || form.querySelector('h2')).focus();
  }

  function inputFor(step, id, errorId, previous) {
    var fact = step.fact;
    var t = fact.type;
    var text = label(step);
    if (t === 'bool' || t === 'choice') {
      var options = t === 'bool' ? [['true', 'Ja'], ['false', 'Nej']] :
        fact.choices.map(function (c) { return [c[0], da(c[1]) || c[0]]; });
      return el('fieldset', { 'aria-describedby': errorId }, [el('legend', { text: text })].concat(options.map(function (o, i) {
        var oid = id + '-' + i;
        return el('div', { class: 'option' }, [
          el('input', { type: 'radio', id: oid, name: 'answer', value: o[0],
            checked: previous !== null && String(previous) === o[0] }),
          el('label', { for: oid, text: o[1] }),
        ]);
      })));
    }
    var hint = [];
    if (fact.unit) hint.push('Enhed: ' + fact.unit + '.');
    if (t === 'int') hint.push('Et helt tal.');
    if (t === 'number' || t === 'money') hint.push('Et tal; brug komma som decimaltegn.');
    if (t === 'date') hint.push('En dato, ÅÅÅÅ-MM-DD.');
    if (fact.min !== null && fact.min !== undefined) hint.push('Mindst ' + F.formatNumber(fact.min) + '.');
    if (fact.max !== null && fact.max !== undefined) hint.push('Højst ' + F.formatNumber(fact.max) + '.');
    var attrs = { id: id, name: 'answer', type: t === 'date' ? 'date' : 'text', 'aria-describedby': id + '-hint ' + errorId,
      autocomplete: 'off', value: previous === null ? null : (typeof previous === 'number' ? F.formatNumber(previous).replace(/\./g, '') : String(previous)) };
    if (t === 'int') attrs.inputmode = 'numeric';
    if (t === 'number' || t === 'money') attrs.inputmode = 'decimal';
    return el('div', { class: 'field' }, [
      el('label', { for: id, text: text }),
      el('p', { id: id + '-hint', class: 'hint', text: hint.join(' ') }),
      el('input', attrs),
    ]);
  }
  function why(step) {
    if (!step.why.length) return null;
    var list = el('ul', {}, step.why.map(function (name) {
      var o = outcome(name);
      return el('li', { 'data-why': name }, [(da(o.title) || name) + (o.law ? ' (' + o.law + ')' : '')]);
    }));
    var laws = [];
    if (step.fact.law) laws.push(step.fact.law);
    step.why.forEach(function (name) { var l = outcome(name).law; if (l && laws.indexOf(l) < 0) laws.push(l); });
    return el('details', { class: 'why' }, [
      el('summary', { text: 'Hvorfor spørger vi? / Why do we ask?' }),
      el('p', { text: step.why.length === 1 ? 'Dit svar kan stadig ændre denne afgørelse:' : 'Dit svar kan stadig ændre disse afgørelser:' }),
      list,
      laws.length ? el('p', { class: 'law', text: 'Lovgrundlag: ' + laws.join('; ') + '.' }) : null,
    ]);
  }

  function submit(step, form, errorId) {
    var raw;
    if (step.fact.type === 'bool' || step.fact.type === 'choice') {
      var checked = form.querySelector('input[name="answer"]:checked');
      raw = checked ? checked.value : '';
    } else {
      raw = form.querySelector('input[name="answer"]').value;
    }
    var result = F.check(step.fact, raw);
    var error = document.getElementById(errorId);
    var field = form.querySelector('input[name="answer"]');
    if (result.error) {
      error.textContent = result.error;
      form.querySelectorAll('input[name="answer"]').forEach(function (i) { i.setAttribute('aria-invalid', 'true'); });
      field.focus();
      return;
    }
    history.push({ item: step.item, kind: step.kind, value: result.value });
    rebuild();
    show();
  }

  function back() {
    if (!history.length) return;
    history[history.length - 1].redo = true;
    var last = history[history.length - 1];
    // the answers without the last one give back its question, with the answer filled in
    answers = {};
    history.slice(0, -1).forEach(function (h) { answers = F.withAnswer(answers, h.item, h.value); });
    show();
  }

  // -- the decision -----------------------------------------------------------------------------
  function format(o, value) {
    if (value === F.UNKNOWN) return 'ikke afgjort';
    if (value === null) return 'ikke relevant';
    if (value === true) return 'Ja';
    if (value === false) return 'Nej';
    if (Array.isArray(value)) {
      if (!value.length) return 'ingen';
      return value.map(function (name) {
        var item = o.items.filter(function (i) { return i.name === name; })[0];
        return item && da(item.title) ? da(item.title) : name;
      }).join('; ');
    }
    if (typeof value === 'number') return F.formatNumber(value) + (o.unit ? ' ' + o.unit : '');
    // a case's result is an identifier (koeb_ekstra_saek): shown as words
    var words = String(value).replace(/_/g, ' ');
    return words.charAt(0).toUpperCase() + words.slice(1);
  }

  // The law of the outcome, or of the case that decided it (mirrors flow.js's outcome())
  function lawOf(o) {
    if (o.law || o.kind !== 'cases') return o.law || '';
    var ev = new F.PartialEvaluation(data, answers);
    if (o.applies_if && ev.formula(o.applies_if) !== true) return '';
    for (var i = 0; i < o.cases.length; i++) {
      var c = o.cases[i];
      var held = c.when ? ev.formula(c.when) : true;
      if (held === true) return c.law || '';
      if (held !== false) return '';
    }
    return '';
  }

  function staticCount() {
    var n = data.static.top, unknown = [];
    Object.keys(data.static.groups).forEach(function (g) {
      var per = data.static.groups[g];
      if (!per) return;
      var count = new F.PartialEvaluation(data, answers).get(data.groups[g].count);
      if (count === F.UNKNOWN || count === null) unknown.push(g);
      else n += Math.trunc(count) * per;
    });
    return { n: n, exact: unknown.length === 0 };
  }

  function drawDecision(outcomes) {
    var n = asked(), s = staticCount();
    var rows = data.outcomes.map(function (o) {
      var v = outcomes[o.name];
      return el('tr', { 'data-outcome': o.name, 'data-value': v === F.UNKNOWN ? '"UNKNOWN"' : JSON.stringify(v) }, [
        el('th', { scope: 'row' }, [da(o.title) || o.name, en(o.title) ? el('span', { lang: 'en', class: 'en', text: en(o.title) }) : null]),
        el('td', { text: format(o, v) }),
        el('td', { class: 'law', text: lawOf(o) }),
      ]);
    });
    var staticText = (s.exact ? '' : 'mindst ') + s.n;
    var section = el('section', { class: 'decision', 'data-decision': true, 'data-asked': n, 'data-static': s.n,
      'aria-labelledby': 'decision-h' }, [
      el('h2', { id: 'decision-h', tabindex: '-1', text: 'Afgørelse' }),
      el('table', {}, [
        el('caption', { text: 'Hvad reglerne afgør ud fra dine svar' }),
        el('thead', {}, [el('tr', {}, [el('th', { scope: 'col', text: 'Afgørelse' }), el('th', { scope: 'col', text: 'Resultat' }),
          el('th', { scope: 'col', text: 'Lovgrundlag' })])]),
        el('tbody', {}, rows),
      ]),
      el('p', { class: 'count', text: 'Du svarede på ' + n + ' spørgsmål. Den statiske blanket stiller ' + staticText +
        ' (alle blankettens spørgsmål' + (data.mode === 'logged_in' ? ' undtagen dem, der forudfyldes fra registrene' : '') +
        ', spørgsmål om hver person én gang pr. person' + (s.exact ? '' : '; antallet af personer kendes ikke') +
        '). Begge tal er nøjagtige optællinger for dine svar.' }),
      el('div', { class: 'buttons' }, [
        history.length ? el('button', { type: 'button', class: 'secondary', 'data-action': 'back', onclick: back, text: 'Tilbage' }) : null,
        el('button', { type: 'button', 'data-action': 'restart', onclick: restart, text: 'Start forfra' }),
      ]),
    ]);
    app.replaceChildren(section);
    section.querySelector('h2').focus();
  }

  function restart() {
    history = [];
    answers = {};
    show();
  }

  show();
})();
