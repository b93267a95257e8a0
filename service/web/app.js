// lawqa research portal: ask, search, browse.  Talks to the same JSON API
// that other clients use; no external libraries.
'use strict';

const $ = (id) => document.getElementById(id);

function el(tag, attrs, ...kids) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (k === 'onclick') e.addEventListener('click', v);
    else e.setAttribute(k, v);
  }
  for (const k of kids) e.append(k);
  return e;
}

async function getJSON(url) {
  const r = await fetch(url);
  const j = await r.json();
  if (!r.ok) throw new Error(j.error ? j.error.message : r.statusText);
  return j;
}

function showView(name) {
  for (const b of document.querySelectorAll('nav button'))
    b.classList.toggle('active', b.dataset.view === name);
  for (const v of document.querySelectorAll('.view')) v.hidden = v.id !== 'view-' + name;
  if (name === 'laws' && !$('law-list').children.length) loadLaws();
}

// ---- the article panel ----

async function openArticle(law, number, asOf) {
  const panel = $('article-panel');
  panel.hidden = false;
  panel.dataset.law = law;
  $('panel-title').textContent = law;
  $('panel-meta').textContent = '加载中…';
  $('panel-text').textContent = '';
  try {
    let url = '/v1/laws/' + encodeURIComponent(law) + '/articles/' + encodeURIComponent(number);
    if (asOf) url += '?as_of=' + encodeURIComponent(asOf);
    const a = await getJSON(url);
    $('panel-title').textContent = a.ref;
    $('panel-meta').textContent = a.version_date + ' 版本 · ' + (a.in_force ? '有效' : '已失效') +
        (a.path ? ' · ' + a.path : '');
    $('panel-text').textContent = a.text;
  } catch (e) {
    $('panel-meta').textContent = '无法打开：' + e.message;
  }
  loadVersions(law, number);
}

async function loadVersions(law, number) {
  const ul = $('panel-versions');
  ul.replaceChildren();
  try {
    const v = await getJSON('/v1/laws/' + encodeURIComponent(law) + '/versions');
    for (const ver of v.versions) {
      const label = ver.version_date + (ver.repealed_on ? '（' + ver.repealed_on + ' 失效）' : ver.expired ? '（已失效）' : '') +
          ' · ' + ver.articles + ' 条';
      ul.append(el('li', {onclick: () => number ? openArticle(v.law, number, ver.version_date)
                                                : null}, label));
    }
  } catch (e) {
    ul.append(el('li', {}, '版本信息不可用：' + e.message));
  }
}

// ---- asking ----

function citeLink(c) {
  return el('a', {class: 'cite', 'data-law': c.law, 'data-article': c.article + (c.suffix ? '之' + c.suffix : ''),
                  onclick: () => openArticle(c.law, c.article + (c.suffix ? '之' + c.suffix : ''), $('as-of').value)},
            c.ref);
}

function renderAnswer(ans) {
  const box = $('answer');
  box.replaceChildren();
  // Make every verified citation's text in the answer clickable.
  let text = ans.answer;
  const cites = (ans.citations || []).filter((c) => c.found && c.ref);
  while (text.length) {
    let best = null, at = text.length;
    for (const c of cites) {
      const i = text.indexOf(c.ref);
      if (i >= 0 && i < at) { at = i; best = c; }
    }
    box.append(text.slice(0, at));
    if (!best) break;
    box.append(citeLink(best));
    text = text.slice(at + best.ref.length);
  }
  const ul = $('citations');
  ul.replaceChildren();
  $('citations-title').hidden = !(ans.citations || []).length;
  for (const c of ans.citations || []) {
    const mark = c.verified ? el('span', {class: 'ok'}, '✓ 已核实') :
        el('span', {class: 'bad'}, '✗ 无法核实' + (c.note ? '：' + c.note : ''));
    ul.append(el('li', {}, c.found ? citeLink(c) : c.ref, ' ',
                 c.version_date ? '（' + c.version_date + ' 版本）' : '', ' ', mark));
  }
  $('answer-meta').textContent = (ans.mode === 'generated' ? '模型生成（' + ans.model + '）' : '法条摘录') +
      ' · 检索 ' + Math.round(ans.timings.retrieval_ms) + ' ms' +
      (ans.mode === 'generated' ? ' · 生成 ' + Math.round(ans.timings.generation_ms) + ' ms' : '');
}

