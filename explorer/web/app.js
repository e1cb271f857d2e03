// devchain explorer: draws the block tree every node sees, from the
// explorer server's event stream (/api/stream). Nothing here polls the
// server: the tree changes when an event arrives. The one timer ticks the
// "last block" ages; the lab replay's timer moves its slider.
'use strict';

const COL = 92;        // px per height
const LANE = 70;       // px per branch lane
const TOP = 24;        // px above the first lane (height labels)
const DRAW_SPAN = 300; // heights drawn below the highest block
const FLASH_MS = 3000; // how long blocks of a reorg stay highlighted

const live = { nodes: [], blocks: new Map() };
let view = 'live';     // 'live' or 'lab'
let lab = null;        // the opened lab run and its replay state
let selected = '';
const flash = new Map(); // hash -> time the highlight ends
const blockEls = new Map();
let autoScroll = true;
let renderQueued = false;

const $ = (id) => document.getElementById(id);
// short shows a hash's last 8 digits: proof of work makes the first ones zeros.
const short = (h) => (h ? '…' + h.slice(-8) : '');

function el(tag, attrs, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (k === 'class') e.className = v;
    else if (k === 'text') e.textContent = v;
    else if (k.startsWith('on')) e.addEventListener(k.slice(2), v);
    else e.setAttribute(k, v);
  }
  for (const c of children) e.append(c);
  return e;
}

function svg(tag, attrs) {
  const e = document.createElementNS('http://www.w3.org/2000/svg', tag);
  for (const [k, v] of Object.entries(attrs || {})) e.setAttribute(k, v);
  return e;
}

function scheduleRender() {
  if (renderQueued) return;
  renderQueued = true;
  setTimeout(() => { renderQueued = false; render(); }, 30);
}

// ---- the live model, fed by the server's events ----

function connect() {
  const es = new EventSource('api/stream');
  es.addEventListener('open', () => setStatus(true));
  es.addEventListener('error', () => setStatus(false));
  es.addEventListener('snapshot', (e) => {
    const s = JSON.parse(e.data);
    live.nodes = s.nodes;
    live.blocks = new Map(s.blocks.map((b) => [b.hash, b]));
    fillNodeSelect();
    scheduleRender();
  });
  es.addEventListener('block', (e) => {
    const b = JSON.parse(e.data);
    live.blocks.set(b.hash, b);
    scheduleRender();
  });
  es.addEventListener('forget', (e) => {
    for (const h of JSON.parse(e.data)) live.blocks.delete(h);
    scheduleRender();
  });
  es.addEventListener('node', (e) => {
    const n = JSON.parse(e.data);
    const i = live.nodes.findIndex((x) => x.name === n.name);
    if (i >= 0) live.nodes[i] = n; else live.nodes.push(n);
    scheduleRender();
  });
  es.addEventListener('reorg', (e) => onReorg(JSON.parse(e.data)));
  es.addEventListener('tx', (e) => {
    const t = JSON.parse(e.data);
    logLine(`${t.node} accepted tx ${short(t.txid)}`, 'tx');
  });
}

function setStatus(ok) {
  const s = $('status');
  s.textContent = ok ? 'connected' : 'reconnecting…';
  s.className = 'badge' + (ok ? '' : ' off');
}

// onReorg highlights the blocks a node disconnected and says so.
function onReorg(r) {
  if (view !== 'live') return;
  const gone = disconnected(live.blocks, r.from, r.to);
  const until = Date.now() + FLASH_MS;
  for (const h of gone) flash.set(h, until);
  const text = `${r.node} reorganised: ${r.depth} block${r.depth === 1 ? '' : 's'} disconnected, ${short(r.from)} → ${short(r.to)}`;
  $('banner').textContent = text;
  logLine(text, 'reorg', { 'data-reorg-node': r.node, 'data-depth': String(r.depth), 'data-from': r.from, 'data-to': r.to });
  setTimeout(scheduleRender, FLASH_MS + 50);
  scheduleRender();
}

// disconnected returns the blocks from `from` down to the fork with `to`.
function disconnected(blocks, from, to) {
  const keep = new Set();
  for (let h = to; blocks.has(h); h = blocks.get(h).parent) keep.add(h);
  const out = [];
  for (let h = from; blocks.has(h) && !keep.has(h); h = blocks.get(h).parent) out.push(h);
  return out;
}

