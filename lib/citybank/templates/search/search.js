/* citybank site search: the box in every page's header and its results list.
 *
 * Works from a disk copy (file://): the language's index (search-index.js, a global) and its Snowball stemmer
 * are classic scripts loaded on first use. The query is tokenised, stemmed and folded exactly as
 * citybank/render/search.py did for the index (a browser test compares the two over the whole vocabulary).
 * When the page is served over HTTP(S) and a Pagefind index exists (site/pagefind/), Pagefind answers; the
 * note under the box says which search is used.
 */
(function () {
  'use strict';
  const form = document.querySelector('form[data-search]');
  if (!form) return;
  const input = form.querySelector('input[type="search"]');
  const panel = document.getElementById(form.dataset.results);
  const note = document.getElementById(form.dataset.note);
  const lang = document.documentElement.lang;
  const FOLD = { 'ł': 'l', 'Ł': 'L', 'ø': 'o', 'đ': 'd' };

  function tokens(text) {
    return text.normalize('NFC').toLowerCase().match(/\p{L}+|\p{Nd}+/gu) || [];
  }
  function fold(word) {
    return word.replace(/[łŁøđ]/g, (c) => FOLD[c]).normalize('NFD').replace(/\p{Mn}/gu, '');
  }
  function key(word, stemmer) {
    return /^\p{Nd}+$/u.test(word) ? word : fold(stemmer.stemWord(word));
  }

  function load(src) {
    return new Promise((resolve, reject) => {
      const s = document.createElement('script');
      s.src = src;
      s.onload = resolve;
      s.onerror = () => reject(new Error('cannot load ' + src));
      document.head.appendChild(s);
    });
  }

  let offline = null;
  function offlineEngine() {
    if (offline) return offline;
    offline = Promise.all([load(form.dataset.stemmer), load(form.dataset.index)]).then(() => {
      const index = window.CITYBANK_SEARCH_INDEX;
      const stemmer = window.CITYBANK_STEMMER[lang];
      return {
        kind: 'offline',
        key: (w) => key(w, stemmer),
        search: (q) => rank(index, Array.from(new Set(tokens(q).map((w) => key(w, stemmer))))),
      };
    });
    return offline;
  }

  // The same ranking as search.search() in Python: pages having every key, by Σ weight × log(1 + n / df).
  function rank(index, keys) {
    if (!keys.length || keys.some((k) => !(k in index.terms))) return [];
    let score = null;
    for (const k of keys) {
      const postings = index.terms[k];
      const idf = Math.log(1 + index.n / postings.length);
      const hits = new Map(postings.map(([p, w]) => [p, w * idf]));
      if (score === null) score = hits;
      else {
        const next = new Map();
        for (const [p, s] of score) if (hits.has(p)) next.set(p, s + hits.get(p));
        score = next;
      }
    }
    const round = (x) => Math.round(x * 1e9) / 1e9;
    return Array.from(score.keys())
      .sort((a, b) => round(score.get(b)) - round(score.get(a)) || a - b)
      .map((p) => ({ href: index.pages[p][0], title: index.pages[p][1], text: index.pages[p][2] }));
  }

  function pagefindEngine() {
    const url = new URL(form.dataset.pagefind, location.href);
    return import(url.href).then(async (pf) => {
      await pf.options({ baseUrl: new URL('../', location.href).pathname });
      await pf.init();
      return {
        kind: 'pagefind',
        search: async (q) => {
          const found = await pf.search(q);
          const data = await Promise.all(found.results.slice(0, 50).map((r) => r.data()));
          const strip = (h) => { const d = document.createElement('div'); d.innerHTML = h; return d.textContent; };
          return data.map((d) => ({ href: d.url, title: (d.meta && d.meta.title) || d.url, text: strip(d.excerpt || '') }));
        },
      };
    });
  }

  let engine = null;
  function getEngine() {
    if (engine) return engine;
    const hosted = /^https?:$/.test(location.protocol) && form.dataset.pagefind;
    engine = (hosted ? pagefindEngine().catch(() => offlineEngine()) : offlineEngine()).then((e) => {
      note.textContent = e.kind === 'pagefind' ? form.dataset.notePagefind : form.dataset.noteOffline;
      return e;
    });
    return engine;
  }

  function show(query, results) {
    panel.replaceChildren();
    const status = document.createElement('p');
    status.className = 'search-status';
    status.textContent = (results.length ? form.dataset.msgCount : form.dataset.msgNone)
      .replace('{n}', String(results.length)).replace('{q}', query);
    panel.appendChild(status);
    if (results.length) {
      const list = document.createElement('ol');
      for (const r of results) {
        const li = document.createElement('li');
        const a = document.createElement('a');
        a.href = r.href;
        a.textContent = r.title;
        li.appendChild(a);
        if (r.text) {
          const p = document.createElement('p');
          p.textContent = r.text;
          li.appendChild(p);
        }
        list.appendChild(li);
      }
      panel.appendChild(list);
    }
    panel.hidden = false;
  }

  let pending = 0;
  function run(focusFirst) {
    const query = input.value.trim();
    const ticket = ++pending;
    if (!query) {
      panel.hidden = true;
      panel.replaceChildren();
      return Promise.resolve();
    }
    return getEngine()
      .then((e) => e.search(query))
      .then((results) => {
        if (ticket !== pending) return;
        show(query, results);
        const first = panel.querySelector('a');
        if (focusFirst && first) first.focus();
      });
  }

  let timer = 0;
  input.addEventListener('input', () => {
    clearTimeout(timer);
    timer = setTimeout(() => run(false), 150);
  });
  input.addEventListener('focus', () => { getEngine(); }, { once: true });
  input.addEventListener('keydown', (ev) => {
    if (ev.key === 'Escape') {
      input.value = '';
      run(false);
    }
  });
  panel.addEventListener('keydown', (ev) => {
    if (ev.key === 'Escape') {  // close the results and go back to the box
      panel.hidden = true;
      input.focus();
    }
  });
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    clearTimeout(timer);
    run(true);
  });
  form.hidden = false;
  note.hidden = false;
  // For tests and for people debugging a query: the index key of each word (tokens of the query, in order).
  window.citybankSearchKeys = (words) => offlineEngine().then((e) => words.map(e.key));
  window.citybankSearchTokens = tokens;
})();