async function ask(question) {
  $('answer').textContent = '';
  $('answer-meta').textContent = '检索中…';
  $('citations').replaceChildren();
  const body = {question, stream: true};
  if ($('as-of').value) body.as_of = $('as-of').value;
  if ($('ask-law').value.trim()) body.law = $('ask-law').value.trim();
  const r = await fetch('/v1/answer', {method: 'POST', headers: {'Content-Type': 'application/json'},
                                      body: JSON.stringify(body)});
  if (!r.ok) {
    const j = await r.json().catch(() => ({}));
    $('answer-meta').textContent = '出错：' + (j.error ? j.error.message : r.statusText);
    return;
  }
  // Server-Sent Events over fetch: events are separated by a blank line.
  const reader = r.body.getReader();
  const dec = new TextDecoder();
  let buf = '';
  for (;;) {
    const {value, done} = await reader.read();
    if (done) break;
    buf += dec.decode(value, {stream: true});
    let cut;
    while ((cut = buf.indexOf('\n\n')) >= 0) {
      const ev = buf.slice(0, cut);
      buf = buf.slice(cut + 2);
      let name = 'message', data = '';
      for (const line of ev.split('\n')) {
        if (line.startsWith('event: ')) name = line.slice(7);
        else if (line.startsWith('data: ')) data += line.slice(6);
      }
      const j = JSON.parse(data);
      if (name === 'token') $('answer').append(j.text);
      else if (name === 'done') renderAnswer(j);
      else if (name === 'error') $('answer-meta').textContent = '出错：' + j.error.message;
    }
  }
}

// ---- search and browse ----

async function search(q, law) {
  const ol = $('search-results');
  ol.replaceChildren(el('li', {}, '检索中…'));
  let url = '/v1/search?k=20&q=' + encodeURIComponent(q);
  if (law) url += '&law=' + encodeURIComponent(law);
  try {
    const r = await getJSON(url);
    ol.replaceChildren();
    for (const h of r.hits) {
      ol.append(el('li', {}, el('a', {class: 'cite', onclick: () => openArticle(h.law, h.number + (h.suffix ? '之' + h.suffix : ''), '')}, h.ref),
                   ' ', el('span', {class: 'meta'}, h.version_date + (h.in_force ? '' : ' · 已失效')),
                   el('div', {class: 'snippet'}, h.text.length > 200 ? h.text.slice(0, 200) + '……' : h.text)));
    }
    if (!r.hits.length) ol.append(el('li', {}, '没有结果'));
  } catch (e) {
    ol.replaceChildren(el('li', {}, '出错：' + e.message));
  }
}

let allLaws = [];
async function loadLaws() {
  try {
    allLaws = (await getJSON('/v1/laws')).laws;
  } catch (e) {
    $('law-list').replaceChildren(el('li', {}, '出错：' + e.message));
    return;
  }
  filterLaws();
}

function filterLaws() {
  const f = $('law-filter').value.trim();
  const ul = $('law-list');
  ul.replaceChildren();
  for (const l of allLaws.filter((l) => !f || l.title.includes(f)).slice(0, 300)) {
    ul.append(el('li', {}, el('a', {class: 'cite', onclick: () => openLaw(l.title)}, l.title),
                 ' ', el('span', {class: 'meta'}, l.category + ' · ' + l.version_date + ' · ' + l.articles + ' 条')));
  }
}

function openLaw(title) {
  const panel = $('article-panel');
  panel.hidden = false;
  panel.dataset.law = title;
  $('panel-title').textContent = title;
  $('panel-meta').textContent = '输入条号查看条文';
  $('panel-text').textContent = '';
  loadVersions(title, null);
}

// ---- wiring ----

for (const b of document.querySelectorAll('nav button')) b.addEventListener('click', () => showView(b.dataset.view));
$('ask-form').addEventListener('submit', (e) => { e.preventDefault(); const q = $('question').value.trim(); if (q) ask(q); });
$('search-form').addEventListener('submit', (e) => { e.preventDefault(); const q = $('search-q').value.trim(); if (q) search(q, $('search-law').value.trim()); });
$('law-filter').addEventListener('input', filterLaws);
$('panel-close').addEventListener('click', () => { $('article-panel').hidden = true; });
$('panel-goto').addEventListener('submit', (e) => {
  e.preventDefault();
  const n = $('panel-number').value.trim();
  if (n) openArticle($('article-panel').dataset.law, n, $('as-of').value);
});

// ?q= asks at once (links and headless checks); ?search= searches.
const params = new URLSearchParams(location.search);
if (params.get('q')) { $('question').value = params.get('q'); ask(params.get('q')); }
else if (params.get('search')) { showView('search'); $('search-q').value = params.get('search'); search(params.get('search'), ''); }