function logLine(text, cls, attrs) {
  const li = el('li', Object.assign({ class: cls || '', text: `${new Date().toLocaleTimeString()} ${text}` }, attrs || {}));
  const log = $('log');
  log.prepend(li);
  while (log.children.length > 100) log.lastChild.remove();
}

// ---- the scene: what to draw, live or replayed ----

function liveScene() {
  return {
    blocks: live.blocks,
    nodes: live.nodes.map((n, i) => ({ name: n.name, tip: n.tip, color: i })),
  };
}

// layout places blocks: x by height, y by lane. The branch holding most
// node tips (then the longest) keeps lane 0; other branches take the first
// lane below their parent's that is free over their span of heights.
function layout(blocks, tipCount) {
  const kids = new Map();
  const roots = [];
  for (const b of blocks.values()) {
    if (blocks.has(b.parent)) {
      if (!kids.has(b.parent)) kids.set(b.parent, []);
      kids.get(b.parent).push(b);
    } else roots.push(b);
  }
  const maxH = new Map();
  const tips = new Map();
  const desc = [...blocks.values()].sort((a, b) => b.height - a.height);
  for (const b of desc) {
    maxH.set(b.hash, Math.max(maxH.get(b.hash) ?? b.height, b.height));
    tips.set(b.hash, (tips.get(b.hash) || 0) + (tipCount.get(b.hash) || 0));
    if (blocks.has(b.parent)) {
      maxH.set(b.parent, Math.max(maxH.get(b.parent) ?? 0, maxH.get(b.hash)));
      tips.set(b.parent, (tips.get(b.parent) || 0) + tips.get(b.hash));
    }
  }
  const rank = (a, b) => (tips.get(b.hash) - tips.get(a.hash)) || (maxH.get(b.hash) - maxH.get(a.hash)) || (a.hash < b.hash ? -1 : 1);
  const lanes = [];
  const free = (l, s, e) => !(lanes[l] || []).some(([a, b]) => s <= b + 1 && a <= e + 1);
  const pos = new Map();
  const queue = roots.sort(rank).map((b) => ({ first: b, minLane: 0 }));
  while (queue.length) {
    const { first, minLane } = queue.shift();
    const end = maxH.get(first.hash);
    let l = minLane;
    while (!free(l, first.height, end)) l++;
    (lanes[l] = lanes[l] || []).push([first.height, end]);
    for (let cur = first; cur;) {
      pos.set(cur.hash, { height: cur.height, lane: l });
      const cs = (kids.get(cur.hash) || []).sort(rank);
      for (const c of cs.slice(1)) queue.push({ first: c, minLane: l + 1 });
      cur = cs[0];
    }
  }
  return { pos, lanes: Math.max(lanes.length, 1) };
}

// drawnBlocks keeps the heights worth drawing: the top DRAW_SPAN, and
// always every node's tip.
function drawnBlocks(scene) {
  let top = -Infinity;
  for (const b of scene.blocks.values()) top = Math.max(top, b.height);
  let low = top - DRAW_SPAN;
  for (const n of scene.nodes) {
    const b = scene.blocks.get(n.tip);
    if (b) low = Math.min(low, b.height - 3);
  }
  const out = new Map();
  for (const b of scene.blocks.values()) if (b.height >= low) out.set(b.hash, b);
  return out;
}

function render() {
  const scene = view === 'lab' && lab ? labScene() : liveScene();
  drawTree(scene);
  if (view === 'live') drawNodes(); else drawLabNodes(scene);
  drawPeers(scene);
}

