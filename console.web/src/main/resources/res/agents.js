// The Agents section of the web console: plain JavaScript over the JSON API beside it.
// Every value shown is set as text (never as HTML): owners, programs and audit details are data.
(function () {
  'use strict';
  var box = document.getElementById('agentos');
  // from the origin: a page opened as http://user:password@host/... would make relative URLs carry
  // the credentials, and fetch() refuses those
  var root = location.origin + box.dataset.root;
  var admin = box.dataset.admin === 'true';
  var view = document.getElementById('agentos-view');
  var message = document.getElementById('agentos-message');
  var timer = null;

  function el(tag, attrs, children) {
    var e = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) {
      if (k === 'text') e.textContent = attrs[k];
      else if (k === 'onclick') e.onclick = attrs[k];
      else if (k === 'className') e.className = attrs[k];
      else e.setAttribute(k, attrs[k]);
    });
    (children || []).forEach(function (c) { if (c) e.appendChild(c); });
    return e;
  }
  function say(text, ok) { message.textContent = text; message.className = ok ? 'ok' : 'error'; }
  function get(name, params) {
    var q = new URLSearchParams();
    Object.keys(params || {}).forEach(function (k) { if (params[k] !== null && params[k] !== undefined && params[k] !== '') q.set(k, params[k]); });
    return fetch(root + '/' + name + '.json?' + q.toString(), { credentials: 'same-origin' }).then(answer);
  }
  function post(name, params) {
    return fetch(root + '/' + name + '.json?' + new URLSearchParams(params).toString(),
      { method: 'POST', credentials: 'same-origin', headers: { 'X-Agentos-Request': 'agents' } }).then(answer);
  }
  function answer(r) {
    return r.json().then(function (body) {
      if (!r.ok) throw new Error((body.errno || r.status) + ': ' + (body.message || r.statusText));
      return body;
    });
  }
  function fail(e) { say(e.message, false); }
  function every(ms, f) { if (timer) clearInterval(timer); timer = setInterval(f, ms); f(); }
  function fmt(n, digits) { return typeof n === 'number' ? n.toLocaleString('en-US', { maximumFractionDigits: digits === undefined ? 1 : digits }) : (n === undefined || n === null ? '' : String(n)); }
  function table(id, columns, rows, onHeader, sortKey, desc) {
    var head = el('tr', {}, columns.map(function (c) {
      var th = el('th', { text: c.title + (c.sort && sortKey === c.sort ? (desc ? ' \u25bc' : ' \u25b2') : '') });
      if (c.sort && onHeader) { th.className = 'sortable'; th.setAttribute('data-sort', c.sort); th.onclick = function () { onHeader(c.sort); }; }
      return th;
    }));
    var body = el('tbody', {}, rows.map(function (r) {
      return el('tr', { 'data-pid': r.pid === undefined ? '' : r.pid }, columns.map(function (c) {
        var v = c.value(r);
        var td = el('td', { className: c.num ? 'num' : c.wrap ? 'wrap' : '' });
        if (v instanceof Node) td.appendChild(v); else td.textContent = c.num ? fmt(v) : (v === undefined || v === null ? '' : String(v));
        return td;
      }));
    }));
    return el('table', { id: id, className: 'agentos' }, [el('thead', {}, [head]), body]);
  }
  function quotas(q) {
    var names = { cpuNanos: 'CPU', wallMillis: 'wall time', syscalls: 'syscalls', bytes: 'bytes', tokens: 'tokens' };
    var set = Object.keys(q || {}).filter(function (k) { return q[k] < 4e18; }).map(function (k) {
      return (names[k] || k) + ' ' + (k === 'cpuNanos' ? fmt(q[k] / 1e6) + ' ms' : k === 'wallMillis' ? fmt(q[k] / 1000) + ' s' : fmt(q[k], 0));
    });
    return set.length ? set.join(', ') : 'unlimited';
  }
  function pidLink(pid) { return el('a', { href: '#', text: String(pid), onclick: function (ev) { ev.preventDefault(); showProcess(pid); } }); }

  // ---------------------------------------------------------------- processes
  // an administrator sees every owner; anyone else their own, as at the console
  var ps = { sort: 'pid', desc: false, owner: admin ? '' : box.dataset.user, state: '', program: '', page: {}, data: null };
  function processes() {
    view.textContent = '';
    var owner = el('input', { id: 'agentos-owner', placeholder: 'owner', value: ps.owner });
    var program = el('input', { id: 'agentos-program', placeholder: 'program', value: ps.program });
    var state = el('select', { id: 'agentos-state' }, ['', 'NEW', 'READY', 'RUNNING', 'BLOCKED', 'PAUSED', 'EXITED', 'KILLED'].map(function (s) {
      var o = el('option', { value: s, text: s || 'any state' }); if (s === ps.state) o.selected = true; return o;
    }));
    var apply = el('button', { id: 'agentos-filter', text: 'Filter', onclick: function () {
      ps.owner = owner.value.trim(); ps.program = program.value.trim(); ps.state = state.value; ps.page = {}; load();
    } });
    var rowsLine = el('span', { id: 'agentos-rows' });
    function pageButton(id, text, page) { return el('button', { id: id, text: text, onclick: function () { var p = page(); if (p) { ps.page = p; load(); } } }); }
    var pager = el('div', { className: 'pager' }, [
      pageButton('agentos-first', '\u00ab First', function () { return {}; }),
      pageButton('agentos-prev', '\u2039 Prev', function () { return ps.data && ps.data.ahead > 0 ? { before: ps.data.first } : null; }),
      pageButton('agentos-next', 'Next \u203a', function () { return ps.data && ps.data.ahead + ps.data.processes.length < ps.data.matching ? { after: ps.data.last } : null; }),
      pageButton('agentos-last', 'Last \u00bb', function () { return { last: true }; }), rowsLine]);
    var holder = el('div', { id: 'agentos-table' });
    view.appendChild(el('div', { className: 'filters' }, [owner, program, state, apply]));
    view.appendChild(pager);
    view.appendChild(holder);
    view.appendChild(el('div', { id: 'agentos-detail', className: 'detail' }));
    function load() {
      var q = { sort: ps.sort, desc: ps.desc, owner: ps.owner, program: ps.program, state: ps.state, limit: 50,
        after: ps.page.after, before: ps.page.before, last: ps.page.last ? 'true' : '' };
      get('processes', q).then(function (d) {
        ps.data = d;
        var from = d.processes.length ? d.ahead + 1 : 0;
        rowsLine.textContent = 'rows ' + fmt(from, 0) + '\u2013' + fmt(d.ahead + d.processes.length, 0) + ' of ' + fmt(d.matching, 0);
        holder.textContent = '';
        holder.appendChild(table('agentos-processes', [
          { title: 'PID', sort: 'pid', value: function (r) { return pidLink(r.pid); } },
          { title: 'OWNER', sort: 'owner', value: function (r) { return r.owner; } },
          { title: 'PROGRAM', sort: 'program', value: function (r) { return r.program; } },
          { title: 'STATE', sort: 'state', value: function (r) { return r.state + (r.waitingOn ? ' (' + r.waitingOn + ')' : ''); } },
          { title: 'CPU ms', sort: 'cpu', num: true, value: function (r) { return r.cpuMs; } },
          { title: 'STEPS', sort: 'steps', num: true, value: function (r) { return r.steps; } },
          { title: 'SYSCALLS', sort: 'syscalls', num: true, value: function (r) { return r.syscalls; } },
          { title: 'TOKENS', sort: 'tokens', num: true, value: function (r) { return r.tokens; } },
          { title: 'STARTED', sort: 'started', value: function (r) { return new Date(r.started).toLocaleTimeString(); } }
        ], d.processes, function (sort) {
          if (ps.sort === sort) ps.desc = !ps.desc; else { ps.sort = sort; ps.desc = sort !== 'pid' && sort !== 'owner' && sort !== 'program' && sort !== 'state'; }
          ps.page = {}; load();
        }, ps.sort, ps.desc));
      }).catch(fail);
    }
    every(2000, load);
  }

  function showProcess(pid) {
    var box = document.getElementById('agentos-detail');
    if (!box) { tab('processes'); box = document.getElementById('agentos-detail'); }
    get('process', { pid: pid }).then(function (p) {
      box.textContent = '';
      box.setAttribute('data-pid', pid);
      box.appendChild(el('h3', { text: 'Process ' + p.pid + ' \u2014 ' + p.program + ' of ' + p.owner }));
      var actions = el('div', { className: 'actions' }, ['pause', 'resume', 'terminate', 'kill'].map(function (a) {
        var b = el('button', { text: a, 'data-action': a, onclick: function () {
          post('process', { pid: pid, action: a }).then(function () { say(a + ' ' + pid + ': done', true); showProcess(pid); }).catch(fail);
        } });
        if (!admin) { b.disabled = true; b.title = 'an administrator acts; you may look'; }
        return b;
      }));
      box.appendChild(actions);
      var facts = [['state', p.state + (p.waitingOn ? ' (' + p.waitingOn + ')' : '')], ['parent', p.ppid], ['nice', p.nice],
        ['class', p.schedClass], ['capabilities', (p.capabilities || []).join(', ')],
        ['quotas', quotas(p.quotas)], ['usage', 'CPU ' + fmt(p.cpuMs) + ' ms, ' + fmt(p.steps, 0) + ' steps, ' + fmt(p.syscalls, 0) + ' syscalls, ' + fmt(p.tokens, 0) + ' tokens'],
        ['exit', p.exit ? p.exit.state + ' ' + p.exit.code + ': ' + p.exit.reason : ''],
        ['memory', p.memory ? p.memory.name + ': ' + fmt(p.memory.entries, 0) + ' entries, ' + fmt(p.memory.bytes, 0) + ' bytes' : 'none'],
        ['mailbox', p.mailbox ? p.mailbox.ready + ' ready, ' + p.mailbox.inFlight + ' in flight, ' + p.mailbox.deadLetters + ' dead' : 'none']];
      box.appendChild(el('dl', {}, [].concat.apply([], facts.map(function (f) { return [el('dt', { text: f[0] }), el('dd', { text: String(f[1]) })]; }))));
      var kids = el('p', { text: 'children: ' + ((p.children || []).length ? '' : 'none') });
      (p.children || []).forEach(function (c) { kids.appendChild(pidLink(c)); kids.appendChild(document.createTextNode(' ')); });
      box.appendChild(kids);
      box.appendChild(el('h4', { text: 'Recent calls' }));
      box.appendChild(table('agentos-calls', [
        { title: 'TIME', value: function (r) { return new Date(r.time).toLocaleTimeString(); } },
        { title: 'CALL', value: function (r) { return r.name; } }, { title: 'OUTCOME', value: function (r) { return r.outcome; } },
        { title: '\u00b5s', num: true, value: function (r) { return r.micros; } }, { title: 'DETAIL', wrap: true, value: function (r) { return r.detail; } }], p.calls || []));
      box.appendChild(el('h4', { text: 'Files it changed' }));
      box.appendChild(table('agentos-files', [{ title: 'PATH', value: function (f) { return f.path; } },
        { title: 'VERSION', num: true, value: function (f) { return f.version; } }, { title: 'SIZE', num: true, value: function (f) { return f.size; } }], p.files || []));
    }).catch(fail);
  }

  // ---------------------------------------------------------------- top and charts
  var topBy = 'cpu';
  function chart(title, points, series) {
    var w = 280, h = 90, max = 1;
    points.forEach(function (p) { series.forEach(function (s) { max = Math.max(max, s.value(p) || 0); }); });
    var svg = document.createElementNS('http://www.w3.org/2000/svg', 'svg');
    series.forEach(function (s) {
      var line = document.createElementNS('http://www.w3.org/2000/svg', 'polyline');
      line.setAttribute('fill', 'none'); line.setAttribute('stroke', s.color); line.setAttribute('stroke-width', '1.5');
      line.setAttribute('points', points.map(function (p, i) {
        return (points.length < 2 ? 0 : i * w / (points.length - 1)).toFixed(1) + ',' + (h - (s.value(p) || 0) * (h - 4) / max).toFixed(1);
      }).join(' '));
      svg.appendChild(line);
    });
    var last = points.length ? points[points.length - 1] : null;
    return el('div', { className: 'chart' }, [el('div', { text: title + (last ? ': ' + series.map(function (s) { return s.name + ' ' + fmt(s.value(last)); }).join(', ') : '') }), svg]);
  }
  function top() {
    view.textContent = '';
    var choose = el('select', { id: 'agentos-top-by' }, ['cpu', 'syscalls', 'tokens'].map(function (b) {
      var o = el('option', { value: b, text: 'by ' + b }); if (b === topBy) o.selected = true; return o; }));
    choose.onchange = function () { topBy = choose.value; };
    var header = el('p', { id: 'agentos-top-header' });
    var charts = el('div', { className: 'charts', id: 'agentos-charts' });
    var procs = el('div');
    var owners = el('div');
    view.appendChild(el('div', {}, [choose, header]));
    view.appendChild(charts);
    view.appendChild(el('h4', { text: 'Processes' })); view.appendChild(procs);
    view.appendChild(el('h4', { text: 'Owners' })); view.appendChild(owners);
    var cols = [{ title: 'CPU %', num: true, value: function (r) { return r.cpuPercent; } },
      { title: 'SYSCALLS/s', num: true, value: function (r) { return r.syscallsPerSecond; } },
      { title: 'TOKENS/s', num: true, value: function (r) { return r.tokensPerSecond; } }];
    every(2000, function () {
      get('top', { by: topBy }).then(function (t) {
        var h = t.header;
        if (!t.intervalSeconds) say('measuring: rates need two samples, two seconds apart', true);
        else if (message.textContent.indexOf('measuring') === 0) say('', true);
        header.textContent = 'workers ' + h.busy + '/' + h.workers + ' busy \u00b7 runnable ' + fmt(h.runnable, 0) + ' \u00b7 blocked ' + fmt(h.blocked, 0)
          + ' \u00b7 paused ' + fmt(h.paused, 0) + ' \u00b7 memory ' + h.memoryLevel + ' \u00b7 steps/s ' + fmt(h.stepsPerSecond) + ' \u00b7 syscalls/s ' + fmt(h.syscallsPerSecond)
          + (h.gates || []).map(function (g) { return ' \u00b7 gate ' + g.resource + ' ' + g.inFlight + '/' + g.limit + ' (' + g.waiting + ' waiting)'; }).join('');
        procs.textContent = '';
        procs.appendChild(table('agentos-top-processes', [{ title: 'PID', value: function (r) { return pidLink(r.pid); } },
          { title: 'OWNER', value: function (r) { return r.owner; } }, { title: 'PROGRAM', value: function (r) { return r.program; } },
          { title: 'STATE', value: function (r) { return r.state; } }].concat(cols), t.processes));
        owners.textContent = '';
        owners.appendChild(table('agentos-top-owners', [{ title: 'OWNER', value: function (r) { return r.owner; } }].concat(cols), t.owners));
      }).catch(fail);
      get('history').then(function (hst) {
        var p = hst.points;
        charts.textContent = '';
        charts.appendChild(chart('steps/s', p, [{ name: 'steps', color: '#06c', value: function (x) { return x.stepsPerSecond; } }]));
        charts.appendChild(chart('syscalls/s', p, [{ name: 'ok', color: '#090', value: function (x) { return x.syscallsOkPerSecond; } },
          { name: 'failed', color: '#c00', value: function (x) { return x.syscallsFailedPerSecond; } }]));
        charts.appendChild(chart('LLM tokens/s', p, [{ name: 'tokens', color: '#a0a', value: function (x) { return x.tokensPerSecond; } }]));
        charts.appendChild(chart('processes', p, [{ name: 'runnable', color: '#06c', value: function (x) { return x.runnable; } },
          { name: 'blocked', color: '#999', value: function (x) { return x.blocked; } }]));
        charts.appendChild(chart('memory level', p, [{ name: 'level', color: '#c60', value: function (x) { return { NORMAL: 0, HIGH: 1, CRITICAL: 2 }[x.memoryLevel]; } }]));
      }).catch(fail);
    });
  }

  // ---------------------------------------------------------------- subsystems
  function subsystemsView() {
    if (timer) clearInterval(timer);
    view.textContent = '';
    get('subsystems').then(function (d) {
      view.appendChild(table('agentos-subsystems', [{ title: 'SUBSYSTEM', value: function (b) { return b.subsystem; } },
        { title: 'BOUND', value: function (b) { return b.bound; } }, { title: 'BUNDLE', value: function (b) { return b.bundle; } },
        { title: 'INSTALLED', wrap: true, value: function (b) { return (b.candidates || []).join(', '); } }, { title: 'NOTE', wrap: true, value: function (b) { return b.note; } }], d.subsystems));
      view.appendChild(el('h4', { text: 'Swaps since the kernel started' }));
      view.appendChild(table('agentos-swaps', [{ title: 'SUBSYSTEM', value: function (s) { return s.subsystem; } },
        { title: 'BOUND', value: function (s) { return s.bound; } }, { title: 'SWAPS', num: true, value: function (s) { return s.count; } },
        { title: 'LAST PAUSE ms', num: true, value: function (s) { return s.lastPauseSeconds * 1000; } }], d.swaps));
      ['scheduler', 'memory', 'hal'].forEach(function (name) {
        var b = d.subsystems.filter(function (x) { return x.subsystem === name; })[0];
        if (!b) return;
        var pick = el('select', { id: 'agentos-swap-' + name }, ['auto'].concat((b.candidates || []).map(function (c) { return c.split(' ')[0]; })).map(function (c) {
          return el('option', { value: c, text: c }); }));
        var go = el('button', { id: 'agentos-swap-' + name + '-go', text: 'Swap ' + name, onclick: function () {
          post('subsystems', { subsystem: name, implementation: pick.value }).then(function (r) { say(r.message, true); setTimeout(subsystemsView, 1500); }).catch(fail);
        } });
        if (!admin) { go.disabled = true; pick.disabled = true; go.title = 'an administrator swaps; you may look'; }
        view.appendChild(el('p', {}, [el('span', { text: name + ': ' }), pick, go]));
      });
    }).catch(fail);
  }

  // ---------------------------------------------------------------- queues, memory, audit
  function simple(name, params, id, columns, key) {
    return function () {
      if (timer) clearInterval(timer);
      view.textContent = '';
      get(name, params).then(function (d) {
        view.appendChild(el('p', { text: fmt(d.matching === undefined ? d[key].length : d.matching, 0) + ' ' + key + (d.manager ? ' (' + d.manager + ')' : '') }));
        view.appendChild(table(id, columns, d[key] || []));
      }).catch(fail);
    };
  }
  var queuesView = simple('queues', { mailboxes: 'true' }, 'agentos-queues', [{ title: 'QUEUE', value: function (q) { return q.name; } },
    { title: 'OWNER', value: function (q) { return q.owner; } }, { title: 'DELIVERY', value: function (q) { return q.delivery; } },
    { title: 'READY', num: true, value: function (q) { return q.ready; } }, { title: 'IN FLIGHT', num: true, value: function (q) { return q.inFlight; } },
    { title: 'DEAD', num: true, value: function (q) { return q.deadLetters; } }, { title: 'SENT', num: true, value: function (q) { return q.sent; } }], 'queues');
  var memoryView = simple('spaces', { kind: 'shared' }, 'agentos-spaces', [{ title: 'SPACE', value: function (s) { return s.name; } },
    { title: 'OWNER', value: function (s) { return s.owner; } }, { title: 'ENTRIES', num: true, value: function (s) { return s.entries; } },
    { title: 'BYTES', num: true, value: function (s) { return s.bytes; } }, { title: 'PERSISTENT', value: function (s) { return s.persistent; } }], 'spaces');
  function auditView() {
    if (timer) clearInterval(timer);
    view.textContent = '';
    var pid = el('input', { id: 'agentos-audit-pid', placeholder: admin ? 'pid' : 'pid (one of yours)' });
    var name = el('input', { id: 'agentos-audit-name', placeholder: 'name prefix (fs., web.)' });
    var outcome = el('input', { id: 'agentos-audit-outcome', placeholder: 'outcome (ok, EPERM)' });
    var holder = el('div');
    function load() {
      get('audit', { pid: pid.value.trim(), name: name.value.trim(), outcome: outcome.value.trim(), limit: 200 }).then(function (d) {
        holder.textContent = '';
        holder.appendChild(table('agentos-audit', [{ title: 'TIME', value: function (r) { return new Date(r.time).toLocaleTimeString(); } },
          { title: 'PID', value: function (r) { return r.pid; } }, { title: 'OWNER', value: function (r) { return r.owner; } },
          { title: 'NAME', value: function (r) { return r.name; } }, { title: 'OUTCOME', value: function (r) { return r.outcome; } },
          { title: '\u00b5s', num: true, value: function (r) { return r.micros; } }, { title: 'DETAIL', wrap: true, value: function (r) { return r.detail; } }], d.records.slice().reverse()));
      }).catch(fail);
    }
    view.appendChild(el('div', { className: 'filters' }, [pid, name, outcome, el('button', { id: 'agentos-audit-go', text: 'Show', onclick: load })]));
    view.appendChild(holder);
    load();
  }

  // ---------------------------------------------------------------- the cluster's nodes
  function nodesView() {
    view.textContent = '';
    var head = el('p', { id: 'agentos-cluster' });
    var holder = el('div');
    view.appendChild(head);
    view.appendChild(holder);
    every(2000, function () {
      get('nodes').then(function (d) {
        if (!d.nodes) { head.textContent = d.note; return; }
        head.textContent = 'cluster ' + d.cluster + ', this node ' + d.local + ' (' + d.state + '), ' + d.nodes.length + ' node(s)';
        holder.textContent = '';
        holder.appendChild(table('agentos-nodes', [{ title: 'NODE', value: function (n) { return (n.local ? '* ' : '') + n.name; } },
          { title: '#', num: true, value: function (n) { return n.number; } }, { title: 'ADDRESS', value: function (n) { return n.address; } },
          { title: 'STATE', value: function (n) { return n.state; } }, { title: 'PROCESSES', num: true, value: function (n) { return n.processes; } },
          { title: 'RUNNABLE', num: true, value: function (n) { return n.runnable; } }, { title: 'BLOCKED', num: true, value: function (n) { return n.blocked; } },
          { title: 'BUSY', value: function (n) { return n.busy + '/' + n.workers; } },
          { title: 'LOAD', num: true, value: function (n) { return n.loadAverage < 0 ? '' : n.loadAverage; } },
          { title: 'MEMORY', value: function (n) { return n.memoryLevel; } },
          { title: 'SEEN', value: function (n) { return n.updatedMillis ? Math.max(0, Math.round((Date.now() - n.updatedMillis) / 1000)) + ' s ago' : ''; } }], d.nodes));
      }).catch(fail);
    });
  }

  var tabs = { processes: processes, top: top, subsystems: subsystemsView, queues: queuesView, memory: memoryView, audit: auditView,
    nodes: nodesView };
  function tab(name) {
    say('', true);
    Array.prototype.forEach.call(document.querySelectorAll('#agentos-tabs button'), function (b) { b.className = b.dataset.tab === name ? 'active' : ''; });
    tabs[name]();
  }
  var nav = document.getElementById('agentos-tabs');
  Object.keys(tabs).forEach(function (name) {
    nav.appendChild(el('button', { id: 'agentos-tab-' + name, 'data-tab': name, text: name.charAt(0).toUpperCase() + name.slice(1), onclick: function () { tab(name); } }));
  });
  tab('processes');
}());
