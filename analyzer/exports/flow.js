// askless flow engine for the browser: the next question and the decision. Two engines: the exact
// flow, a walk of the greedy decision graphs askless embeds when the finite model allows it (see
// exactNext), and three-valued (Kleene) partial evaluation with a greedy policy for the rest.
// The latter is a line-by-line port of analyzer/kleene.py (PartialEvaluation, kvalue),
// analyzer/evaluate.py (operators, functions, dates, rounding) and the greedy policy of
// analyzer/montecarlo.py simulate(); the Python code is the oracle (tests/test_export_html.py),
// with one fix in PartialEvaluation.get (see there; the test's oracle carries the same fix).
// Pure: no DOM, no network. Loaded inline by the HTML page, and by Node in the tests.
//
// Expressions arrive as JSON arrays (analyzer/exports/html.py `ast()`):
//   ["lit", v] ["name", n] ["unary", op, a] [op, l, r] ["list", ...items] ["call", f, ...args] ["if", c, a, b]
// Known differences from Python, none reachable by a type-checked rule file: JS has one number
// type (Python's `if ... then 1 else 1.0` with an unknown condition is decided here, not there);
// `not` of a list follows JS truthiness.
var AsklessFlow = (function () {
  'use strict';

  var UNKNOWN = { toString: function () { return 'UNKNOWN'; } };

  function EvalError(message) {
    this.name = 'EvalError';
    this.message = message;
  }
  EvalError.prototype = Object.create(Error.prototype);

  // -- dates: whole days since 1970-01-01 (proleptic Gregorian, UTC) ---------------------------
  function PyDate(days) { this.days = days; }
  PyDate.prototype.valueOf = function () { return this.days; };
  PyDate.prototype.parts = function () {
    var d = new Date(this.days * 86400000);
    return [d.getUTCFullYear(), d.getUTCMonth() + 1, d.getUTCDate()];
  };
  PyDate.prototype.toJSON = PyDate.prototype.toString = function () {
    var p = this.parts();
    return String(p[0]).padStart(4, '0') + '-' + String(p[1]).padStart(2, '0') + '-' + String(p[2]).padStart(2, '0');
  };
  function makeDate(y, m, d) {
    if (y < 1 || y > 9999 || m < 1 || m > 12 || d < 1 || d > daysIn(y, m)) throw new EvalError('date out of range');
    var t = new Date(0);
    t.setUTCFullYear(y, m - 1, d);
    t.setUTCHours(0, 0, 0, 0);
    return new PyDate(Math.round(t.getTime() / 86400000));
  }
  function daysIn(y, m) {
    return [31, (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0 ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][m - 1];
  }
  var ISO = /^(\d{4})-(\d{2})-(\d{2})$/;
  function fromIso(s) {
    var m = typeof s === 'string' ? ISO.exec(s) : null;
    if (!m) throw new EvalError('date(' + JSON.stringify(s) + '): not an ISO date');
    return makeDate(+m[1], +m[2], +m[3]);
  }
  // analyzer.evaluate.as_date: an ISO string is a date, anything else stays as it is
  function asDate(v) { return typeof v === 'string' && ISO.test(v) ? fromIso(v) : v; }
  function addDays(d, n) { return new PyDate(d.days + n); }
  function addMonths(d, n) {
    var p = d.parts();
    var month = p[1] - 1 + n;
    var year = p[0] + Math.floor(month / 12);
    month = ((month % 12) + 12) % 12 + 1;
    return makeDate(year, month, Math.min(p[2], daysIn(year, month)));
  }
  function lessTuple(a, b) { return a[0] < b[0] || (a[0] === b[0] && a[1] < b[1]); }

  // -- Python's comparisons ---------------------------------------------------------------------
  function pyType(v) {
    if (v === null) return 'null';
    if (v instanceof PyDate) return 'date';
    if (Array.isArray(v)) return 'list';
    return typeof v;
  }
  function pyEq(a, b) {
    if (a === null || b === null) return a === b;
    if (a instanceof PyDate || b instanceof PyDate) return a instanceof PyDate && b instanceof PyDate && a.days === b.days;
    if (Array.isArray(a) || Array.isArray(b)) {
      if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) return false;
      for (var i = 0; i < a.length; i++) if (!pyEq(a[i], b[i])) return false;
      return true;
    }
    // True == 1 in Python
    if ((typeof a === 'boolean' || typeof a === 'number') && (typeof b === 'boolean' || typeof b === 'number')) {
      return Number(a) === Number(b);
    }
    return a === b;
  }
  function order(a, b) {
    // numbers, bools, strings and dates order as in Python; a list or mixed types is a type error
    var ta = pyType(a) === 'boolean' ? 'number' : pyType(a);
    var tb = pyType(b) === 'boolean' ? 'number' : pyType(b);
    if (ta !== tb || ta === 'list') throw new EvalError('cannot compare ' + pyType(a) + ' with ' + pyType(b));
    var x = ta === 'date' ? a.days : ta === 'number' ? Number(a) : a;
    var y = tb === 'date' ? b.days : tb === 'number' ? Number(b) : b;
    return x < y ? -1 : x > y ? 1 : 0;
  }

  // -- analyzer.evaluate: operators and functions on known values -----------------------------
  function copysign(m, x) { return (x < 0 || Object.is(x, -0)) ? -Math.abs(m) : Math.abs(m); }
  function roundHalfAway(x, digits) {
    digits = digits || 0;
    var factor = Math.pow(10, Math.abs(digits));
    var scaled = digits >= 0 ? Math.abs(x) * factor : Math.abs(x) / factor;
    var rounded = Math.floor(scaled + 0.5 + 1e-9);
    if (!digits) return copysign(rounded, x) + 0; // + 0: Python's int has no -0
    return copysign(digits > 0 ? rounded / factor : rounded * factor, x);
  }
  function yearsBetween(a, b) {
    var p = a.parts(), q = b.parts();
    return q[0] - p[0] - (lessTuple([q[1], q[2]], [p[1], p[2]]) ? 1 : 0);
  }
  function monthsBetween(a, b) {
    var p = a.parts(), q = b.parts();
    return (q[0] - p[0]) * 12 + q[1] - p[1] - (q[2] < p[2] ? 1 : 0);
  }

  // evaluate._binary for everything but and/or, on known values (null handled as there)
  function binary(op, left, right, nullLiteral) {
    if (op === 'in' || op === 'not in') {
      if (left === null || right === null) return null;
      var found = right.some(function (item) { return pyEq(item, left); });
      if (!found && right.some(function (item) { return item === null; })) return null;
      return op === 'in' ? found : !found;
    }
    if (op === '==' || op === '!=') {
      var same;
      if (nullLiteral) same = left === right;
      else if (left === null || right === null) return null;
      else same = pyEq(left, right);
      return op === '==' ? same : !same;
    }
    if (left === null || right === null) return null;
    switch (op) {
      case '<': return order(left, right) < 0;
      case '<=': return order(left, right) <= 0;
      case '>': return order(left, right) > 0;
      case '>=': return order(left, right) >= 0;
      case '+':
        if (left instanceof PyDate) return addDays(left, right);
        return left + right;
      case '-':
        if (left instanceof PyDate && right instanceof PyDate) return left.days - right.days;
        if (left instanceof PyDate) return addDays(left, -right);
        return left - right;
      case '*': return left * right;
      case '/':
        if (Number(right) === 0) throw new EvalError('division by zero');
        return left / right;
    }
    throw new EvalError('unknown operator ' + op);
  }

  function call(f, args) {
    if (f === 'date') return fromIso(args[0]);
    if (args.some(function (a) { return a === null; })) return null;
    switch (f) {
      case 'min': return args.reduce(function (m, a) { return order(a, m) < 0 ? a : m; });
      case 'max': return args.reduce(function (m, a) { return order(a, m) > 0 ? a : m; });
      case 'abs': return Math.abs(args[0]);
      case 'round': return roundHalfAway(args[0], args.length > 1 ? args[1] : 0);
      case 'floor': return Math.floor(args[0]);
      case 'ceil': return Math.ceil(args[0]);
      case 'years_between': return yearsBetween(args[0], args[1]);
      case 'months_between': return monthsBetween(args[0], args[1]);
      case 'days_between': return args[1].days - args[0].days;
      case 'add_days': return addDays(args[0], args[1]);
      case 'add_months': return addMonths(args[0], args[1]);
      case 'add_years': return addMonths(args[0], 12 * args[1]);
    }
    throw new EvalError('unknown function ' + f + '()');
  }

  // -- the support: an ordered set of unknown inputs (Python's dict used as an ordered set) ------
  // `log` records every read, also of an input already in the support; an expression that turns
  // out decided takes back both its new items and its log entries (see kvalue, and get below).
  function Support() { this.items = []; this.keys = new Set(); this.log = []; }
  Support.prototype.add = function (item) {
    var k = item.join('\u0000');
    this.log.push(item);
    if (!this.keys.has(k)) { this.keys.add(k); this.items.push(item); }
  };
  Support.prototype.truncate = function (mark, logMark) {
    while (this.items.length > mark) this.keys.delete(this.items.pop().join('\u0000'));
    if (logMark !== undefined) this.log.length = Math.min(this.log.length, logMark);
  };
  Support.prototype.clear = function () { this.truncate(0, 0); };

  // -- kleene.kvalue ---------------------------------------------------------------------------
  function kvalue(node, env) {
    var tag = node[0];
    if (tag === 'lit' || tag === 'name') return kvalue1(node, env);
    var mark = env.support.items.length, logMark = env.support.log.length;
    var result = kvalue1(node, env);
    if (result !== UNKNOWN) env.support.truncate(mark, logMark);
    return result;
  }

  function kvalue1(node, env) {
    var tag = node[0];
    if (tag === 'lit') return node[1];
    if (tag === 'name') return env.get(node[1]);
    if (tag === 'unary') {
      var v = kvalue(node[2], env);
      if (v === UNKNOWN || v === null) return v;
      return node[1] === 'not' ? !v : -v;
    }
    if (tag === 'if') {
      var cond = kvalue(node[1], env);
      if (cond === UNKNOWN) {
        var a = kvalue(node[2], env), b = kvalue(node[3], env);
        return a !== UNKNOWN && b !== UNKNOWN && pyEq(a, b) && pyType(a) === pyType(b) ? a : UNKNOWN;
      }
      if (cond === null) return null;
      return kvalue(cond ? node[2] : node[3], env);
    }
    if (tag === 'list') return node.slice(1).map(function (item) { return kvalue(item, env); });
    if (tag === 'call') return kcall(node, env);
    // a binary operator
    var left, right;
    if (tag === 'and' || tag === 'or') {
      left = kvalue(node[1], env);
      right = kvalue(node[2], env);
      var stop = tag === 'or';
      if (left === stop || right === stop) return stop;
      if (left === UNKNOWN || right === UNKNOWN) return UNKNOWN;
      if (left === null || right === null) return null;
      return !stop;
    }
    left = kvalue(node[1], env);
    right = kvalue(node[2], env);
    if (left === UNKNOWN || right === UNKNOWN || (Array.isArray(right) && right.indexOf(UNKNOWN) >= 0)) return UNKNOWN;
    var nullLiteral = isNullLiteral(node[1]) || isNullLiteral(node[2]);
    if (!nullLiteral && (left === null || right === null)) return null;
    return binary(tag, left, right, nullLiteral);
  }
  function isNullLiteral(node) { return node[0] === 'lit' && node[1] === null; }

  function kcall(node, env) {
    var f = node[1];
    if (f === 'count' || f === 'sum' || f === 'any' || f === 'all') {
      var members = env.members(node[2][1]);
      if (members === UNKNOWN) return UNKNOWN;
      if (f === 'count' && node.length === 3) return members.length;
      var results = members.map(function (m) { return kvalue(node[3], m); });
      var has = function (x) { return results.indexOf(x) >= 0; };
      if (f === 'any') {
        if (results.some(function (r) { return r === true; })) return true;
        return has(UNKNOWN) ? UNKNOWN : has(null) ? null : false;
      }
      if (f === 'all') {
        if (results.some(function (r) { return r === false; })) return false;
        return has(UNKNOWN) ? UNKNOWN : has(null) ? null : true;
      }
      if (has(UNKNOWN)) return UNKNOWN;
      if (has(null)) return null;
      if (f === 'sum') return results.reduce(function (s, r) { return s + r; }, 0);
      return results.filter(function (r) { return r && !(Array.isArray(r) && r.length === 0); }).length;
    }
    var args = node.slice(2).map(function (a) { return kvalue(a, env); });
    if (args.some(function (a) { return a === UNKNOWN; })) return UNKNOWN;
    return call(f, args);
  }

  // -- kleene.PartialEvaluation ------------------------------------------------------------------
  // `answers` is a case: {fact: value, group: [{fact: value}, ...]}; a fact absent is unknown.
  function PartialEvaluation(data, answers, group, parent, support, index) {
    this.data = data;
    this.answers = answers;
    this.group = group || null;
    this.parent = parent || null;
    this.support = support || new Support();
    this.index = index || null;
    this.cache = new Map();
    this.reads = new Map();
    this.active = new Set();
    this.memberCache = new Map();
  }
  var P = PartialEvaluation.prototype;

  P.get = function (name) {
    if (this.cache.has(name)) {
      var cached = this.cache.get(name);
      if (cached === UNKNOWN) (this.reads.get(name) || []).forEach(this.support.add, this.support);
      return cached;
    }
    if (this.active.has(name)) throw new EvalError("'" + name + "' depends on itself");
    // `reads` holds every unknown input the computation read (and did not take back), also those
    // an enclosing expression had already read: the support's log, not its new items (as in
    // analyzer/kleene.py: else a derived value cached as unknown adds back too little later, and
    // its outcome is left undecided with nothing to ask).
    var logMark = this.support.log.length;
    this.active.add(name);
    var value;
    try { value = this.compute(name); } finally { this.active.delete(name); }
    this.cache.set(name, value);
    if (value === UNKNOWN) {
      var seen = new Set(), read = [];
      this.support.log.slice(logMark).forEach(function (item) {
        var k = item.join('\u0000');
        if (!seen.has(k)) { seen.add(k); read.push(item); }
      });
      this.reads.set(name, read);
    }
    return value;
  };

  P.compute = function (name) {
    var d = this.data;
    if (this.group !== null && Object.prototype.hasOwnProperty.call(d.groups[this.group].facts, name)) {
      return this.fact(d.groups[this.group].facts[name]);
    }
    if (this.parent !== null) return this.parent.get(name);
    if (Object.prototype.hasOwnProperty.call(d.facts, name)) return this.fact(d.facts[name]);
    if (Object.prototype.hasOwnProperty.call(d.constants, name)) return asDate(d.constants[name]);
    if (Object.prototype.hasOwnProperty.call(d.outcomeIndex, name)) return this.outcome(d.outcomes[d.outcomeIndex[name]]);
    if (Object.prototype.hasOwnProperty.call(d.groups, name)) {
      var members = this.members(name);
      return members === UNKNOWN ? UNKNOWN : members.length;
    }
    throw new EvalError("unknown name '" + name + "'");
  };

  P.formula = function (tree) { return kvalue(tree, this); };

  P.members = function (group) {
    if (this.parent !== null) return this.parent.members(group);
    if (!this.memberCache.has(group)) {
      var count = this.get(this.data.groups[group].count);
      var found = UNKNOWN;
      if (count !== UNKNOWN && count !== null) {
        var rows = this.answers[group] || [];
        found = [];
        for (var i = 0; i < Math.trunc(count); i++) {
          found.push(new PartialEvaluation(this.data, rows[i] || {}, group, this, this.support, i + 1));
        }
      }
      this.memberCache.set(group, found);
    }
    return this.memberCache.get(group);
  };

  P.fact = function (fact) {
    if (fact.applies_if) {
      var held = this.formula(fact.applies_if);
      if (held === UNKNOWN) return UNKNOWN; // shown only once it applies: its condition is the support
      if (held !== true) return asDate(fact.default);
    }
    if (fact.derive) return this.formula(fact.derive);
    if (!Object.prototype.hasOwnProperty.call(this.answers, fact.name)) {
      this.support.add([this.group, this.index, fact.name]);
      return UNKNOWN;
    }
    return asDate(this.answers[fact.name]);
  };

  P.outcome = function (o) {
    if (o.applies_if) {
      var held = this.formula(o.applies_if);
      if (held === UNKNOWN) { this.touch(o); return UNKNOWN; }
      if (held !== true) return null;
    }
    if (o.kind === 'when' || o.kind === 'value') return this.formula(o.kind === 'when' ? o.when : o.value);
    if (o.kind === 'items') {
      var chosen = [], undecided = false;
      for (var i = 0; i < o.items.length; i++) {
        var v = this.formula(o.items[i].when);
        undecided = undecided || v === UNKNOWN;
        if (v === true) chosen.push(o.items[i].name);
      }
      return undecided ? UNKNOWN : chosen.sort(function (a, b) { return a < b ? -1 : a > b ? 1 : 0; });
    }
    for (var k = 0; k < o.cases.length; k++) {
      var c = o.cases[k];
      if (c.when) {
        var cond = this.formula(c.when);
        if (cond === UNKNOWN) { this.touch(o); return UNKNOWN; }
        if (cond === null) return null;
        if (!cond) continue;
      }
      return c.value ? this.formula(c.value) : c.then;
    }
    return null;
  };

  // Read every formula of an undecided outcome, so its support is complete
  P.touch = function (o) {
    var formulas = [o.applies_if, o.when, o.value];
    o.cases.forEach(function (c) { formulas.push(c.when, c.value); });
    o.items.forEach(function (item) { formulas.push(item.when); });
    formulas = formulas.filter(Boolean).slice(o.applies_if ? 1 : 0);
    for (var i = 0; i < formulas.length; i++) this.formula(formulas[i]);
  };

  // Per undecided outcome, the unknown inputs its evaluation touches: Map name -> [[group, index, fact]]
  P.supports = function () {
    var found = new Map();
    for (var i = 0; i < this.data.outcomes.length; i++) {
      var name = this.data.outcomes[i].name;
      this.support.clear();
      if (this.get(name) === UNKNOWN) found.set(name, this.support.items.slice());
    }
    this.support.clear();
    return found;
  };

  // -- the flow -------------------------------------------------------------------------------
  function key(item) { return item[0] === null ? item[2] : item[0] + '[' + item[1] + '].' + item[2]; }

  function factOf(data, item) { return item[0] === null ? data.facts[item[2]] : data.groups[item[0]].facts[item[2]]; }

  // -- the exact flow: walking the decision graphs of `askless flow --format json` ---------------
  // data.dag (analyzer/exports/html.py _dag) holds, per independent component, the greedy decision
  // graph of the finite model; a walk from its root by the answers' classes (and the atoms the
  // answers decide) reaches the component's next question or its decision. This is what
  // analyzer.flow.Flow.next does on the finite model. null: no graph, or the answers leave it
  // (an answer outside the classes the priors allow); the caller then uses three-valued evaluation.

  function itemOf(id) {
    var m = /^(\w+)\[(\d+)\]\.(\w+)$/.exec(id);
    return m ? [m[1], Number(m[2]), m[3]] : [null, null, id];
  }
  function answered(answers, item) {
    var where = item[0] === null ? answers : ((answers[item[0]] || [])[item[1] - 1] || {});
    return Object.prototype.hasOwnProperty.call(where, item[2]);
  }
  function answerOf(answers, item) {
    var where = item[0] === null ? answers : ((answers[item[0]] || [])[item[1] - 1] || {});
    return Object.prototype.hasOwnProperty.call(where, item[2]) ? asDate(where[item[2]]) : null;
  }

  // analyzer.rows.class_of, by label: 'does not apply' for null; null outside every class
  function classOf(data, id, value) {
    if (value === null) return 'does not apply';
    var classes = data.dag.classes[id] || [];
    var fact = factOf(data, itemOf(id));
    for (var k = 0; k < classes.length; k++) {
      var c = classes[k];
      if (c.point) {
        if (typeof c.rep === 'boolean' ? value === c.rep : typeof value !== 'boolean' && pyEq(c.rep, value)) return c.label;
        continue;
      }
      if (fact.type === 'text') {
        var known = classes.some(function (x) { return x.rep === value; });
        if (c.rep === value || (c.rep === '\u0000other' && !known)) return c.label;
        continue;
      }
      var lo = asDate(c.lo), hi = asDate(c.hi);
      if ((lo === null || order(value, lo) >= 0) && (hi === null || order(value, hi) < 0)) return c.label;
    }
    return null;
  }

  function atomsHold(data, ev, atoms) {
    if (!atoms) return true;
    return Object.keys(atoms).every(function (text) {
      var atom = data.dag.atoms[text];
      var env = atom.group === null ? ev : ev.members(atom.group);
      if (env === UNKNOWN) return false;
      if (atom.group !== null) env = env[atom.copy - 1];
      if (!env) return false;
      return (kvalue(atom.tree, env) === true) === atoms[text];
    });
  }

  function exactNext(data, answers) {
    if (!data.dag) return null;
    var ev = new PartialEvaluation(data, answers);
    var pending = null, decisions = [];
    for (var c = 0; c < data.dag.components.length; c++) {
      var nodes = data.dag.components[c].nodes, node = nodes[0];
      for (var guard = 0; guard <= nodes.length; guard++) {
        if (node.kind === 'decision') {
          if (!node.decided) return null;
          decisions.push(node);
          break;
        }
        var edge;
        if (node.kind === 'prefilled') {
          var ask = prefillStep(data, ev, answers, node.facts);
          if (ask === undefined) return null;
          if (ask !== null) return ask;
          edge = node.edges.filter(function (e) {
            return Object.keys(e.given).every(function (id) {
              return classOf(data, id, answerOf(answers, itemOf(id))) === e.given[id];
            }) && atomsHold(data, ev, e.atoms);
          })[0];
        } else {
          var item = itemOf(node.variable);
          if (!answered(answers, item)) {
            if (pending === null || data.order[node.variable] < data.order[pending.variable]) pending = node;
            break;
          }
          var label = classOf(data, node.variable, answerOf(answers, item));
          edge = node.edges.filter(function (e) { return e.label === label && atomsHold(data, ev, e.atoms); })[0];
        }
        if (!edge) return null;
        node = nodes[edge.to];
      }
    }
    if (pending !== null) {
      var it = itemOf(pending.variable);
      return { kind: 'question', item: it, key: pending.variable, fact: factOf(data, it), why: pending.why, exact: true };
    }
    var outcomes = decide(data, answers);
    decisions.forEach(function (d) {
      Object.keys(d.outcomes).forEach(function (name) {
        var v = d.outcomes[name];
        // three-valued evaluation cannot see every decision (x or not x): the graph can
        if (outcomes[name] === UNKNOWN && !(v !== null && typeof v === 'object' && !Array.isArray(v))) outcomes[name] = v;
      });
    });
    return { kind: 'decision', outcomes: outcomes, exact: true };
  }

  // The register step a prefilled node still needs (null: all known; undefined: cannot tell). A
  // register fact whose applies_if does not hold is not asked: it does not apply.
  function prefillStep(data, ev, answers, facts) {
    var waiting = false;
    for (var i = 0; i < facts.length; i++) {
      var item = itemOf(facts[i]);
      if (answered(answers, item)) continue;
      var fact = factOf(data, item);
      var held = true;
      if (fact.applies_if) {
        var env = ev;
        if (item[0] !== null) {
          var members = ev.members(item[0]);
          env = members === UNKNOWN ? null : members[item[1] - 1];
        }
        held = env ? kvalue(fact.applies_if, env) : UNKNOWN;
      }
      if (held === UNKNOWN) { waiting = true; continue; }
      if (held !== true) continue;
      return { kind: 'register', item: item, key: facts[i], fact: fact, why: [], exact: true };
    }
    // null: every register fact is known or does not apply; undefined: one waits for a question
    return waiting ? undefined : null;
  }

  // The next step given the answers: {kind: 'question' | 'register', item, key, fact, why, exact}
  // or {kind: 'decision', outcomes: {name: value}, exact}. The exact flow when the page holds its
  // graphs (exactNext), else greedy three-valued evaluation as analyzer.montecarlo.simulate: the
  // candidate read by the most undecided outcomes (per second of answering time with the time
  // objective), ties in rule-file order (data.order). In
  // logged_in mode a register fact some outcome still reads comes first: it is prefilled, not asked.
  function next(data, answers) {
    var exact = exactNext(data, answers);
    return exact !== null ? exact : kleeneNext(data, answers);
  }

  // The candidate's greedy score: the undecided outcomes that read it, per second of answering
  // time with the time objective (data.seconds by fact, as analyzer.montecarlo.simulate)
  function score(data, weight, item) {
    if (data.objective !== 'time') return weight;
    return weight / data.seconds[item[0] === null ? item[2] : item[0] + '.' + item[2]];
  }

  function kleeneNext(data, answers) {
    var supports = new PartialEvaluation(data, answers).supports();
    var weight = new Map(), items = new Map();
    supports.forEach(function (support) {
      support.forEach(function (item) {
        var k = key(item);
        items.set(k, item);
        weight.set(k, (weight.get(k) || 0) + 1);
      });
    });
    var best = null, bestScore = null, bestRegister = null;
    items.forEach(function (item, k) {
      var rank = data.order[k];
      if (rank === undefined) return;
      var fact = factOf(data, item);
      if (data.mode === 'logged_in' && fact.kind === 'register') {
        if (bestRegister === null || rank < data.order[bestRegister]) bestRegister = k;
        return;
      }
      var mine = score(data, weight.get(k), item);
      if (best === null || mine > bestScore || (mine === bestScore && rank < data.order[best])) {
        best = k;
        bestScore = mine;
      }
    });
    var chosen = bestRegister !== null ? bestRegister : best;
    if (chosen === null) return { kind: 'decision', outcomes: decide(data, answers), exact: false };
    var why = [];
    supports.forEach(function (support, outcome) {
      if (support.some(function (item) { return key(item) === chosen; })) why.push(outcome);
    });
    var it = items.get(chosen);
    return { kind: bestRegister !== null ? 'register' : 'question', item: it, key: chosen, fact: factOf(data, it), why: why,
      exact: false };
  }

  // Every outcome's value; UNKNOWN for one the answers do not decide
  function decide(data, answers) {
    var ev = new PartialEvaluation(data, answers);
    var out = {};
    data.outcomes.forEach(function (o) { out[o.name] = ev.get(o.name); });
    return out;
  }

  // Store an answer under its item in a copy of answers (members as a list of mappings)
  function withAnswer(answers, item, value) {
    var copy = JSON.parse(JSON.stringify(answers));
    if (item[0] === null) copy[item[2]] = value;
    else {
      var rows = copy[item[0]] || (copy[item[0]] = []);
      while (rows.length < item[1]) rows.push({});
      rows[item[1] - 1][item[2]] = value;
    }
    return copy;
  }

  // Parse and check one answer as analyzer.flow.Flow.check does; {value} or {error} (Danish text).
  // Numbers accept Danish notation: 171.500 and 1.234,5 (a comma is the decimal mark).
  function check(fact, raw) {
    var t = fact.type;
    var text = raw === null || raw === undefined ? '' : String(raw).trim();
    if (t === 'bool') {
      if (text === 'true') return { value: true };
      if (text === 'false') return { value: false };
      return { error: 'Vælg ja eller nej.' };
    }
    if (t === 'choice') {
      var ok = fact.choices.some(function (c) { return c[0] === text; });
      return ok ? { value: text } : { error: 'Vælg en af mulighederne.' };
    }
    if (t === 'text') return text ? { value: text } : { error: 'Skriv et svar.' };
    var value, low = fact.min, high = fact.max, shown;
    if (t === 'date') {
      try { value = fromIso(text); } catch (e) { return { error: 'Skriv en dato som ÅÅÅÅ-MM-DD.' }; }
      low = low === null || low === undefined ? null : fromIso(low);
      high = high === null || high === undefined ? null : fromIso(high);
      shown = function (d) { return d.toString(); };
    } else {
      value = parseNumber(text);
      if (value === null) return { error: t === 'int' ? 'Skriv et helt tal.' : 'Skriv et tal.' };
      if (t === 'int' && !Number.isInteger(value)) return { error: 'Skriv et helt tal.' };
      shown = formatNumber;
    }
    if (low !== null && low !== undefined && order(value, low) < 0) return { error: 'Svaret skal være mindst ' + shown(low) + '.' };
    if (high !== null && high !== undefined && order(value, high) > 0) return { error: 'Svaret må højst være ' + shown(high) + '.' };
    return { value: t === 'date' ? value.toString() : value };
  }

  function parseNumber(text) {
    var s = text.replace(/[\s\u00a0]/g, '');
    if (/^-?\d{1,3}(\.\d{3})+(,\d+)?$/.test(s)) s = s.replace(/\./g, '').replace(',', '.');
    else s = s.replace(',', '.');
    if (!/^-?(\d+\.?\d*|\.\d+)$/.test(s)) return null;
    var n = Number(s);
    return isFinite(n) ? n : null;
  }

  // Danish notation: 171.500 and 1.234,56
  function formatNumber(n) {
    if (typeof n !== 'number') return String(n);
    var negative = n < 0;
    var parts = Math.abs(n).toFixed(Number.isInteger(n) ? 0 : 2).split('.');
    var whole = parts[0].replace(/\B(?=(\d{3})+(?!\d))/g, '.');
    return (negative ? '-' : '') + whole + (parts[1] ? ',' + parts[1] : '');
  }

  return {
    UNKNOWN: UNKNOWN, EvalError: EvalError, PyDate: PyDate, PartialEvaluation: PartialEvaluation, Support: Support,
    kvalue: kvalue, next: next, kleeneNext: kleeneNext, exactNext: exactNext, decide: decide, withAnswer: withAnswer, check: check, key: key,
    parseNumber: parseNumber, formatNumber: formatNumber, roundHalfAway: roundHalfAway, asDate: asDate,
  };
})();

if (typeof module === 'object' && module.exports) module.exports = AsklessFlow;