function drawTree(scene) {
  const blocks = drawnBlocks(scene);
  const tipsAt = new Map(); // hash -> [node]
  for (const n of scene.nodes) {
    if (!n.tip || !blocks.has(n.tip)) continue;
    if (!tipsAt.has(n.tip)) tipsAt.set(n.tip, []);
    tipsAt.get(n.tip).push(n);
  }
  const tipCount = new Map([...tipsAt].map(([h, ns]) => [h, ns.length]));
  // chainOf: the nodes whose active chain holds each block.
  const chainOf = new Map();
  for (const n of scene.nodes) {
    for (let h = n.tip; blocks.has(h); h = blocks.get(h).parent) {
      if (!chainOf.has(h)) chainOf.set(h, []);
      chainOf.get(h).push(n.name);
    }
  }
  const active = new Set(chainOf.keys());
  const { pos, lanes } = layout(blocks, tipCount);
  let minH = Infinity, maxHeight = -Infinity;
  for (const p of pos.values()) { minH = Math.min(minH, p.height); maxHeight = Math.max(maxHeight, p.height); }
  if (!isFinite(minH)) { minH = 0; maxHeight = 0; }
  const x = (h) => 10 + (h - minH) * COL;
  const y = (l) => TOP + l * LANE;
  const width = x(maxHeight) + COL + 20;
  const height = y(lanes) + 10;
  const tree = $('tree');
  tree.style.width = width + 'px';
  tree.style.height = height + 'px';

  const now = Date.now();
  const container = $('blocks');
  const firstDraw = blockEls.size === 0;
  for (const [h, e] of blockEls) {
    if (!pos.has(h)) { e.remove(); blockEls.delete(h); }
  }
  for (const [h, p] of pos) {
    const b = blocks.get(h);
    let e = blockEls.get(h);
    if (!e) {
      e = el('div', { 'data-hash': h, onclick: () => selectBlock(h) });
      if (!firstDraw) e.classList.add('new'); // a block that just arrived, not the page's first tree
      container.append(e);
      blockEls.set(h, e);
      setTimeout(() => e.classList.remove('new'), 900);
    }
    const classes = ['block'];
    if (e.classList.contains('new')) classes.push('new');
    if (!active.has(h)) classes.push('stale');
    if (b.invalid_on && b.invalid_on.length) classes.push('invalid');
    if (b.withheld) classes.push('withheld');
    if ((flash.get(h) || 0) > now) classes.push('reorged');
    if (h === selected) classes.push('selected');
    e.className = classes.join(' ');
    e.dataset.height = String(b.height);
    e.style.left = x(p.height) + 'px';
    e.style.top = y(p.lane) + 'px';
    let title = `height ${b.height}\n${h}`;
    if (b.invalid_on && b.invalid_on.length) title += `\ninvalid on ${b.invalid_on.join(', ')}`;
    if (!active.has(h)) title += '\nstale: on no node\'s chain';
    else title += `\non the chain of ${chainOf.get(h).join(', ')}`;
    e.dataset.on = (chainOf.get(h) || []).join(' ');
    e.title = title;
    const tipNodes = tipsAt.get(h) || [];
    const sig = `${b.height}|${tipNodes.map((n) => n.name).join(',')}`;
    if (e.dataset.sig !== sig) {
      e.dataset.sig = sig;
      e.replaceChildren(
        el('div', { class: 'hash', text: short(h) }),
        el('div', { class: 'h', text: `#${b.height}` }),
        el('div', { class: 'tips' }, ...tipNodes.map((n) =>
          el('span', { class: `tip n${n.color % 8}`, 'data-tip-of': n.name, 'data-hash': h, title: `${n.name}'s tip`, text: n.name.replace(/^node/, 'n') }))),
      );
    }
  }
  // Edges from parent to child.
  const edges = $('edges');
  edges.setAttribute('width', width);
  edges.setAttribute('height', height);
  const paths = [];
  for (const [h, p] of pos) {
    const b = blocks.get(h);
    const pp = pos.get(b.parent);
    if (!pp) continue;
    const x1 = x(pp.height) + 78, y1 = y(pp.lane) + 23, x2 = x(p.height), y2 = y(p.lane) + 23;
    const mid = (x1 + x2) / 2;
    const path = svg('path', { d: `M${x1},${y1} C${mid},${y1} ${mid},${y2} ${x2},${y2}` });
    if (active.has(h)) path.setAttribute('class', 'active');
    paths.push(path);
  }
  edges.replaceChildren(...paths);
  // Height labels.
  const labels = [];
  for (let h = minH; h <= maxHeight && pos.size; h++) {
    const s = el('span', { text: String(h) });
    s.style.left = (x(h) - 6) + 'px';
    labels.push(s);
  }
  $('heights').replaceChildren(...labels);
  const scroller = $('tree-scroll');
  if (autoScroll) scroller.scrollLeft = scroller.scrollWidth;
}

// ---- nodes table and peer graph ----

function fmtRate(h) {
  if (!h) return '0';
  const units = ['H/s', 'kH/s', 'MH/s', 'GH/s', 'TH/s'];
  let i = 0;
  while (h >= 1000 && i < units.length - 1) { h /= 1000; i++; }
  return `${h.toFixed(h < 10 ? 1 : 0)} ${units[i]}`;
}

function fmtAge(ms) {
  if (!ms) return '';
  const s = Math.max(0, Math.round((Date.now() - ms) / 1000));
  return s < 120 ? `${s} s` : `${Math.round(s / 60)} min`;
}

// drawNodes updates the nodes table. A row is rebuilt only when what it
// shows changed, so that a button is not replaced under the mouse.
function drawNodes() {
  const byPeer = new Map(live.nodes.map((n) => [n.peerid, n.name]));
  const body = $('nodes').tBodies[0];
  const keep = new Set();
  live.nodes.forEach((n, i) => {
    keep.add(n.name);
    const peers = (n.peers || []).map((p) => byPeer.get(p) || short(p)).join(', ');
    const sig = JSON.stringify([i, n.height, n.tip, peers, n.network_active, n.online, n.mempool, n.hashps, n.network_hashps, n.mining, n.last_block_ms, n.error]);
    let tr = body.querySelector(`tr[data-node="${n.name}"]`);
    if (tr && tr.dataset.sig === sig) return;
    const toggle = n.network_active
      ? el('button', { type: 'button', 'data-action': 'cut', 'data-node': n.name, text: 'cut off' })
      : el('button', { type: 'button', 'data-action': 'heal', 'data-node': n.name, text: 'heal' });
    const row = el('tr', { 'data-node': n.name, class: (n.network_active ? '' : 'cut') + (n.online ? '' : ' offline') },
      el('td', {}, el('span', { class: `tip n${i % 8}`, text: n.name })),
      el('td', { text: String(n.height), title: n.tip || '' }),
      el('td', { text: `${(n.peers || []).length}${n.network_active ? '' : ' (cut off)'}`, title: peers }),
      el('td', { text: String(n.mempool) }),
      el('td', { text: fmtRate(n.hashps), title: `network estimate ${fmtRate(n.network_hashps)}${n.mining ? '' : ' (not mining)'}` }),
      el('td', { class: 'age', 'data-ms': String(n.last_block_ms || 0), text: fmtAge(n.last_block_ms) }),
      el('td', {}, el('button', { type: 'button', 'data-action': 'mine', 'data-node': n.name, text: 'mine 1' }), ' ', toggle),
    );
    row.dataset.sig = sig;
    if (n.error && !n.online) row.title = n.error;
    if (tr) tr.replaceWith(row); else body.append(row);
  });
  for (const tr of [...body.rows]) if (!keep.has(tr.dataset.node)) tr.remove();
}

function tickAges() {
  for (const td of document.querySelectorAll('#nodes td.age')) td.textContent = fmtAge(Number(td.dataset.ms));
}

function drawPeers(scene) {
  const g = $('peers');
  const nodes = view === 'lab' ? scene.nodes : live.nodes.map((n, i) => ({ ...n, color: i }));
  const cx = 160, cy = 100, r = nodes.length > 1 ? 70 : 0;
  const at = nodes.map((n, i) => {
    const a = -Math.PI / 2 + (2 * Math.PI * i) / Math.max(nodes.length, 1);
    return [cx + r * Math.cos(a), cy + r * Math.sin(a)];
  });
  const parts = [];
  for (let i = 0; i < nodes.length; i++) {
    for (let j = i + 1; j < nodes.length; j++) {
      if (linked(scene, nodes, i, j)) {
        parts.push(svg('line', { x1: at[i][0], y1: at[i][1], x2: at[j][0], y2: at[j][1] }));
      }
    }
  }
  nodes.forEach((n, i) => {
    const off = view === 'lab' ? n.left : !n.network_active;
    if (off) parts.push(svg('circle', { class: 'cut', cx: at[i][0], cy: at[i][1], r: 17 }));
    const c = svg('circle', { cx: at[i][0], cy: at[i][1], r: 12, 'data-node': n.name });
    c.setAttribute('fill', colorOf(n.color));
    parts.push(c);
    const t = svg('text', { x: at[i][0], y: at[i][1] + 28 });
    t.textContent = n.name;
    parts.push(t);
  });
  g.replaceChildren(...parts);
}

const COLORS = ['#3b6fd8', '#d8693b', '#2f9e57', '#a63fa6', '#c49a00', '#1a9aa8', '#6b4f2a', '#e0447c'];
const colorOf = (i) => COLORS[i % COLORS.length];

// linked: live, whether either node lists the other as a peer; in a lab
// replay, whether they are on the same side of the partition.
function linked(scene, nodes, i, j) {
  if (view === 'lab') {
    if (nodes[i].left || nodes[j].left) return false;
    return nodes[i].group === nodes[j].group;
  }
  const a = nodes[i], b = nodes[j];
  return (a.peers || []).includes(b.peerid) || (b.peers || []).includes(a.peerid);
}

// ---- playground ----

function fillNodeSelect() {
  const sel = $('pg-node');
  const cur = sel.value;
  sel.replaceChildren(...live.nodes.map((n) => el('option', { value: n.name, text: n.name })));
  if (cur) sel.value = cur;
}

async function act(what, body) {
  const out = $('pg-result');
  out.className = '';
  out.textContent = `${what} ${body.node || ''}…`;
  try {
    const resp = await fetch(`api/${what}`, {
      method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body),
    });
    const r = await resp.json();
    if (r.error) throw new Error(r.error);
    out.textContent = `${what}: ${typeof r.result === 'string' ? r.result : JSON.stringify(r.result)}`;
    logLine(`${what} ${body.node || ''}: ok`, 'action');
  } catch (err) {
    out.className = 'error';
    out.textContent = `${what}: ${err.message}`;
  }
}

function wirePlayground() {
  const node = () => $('pg-node').value;
  $('nodes').tBodies[0].addEventListener('click', (e) => {
    const b = e.target.closest('button[data-action]');
    if (!b || view !== 'live') return;
    const body = { node: b.dataset.node };
    if (b.dataset.action === 'mine') body.n = 1;
    act(b.dataset.action, body);
  });
  $('pg-mine').addEventListener('click', () => act('mine', { node: node(), n: Number($('pg-n').value) || 1 }));
  $('pg-cut').addEventListener('click', () => act('cut', { node: node() }));
  $('pg-heal').addEventListener('click', () => act('heal', { node: node() }));
  $('pg-invalidate').addEventListener('click', () => act('invalidate', { node: node(), hash: $('pg-hash').value.trim() }));
  $('pg-reconsider').addEventListener('click', () => act('reconsider', { node: node(), hash: $('pg-hash').value.trim() }));
  $('pg-send').addEventListener('click', () => act('send', { node: node(), to: $('pg-to').value.trim(), amount: $('pg-amount').value.trim() }));
  $('tree-scroll').addEventListener('scroll', () => {
    const s = $('tree-scroll');
    autoScroll = s.scrollLeft + s.clientWidth >= s.scrollWidth - 40;
  });
}

// ---- details ----

function dl(pairs) {
  const d = el('dl');
  for (const [k, v] of pairs) {
    if (v === undefined || v === null || v === '') continue;
    d.append(el('dt', { text: k }), v instanceof Node ? el('dd', {}, v) : el('dd', { text: String(v) }));
  }
  return d;
}

async function selectBlock(hash) {
  selected = hash;
  $('pg-hash').value = hash;
  scheduleRender();
  const box = $('details');
  if (view === 'lab') {
    const b = labScene().blocks.get(hash);
    box.replaceChildren(dl([['block', hash], ['height', b && b.height], ['parent', b && b.parent],
      ['mined by', b && b.miner !== undefined ? `node${b.miner} (${b.strategy || 'honest'})` : ''],
      ['mined at', b && b.t_us !== undefined ? `${(b.t_us / 1e6).toFixed(3)} s` : ''],
      ['withheld', b && b.withheld ? 'yes (not yet published)' : '']]));
    return;
  }
  box.replaceChildren(el('p', { class: 'hint', text: 'loading…' }));
  try {
    const r = await (await fetch(`api/block?hash=${hash}`)).json();
    if (r.error) throw new Error(r.error);
    const b = r.block;
    const txs = el('div');
    for (const txid of b.tx || []) {
      txs.append(el('a', { text: short(txid) + '…', title: txid, onclick: () => selectTx(txid, hash) }), ' ');
    }
    const standing = Object.entries(r.standing).map(([n, s]) => `${n}: ${s}`).join(', ');
    box.replaceChildren(dl([['block', b.hash], ['height', b.height], ['on', standing], ['parent', b.previousblockhash],
      ['time', new Date(b.time * 1000).toLocaleString()], ['bits', b.bits], ['nonce', b.nonce], ['merkle root', b.merkleroot],
      ['size', b.size], [`transactions (${(b.tx || []).length})`, txs]]));
  } catch (err) {
    box.replaceChildren(el('p', { class: 'hint', text: err.message }));
  }
}

async function selectTx(txid, block) {
  const box = $('details');
  try {
    const r = await (await fetch(`api/tx?txid=${txid}&block=${block || ''}`)).json();
    if (r.error) throw new Error(r.error);
    const t = r.tx;
    const ins = (t.vin || []).map((i) => i.coinbase !== undefined ? 'coinbase' : `${short(i.txid)}:${i.vout}`).join(', ');
    const outs = (t.vout || []).map((o) => `${o.value} → ${o.address}`).join('\n');
    box.replaceChildren(dl([['transaction', t.txid], ['in block', el('a', { text: short(block || t.blockhash || ''), onclick: () => selectBlock(block || t.blockhash) })],
      ['inputs', ins], ['outputs', outs], ['size', t.size]]));
  } catch (err) {
    box.replaceChildren(el('p', { class: 'hint', text: err.message }));
  }
}

// ---- lab replay ----

async function openLab(dir) {
  const out = $('lab-summary');
  out.textContent = 'loading…';
  try {
    const r = await (await fetch(`api/lab?dir=${encodeURIComponent(dir)}`)).json();
    if (r.error) throw new Error(r.error);
    const end = r.events.length ? r.events[r.events.length - 1].t_us : 0;
    lab = { run: r, end, t: end, timer: null };
    view = 'lab';
    const mode = $('mode');
    mode.textContent = `lab replay: ${dir}`;
    mode.className = 'badge lab';
    $('lab-bar').hidden = false;
    $('lab-slider').max = '1000';
    $('lab-slider').value = '1000';
    $('playground').hidden = true;
    out.replaceChildren(summaryTable(r.summary));
    for (const e of blockEls.values()) e.remove();
    blockEls.clear();
    setLabTime(end);
  } catch (err) {
    out.textContent = err.message;
  }
}

function summaryTable(s) {
  const rows = [['nodes', s.nodes], ['virtual seconds', s.virtual_seconds], ['blocks mined', s.blocks_mined],
    ['main chain blocks', s.main_chain_blocks], ['stale blocks', s.stale_blocks], ['stale rate', s.stale_rate],
    ['reorgs', s.reorgs ? `${s.reorgs.count} (max depth ${s.reorgs.max_depth})` : ''],
    ['propagation p50/p90', s.propagation_ms ? `${s.propagation_ms.p50} / ${s.propagation_ms.p90} ms` : ''],
    ['converged', s.converged], ['final tip', s.final_tip]];
  return dl(rows);
}

function closeLab() {
  if (lab && lab.timer) clearInterval(lab.timer);
  lab = null;
  view = 'live';
  $('mode').textContent = 'live';
  $('mode').className = 'badge';
  $('lab-bar').hidden = true;
  $('playground').hidden = false;
  for (const e of blockEls.values()) e.remove();
  blockEls.clear();
  $('banner').textContent = '';
  scheduleRender();
}

function setLabTime(t) {
  lab.t = t;
  $('lab-time').textContent = `t = ${(t / 1e6).toFixed(1)} s of ${(lab.end / 1e6).toFixed(1)} s`;
  const scene = labScene();
  $('banner').textContent = scene.lastReorg
    ? `node${scene.lastReorg.node} reorganised ${scene.lastReorg.depth} deep at ${(scene.lastReorg.t_us / 1e6).toFixed(1)} s`
    : '';
  scheduleRender();
}

// labScene replays the trace up to the slider's time.
function labScene() {
  if (lab.cache && lab.cache.t === lab.t) return lab.cache.scene;
  const r = lab.run;
  const blocks = new Map();
  const nodes = [];
  for (let i = 0; i < r.nodes; i++) nodes.push({ name: `node${i}`, tip: '', height: 0, color: i, group: 0, left: false });
  let lastReorg = null;
  const reorgs = [];
  for (const e of r.events) {
    if (e.t_us > lab.t) break;
    switch (e.event) {
      case 'mined':
        blocks.set(e.hash, { hash: e.hash, parent: e.parent || '', height: e.height, miner: e.node, strategy: e.strategy,
          t_us: e.t_us, withheld: e.strategy === 'selfish' });
        break;
      case 'published': { const b = blocks.get(e.hash); if (b) b.withheld = false; break; }
      case 'tip': nodes[e.node].tip = e.hash; if (e.height !== undefined) nodes[e.node].height = e.height; break;
      case 'reorg': lastReorg = e; reorgs.push(e); break;
      case 'partition':
        for (const n of nodes) n.group = -1;
        (e.groups || []).forEach((g, gi) => { for (const i of g) if (nodes[i]) nodes[i].group = gi; });
        break;
      case 'heal': for (const n of nodes) n.group = 0; break;
      case 'leave': nodes[e.node].left = true; break;
      case 'join': nodes[e.node].left = false; break;
    }
  }
  // The blocks' common ancestor (genesis) is in no mined line: add it.
  for (const b of [...blocks.values()]) {
    if (b.parent && !blocks.has(b.parent)) blocks.set(b.parent, { hash: b.parent, parent: '', height: b.height - 1 });
  }
  const scene = { blocks, nodes, lastReorg, reorgs };
  lab.cache = { t: lab.t, scene };
  return scene;
}

function drawLabNodes(scene) {
  const rows = scene.nodes.map((n) => el('tr', { 'data-node': n.name, class: n.left ? 'offline' : '' },
    el('td', {}, el('span', { class: `tip n${n.color % 8}`, text: n.name })),
    el('td', { text: String(n.height), title: n.tip }),
    el('td', { text: n.left ? 'left' : `side ${n.group}` }),
    el('td', { text: '' }), el('td', { text: '' }), el('td', { text: '' }), el('td', { text: '' })));
  $('nodes').tBodies[0].replaceChildren(...rows);
  const log = $('log');
  log.replaceChildren(...scene.reorgs.slice(-50).reverse().map((e) =>
    el('li', { class: 'reorg', 'data-reorg-node': `node${e.node}`, 'data-depth': String(e.depth),
      text: `${(e.t_us / 1e6).toFixed(1)} s node${e.node} reorganised ${e.depth} deep: ${short(e.from)} → ${short(e.to)}` })));
}

function wireLab() {
  $('lab-open').addEventListener('click', () => openLab($('lab-dir').value.trim()));
  $('lab-close').addEventListener('click', closeLab);
  $('lab-slider').addEventListener('input', () => setLabTime(Math.round(lab.end * Number($('lab-slider').value) / 1000)));
  $('lab-play').addEventListener('click', () => {
    if (lab.timer) { clearInterval(lab.timer); lab.timer = null; $('lab-play').textContent = '▶ play'; return; }
    if (Number($('lab-slider').value) >= 1000) $('lab-slider').value = '0';
    $('lab-play').textContent = '❚❚ pause';
    lab.timer = setInterval(() => {
      const v = Math.min(1000, Number($('lab-slider').value) + 4); // the whole run in 12.5 s
      $('lab-slider').value = String(v);
      setLabTime(Math.round(lab.end * v / 1000));
      if (v >= 1000) { clearInterval(lab.timer); lab.timer = null; $('lab-play').textContent = '▶ play'; }
    }, 50);
  });
  const dir = new URLSearchParams(location.search).get('lab');
  if (dir) { $('lab-dir').value = dir; openLab(dir); }
}

wirePlayground();
wireLab();
connect();
setInterval(tickAges, 1000);
