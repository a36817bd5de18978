// alignstream live view: reads /api/live every few seconds and draws it as inline SVG.
// Hand-written on purpose: the page must load nothing from outside the service.
'use strict';
(function () {
  const SVG_NS = 'http://www.w3.org/2000/svg';
  const PALETTE = ['#2f6fd6', '#d6792f', '#2f9e6b', '#9b4fd6', '#c53b5b', '#1f9bb0', '#8a6d3b', '#5d6b7e'];
  const RAW = '#8a94a6';
  const TEVI = '#2f6fd6';
  const DIRECTIONS = { t2i: 'text_to_image', i2t: 'image_to_text' };
  const LENGTHS = { short: 'short captions', long: 'long captions' };

  let refreshMs = 3000;
  let kindChosenByUser = false;
  let latest = null;

  const byId = (id) => document.getElementById(id);

  function text(tag, content, className) {
    const node = document.createElement(tag);
    if (content != null) node.textContent = content;
    if (className) node.className = className;
    return node;
  }

  function svg(name, attrs, parent) {
    const node = document.createElementNS(SVG_NS, name);
    Object.keys(attrs || {}).forEach((key) => node.setAttribute(key, String(attrs[key])));
    if (parent) parent.appendChild(node);
    return node;
  }

  function finite(v) {
    return typeof v === 'number' && isFinite(v);
  }

  function fixed(v, digits) {
    return finite(v) ? v.toFixed(digits) : '–';
  }

  function seconds(v) {
    if (!finite(v)) return '–';
    if (v < 1) return (v * 1000).toPrecision(v < 0.01 ? 2 : 3).replace(/\.0+$/, '') + ' ms';
    if (v < 120) return v.toPrecision(3) + ' s';
    return (v / 60).toPrecision(3) + ' min';
  }

  function clock(ms) {
    const d = new Date(ms);
    const pad = (n) => String(n).padStart(2, '0');
    return pad(d.getHours()) + ':' + pad(d.getMinutes()) + ':' + pad(d.getSeconds());
  }

  // a gain with its sign: +0.020, -0.100, 0.000
  function signed(v, digits) {
    if (!finite(v)) return '–';
    const rounded = Number(v.toFixed(digits));
    return (rounded > 0 ? '+' : '') + (rounded === 0 ? 0 : rounded).toFixed(digits);
  }

  function rate(v) {
    if (!finite(v)) return '–';
    return v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v.toFixed(2);
  }

  function shortTopic(topic) {
    return String(topic);
  }

  // ---- one chart ----------------------------------------------------------------------------
  // series: [{label, color, dashed, points: [{x, y, title}]}] (y null breaks the line)
  // opts: {empty, yMin, yMax, log, yFormat, bars}
  function drawChart(container, series, opts) {
    container.textContent = '';
    const usable = (p) => finite(p.y) && (!opts.log || p.y > 0);
    const points = [];
    series.forEach((s) => s.points.forEach((p) => { if (usable(p)) points.push(p); }));
    if (points.length === 0) {
      container.appendChild(text('p', opts.empty, 'empty'));
      return;
    }
    const W = 560, H = 210, L = 56, R = 14, T = 10, B = 24;
    let xMin = Math.min.apply(null, points.map((p) => p.x));
    let xMax = Math.max.apply(null, points.map((p) => p.x));
    if (opts.bars) {
      // half a step of room on each side, so the first and last bars stay inside the plot
      const xs = Array.from(new Set(points.map((p) => p.x))).sort((a, b) => a - b);
      const step = xs.length > 1 ? (xs[xs.length - 1] - xs[0]) / (xs.length - 1) : 5000;
      xMin -= step / 2;
      xMax += step / 2;
    }
    if (xMax === xMin) { xMin -= 30000; xMax += 30000; }
    const ys = points.map((p) => p.y);
    let yMin, yMax, yStep;
    if (opts.log) {
      yMin = Math.pow(10, Math.floor(Math.log10(Math.min.apply(null, ys))));
      yMax = Math.pow(10, Math.ceil(Math.log10(Math.max.apply(null, ys))));
      if (yMax <= yMin) yMax = yMin * 10;
    } else {
      // the range always holds 0 and every point, with a tenth of room beyond the extremes
      // (signed series such as TEVI's gain may lie wholly below 0)
      const lo = Math.min(0, Math.min.apply(null, ys));
      const hi = Math.max(0, Math.max.apply(null, ys));
      yMin = opts.yMin != null ? opts.yMin : (lo < 0 ? lo - 0.1 * (hi - lo) : 0);
      yMax = opts.yMax != null ? opts.yMax : hi + 0.1 * (hi - lo);
      if (!(yMax > yMin)) yMax = yMin + 1;
      // round ticks (1, 2, 2.5 or 5 times a power of ten); the range widened to whole steps
      const raw = (yMax - yMin) / 4;
      const magnitude = Math.pow(10, Math.floor(Math.log10(raw)));
      const n = raw / magnitude;
      yStep = (n <= 1 ? 1 : n <= 2 ? 2 : n <= 2.5 ? 2.5 : n <= 5 ? 5 : 10) * magnitude;
      if (opts.yMin == null) yMin = Math.floor(yMin / yStep + 1e-9) * yStep;
      if (opts.yMax == null) yMax = Math.ceil(yMax / yStep - 1e-9) * yStep;
    }
    const sx = (x) => L + (x - xMin) / (xMax - xMin) * (W - L - R);
    const sy = opts.log
      ? (y) => T + (1 - (Math.log10(y) - Math.log10(yMin)) / (Math.log10(yMax) - Math.log10(yMin))) * (H - T - B)
      : (y) => T + (1 - (y - yMin) / (yMax - yMin)) * (H - T - B);
    const root = svg('svg', { viewBox: '0 0 ' + W + ' ' + H, role: 'img', preserveAspectRatio: 'xMidYMid meet' });

    const ticks = [];
    if (opts.log) {
      for (let v = yMin; v <= yMax * 1.0001; v *= 10) ticks.push(v);
    } else {
      const first = Math.ceil(yMin / yStep - 1e-9);
      for (let i = first; i * yStep <= yMax + yStep * 1e-9; i++) ticks.push(Math.abs(i) < 1e-9 ? 0 : i * yStep);
    }
    const grid = svg('g', { class: 'tick' }, root);
    ticks.forEach((v) => {
      svg('line', { x1: L, x2: W - R, y1: sy(v), y2: sy(v), class: 'grid-line' }, grid);
      const label = svg('text', { x: L - 6, y: sy(v) + 4, 'text-anchor': 'end' }, grid);
      label.textContent = opts.yFormat(v);
    });
    const axis = svg('g', { class: 'axis' }, root);
    const xTicks = xMax - xMin > 0 ? [xMin, (xMin + xMax) / 2, xMax] : [xMin];
    xTicks.forEach((x, i) => {
      const anchor = i === 0 ? 'start' : i === xTicks.length - 1 ? 'end' : 'middle';
      const label = svg('text', { x: sx(x), y: H - 6, 'text-anchor': anchor }, axis);
      label.textContent = clock(x);
    });

    series.forEach((s) => {
      const group = svg('g', { 'data-series': s.label }, root);
      if (opts.bars) {
        const width = Math.max(2, (W - L - R) / Math.max(1, s.points.length) * 0.6);
        s.points.filter(usable).forEach((p) => {
          const y0 = sy(Math.max(yMin, 0));
          const rect = svg('rect', { x: sx(p.x) - width / 2, y: Math.min(sy(p.y), y0), width: width,
            height: Math.abs(y0 - sy(p.y)), fill: s.color, class: 'pt', 'data-value': p.y }, group);
          svg('title', {}, rect).textContent = p.title || (clock(p.x) + ': ' + p.y);
        });
        return;
      }
      let d = '';
      let open = false;
      s.points.forEach((p) => {
        if (!usable(p)) { open = false; return; }
        d += (open ? ' L' : ' M') + sx(p.x).toFixed(1) + ' ' + sy(p.y).toFixed(1);
        open = true;
      });
      if (d) {
        svg('path', { d: d.trim(), class: 'series', stroke: s.color, 'stroke-dasharray': s.dashed ? '5 4' : 'none' }, group);
      }
      s.points.filter(usable).forEach((p) => {
        const dot = svg('circle', { cx: sx(p.x).toFixed(1), cy: sy(p.y).toFixed(1), r: 2.6, fill: s.color,
          class: 'pt', 'data-value': p.y }, group);
        svg('title', {}, dot).textContent = p.title || (s.label + ' at ' + clock(p.x) + ': ' + opts.yFormat(p.y));
      });
    });
    container.appendChild(root);

    const legend = text('div', null, 'legend');
    series.forEach((s) => {
      if (!s.points.some(usable)) return;
      const item = text('span');
      item.appendChild(text('span', null, 'swatch' + (s.dashed ? ' dashed' : '')));
      item.lastChild.style.borderTopColor = s.color;
      item.appendChild(document.createTextNode(s.label));
      legend.appendChild(item);
    });
    container.appendChild(legend);
  }

  function card(label, valueNode, id) {
    const node = text('div', null, 'card');
    if (id) node.id = id;
    node.appendChild(text('div', label, 'label'));
    const value = text('div', null, 'value');
    if (typeof valueNode === 'string') value.textContent = valueNode; else value.appendChild(valueNode);
    node.appendChild(value);
    return node;
  }

  function numberSpan(v, digits, id) {
    const span = text('span', fixed(v, digits));
    if (id) span.id = id;
    if (finite(v)) span.dataset.value = String(v);
    return span;
  }

  function recallOf(w, direction, embedding, k) {
    const d = w.recall && w.recall[direction];
    const e = d && d[embedding];
    const v = e ? e[k] : undefined;
    return finite(v) ? v : null;
  }

  // ---- short and long captions ----------------------------------------------------------------
  function lengthOf(w, length) {
    return w.byCaptionLength ? w.byCaptionLength[length] : undefined;
  }

  function lengthRecall(figures, direction, embedding, k) {
    return figures ? recallOf(figures, direction, embedding, k) : null;
  }

  function lengthGain(figures, direction, k) {
    const g = figures && figures.gain && figures.gain[direction];
    const v = g ? g[k] : undefined;
    return finite(v) ? v : null;
  }

  function arrowCell(raw, tevi, id) {
    const cell = text('td');
    cell.appendChild(numberSpan(raw, 3, id + '-raw'));
    cell.appendChild(text('span', '→', 'arrow'));
    cell.appendChild(numberSpan(tevi, 3, id + '-tevi'));
    return cell;
  }

  function gainCell(gain, id) {
    const cell = text('td');
    const span = text('span', signed(gain, 3), 'gain' + (gain > 0 ? ' up' : gain < 0 ? ' down' : ''));
    span.id = id;
    if (finite(gain)) span.dataset.value = String(gain);
    cell.appendChild(span);
    return cell;
  }

  // spread: {windows, mean, sd (null for one window), min, max} of the gain over the kept windows
  function spreadCell(spread, id) {
    const cell = text('td');
    cell.id = id;
    if (!spread) {
      cell.textContent = 'no window with such captions yet';
      cell.className = 'muted';
      return cell;
    }
    cell.dataset.windows = String(spread.windows);
    cell.dataset.mean = String(spread.mean);
    cell.dataset.min = String(spread.min);
    cell.dataset.max = String(spread.max);
    if (finite(spread.sd)) cell.dataset.sd = String(spread.sd);
    const plural = spread.windows === 1 ? ' window' : ' windows';
    cell.textContent = spread.windows === 1
      ? signed(spread.mean, 3) + ' (1 window: no spread yet)'
      : 'mean ' + signed(spread.mean, 3) + ' ± ' + fixed(spread.sd, 3) + ', from ' + signed(spread.min, 3) + ' to '
        + signed(spread.max, 3) + ' (' + spread.windows + plural + ')';
    return cell;
  }

  function renderByLength(api, kind, k, windows) {
    const box = byId('by-length');
    const body = byId('by-length-table').querySelector('tbody');
    body.textContent = '';
    const spreads = (api.gainByCaptionLength && api.gainByCaptionLength[kind]) || {};
    if (windows.length === 0) {
      box.hidden = true;
    } else {
      box.hidden = false;
      const w = windows[windows.length - 1];
      box.dataset.endMs = String(w.endMs);
      box.dataset.window = kind;
      box.dataset.k = k;
      byId('by-length-spread-head').textContent = 'TEVI gain over the last ' + kind + ' windows (text → image)';
      const longFigures = lengthOf(w, 'long');
      byId('by-length-step').textContent = longFigures
        ? 'In the latest window one long caption moves the long text → image figures by 1/' + longFigures.captions + ' = '
          + fixed(1 / longFigures.captions, 3) + ': read the long gain over many windows.'
        : '';
      Object.keys(LENGTHS).forEach((length) => {
        const row = text('tr');
        row.id = 'length-' + length;
        row.appendChild(text('td', LENGTHS[length]));
        const figures = lengthOf(w, length);
        const count = w.captions ? w.captions[length] : null;
        const id = 'length-' + length;
        if (figures) {
          row.dataset.figures = 'present';
          row.appendChild(text('td', figures.captions + ' captions of ' + figures.images + ' images'));
          row.appendChild(arrowCell(lengthRecall(figures, 'text_to_image', 'raw', k), lengthRecall(figures, 'text_to_image', 'tevi', k), id + '-t2i'));
          row.appendChild(gainCell(lengthGain(figures, 'text_to_image', k), id + '-t2i-gain'));
        } else {
          // no sample, no value: say why instead of drawing a 0
          row.dataset.figures = 'none';
          row.appendChild(text('td', count ? count + ' caption(s), all of one image' : 'none'));
          const why = text('td', count ? 'one image ranks nothing: no figure' : 'no ' + LENGTHS[length] + ' in this window: no figure', 'muted');
          why.colSpan = 2;
          row.appendChild(why);
        }
        row.appendChild(spreadCell(spreads[length] && spreads[length].text_to_image && spreads[length].text_to_image[k], id + '-spread'));
        row.appendChild(figures
          ? arrowCell(lengthRecall(figures, 'image_to_text', 'raw', k), lengthRecall(figures, 'image_to_text', 'tevi', k), id + '-i2t')
          : text('td', '–', 'muted'));
        body.appendChild(row);
      });
    }
    drawChart(byId('chart-gain-by-length'), [
      { label: 'short captions', color: PALETTE[1], dashed: true,
        points: windows.map((w) => ({ x: w.endMs, y: lengthGain(lengthOf(w, 'short'), 'text_to_image', k) })) },
      { label: 'long captions', color: TEVI,
        points: windows.map((w) => ({ x: w.endMs, y: lengthGain(lengthOf(w, 'long'), 'text_to_image', k) })) },
    ], { empty: windows.length === 0 ? 'No window yet.' : 'No window yet had short or long captions of 2 images or more.',
      yFormat: (v) => signed(v, 2) });
  }

  // ---- quality ------------------------------------------------------------------------------
  function chosenKind(api) {
    const select = byId('window-kind');
    if (!kindChosenByUser) {
      const count = (api.quality.count || []).length;
      const time = (api.quality.time || []).length;
      select.value = count === 0 && time > 0 ? 'time' : 'count';
    }
    return select.value;
  }

  function chosenK(api) {
    const select = byId('k');
    const ks = (api.monitor.recallKs || []).map(String);
    const current = select.value;
    if (select.options.length !== ks.length || ks.some((k, i) => select.options[i].value !== k)) {
      select.textContent = '';
      ks.forEach((k) => { const o = text('option', k); o.value = k; select.appendChild(o); });
      select.value = ks.indexOf(current) >= 0 ? current : (ks[0] || '1');
    }
    return select.value || ks[0] || '1';
  }

  function emptyQualityMessage(api, kind) {
    const m = api.monitor;
    if (!m.enabled) {
      return 'The retrieval-quality monitor is off (alignstream.monitor.enabled=false): there are no quality windows to show.';
    }
    const rule = 'A count window closes every ' + m.windowPairs + ' published (image, caption) pairs; a time window every '
      + Math.round(m.windowTimeMs / 1000) + ' s if it holds at least ' + m.minPairs + ' pairs.';
    const other = kind === 'count' ? 'time' : 'count';
    if ((api.quality[other] || []).length > 0) {
      return 'No ' + kind + ' window has closed yet (' + other + ' windows have: switch above). ' + rule;
    }
    return 'No quality window has closed yet, so there are no retrieval figures yet. ' + rule;
  }

  function renderQuality(api) {
    const kind = chosenKind(api);
    const k = chosenK(api);
    document.querySelectorAll('.k-value').forEach((n) => { n.textContent = k; });
    const windows = api.quality[kind] || [];
    const empty = byId('quality-empty');
    const latestBox = byId('quality-latest');
    latestBox.textContent = '';
    if (windows.length === 0) {
      empty.hidden = false;
      empty.textContent = emptyQualityMessage(api, kind);
      delete latestBox.dataset.endMs;
    } else {
      empty.hidden = true;
      const w = windows[windows.length - 1];
      latestBox.dataset.endMs = String(w.endMs);
      latestBox.dataset.window = kind;
      latestBox.dataset.k = k;
      latestBox.appendChild(card('latest ' + kind + ' window', clock(w.endMs)));
      latestBox.appendChild(card('pairs / images / dead letters', w.pairs + ' / ' + w.images + ' / ' + w.deadLetters));
      Object.keys(DIRECTIONS).forEach((short) => {
        const dir = DIRECTIONS[short];
        const value = text('span');
        value.appendChild(numberSpan(recallOf(w, dir, 'raw', k), 3, 'latest-' + short + '-raw'));
        value.appendChild(text('span', '→', 'arrow'));
        value.appendChild(numberSpan(recallOf(w, dir, 'tevi', k), 3, 'latest-' + short + '-tevi'));
        latestBox.appendChild(card((short === 't2i' ? 'text → image' : 'image → text') + ' Recall@' + k + ': raw → TEVI', value));
      });
      const mrr = w.mrr && w.mrr.text_to_image;
      if (mrr) {
        latestBox.appendChild(card('text → image MRR: raw → TEVI', fixed(mrr.raw, 3) + ' → ' + fixed(mrr.tevi, 3)));
      }
    }
    renderByLength(api, kind, k, windows);
    const noRetrieval = windows.length === 0 ? 'No window yet.'
      : 'No retrieval figures: windows so far had fewer than 2 distinct images.';
    Object.keys(DIRECTIONS).forEach((short) => {
      const dir = DIRECTIONS[short];
      drawChart(byId('chart-recall-' + short), [
        // raw first, so TEVI (the headline) is drawn on top where they are equal
        { label: 'raw embedding', color: RAW, dashed: true, points: windows.map((w) => ({ x: w.endMs, y: recallOf(w, dir, 'raw', k) })) },
        { label: 'TEVI-aligned', color: TEVI, points: windows.map((w) => ({ x: w.endMs, y: recallOf(w, dir, 'tevi', k) })) },
      ], { empty: noRetrieval, yMin: 0, yMax: 1, yFormat: (v) => v.toFixed(2) });
    });
    drawChart(byId('chart-drift'), [
      { label: 'images', color: PALETTE[1], points: windows.map((w) => ({ x: w.endMs, y: w.driftMmd2 ? w.driftMmd2.image : null })) },
      { label: 'captions', color: PALETTE[2], points: windows.map((w) => ({ x: w.endMs, y: w.driftMmd2 ? w.driftMmd2.caption : null })) },
    ], { empty: windows.length === 0 ? 'No window yet.' : 'No drift figures yet (the first count window is the reference).',
      yFormat: (v) => (v === 0 ? '0' : Math.abs(v) >= 0.01 ? v.toFixed(3).replace(/0+$/, '').replace(/\.$/, '') : v.toExponential(1)) });
  }

  function renderTopWords(api) {
    const list = byId('top-words');
    const meta = byId('top-words-meta');
    list.textContent = '';
    const top = api.topWords;
    if (!top || !top.words || top.words.length === 0) {
      meta.textContent = 'No AlignVLM top words yet: they come with the first closed window.';
      return;
    }
    meta.textContent = top.window + ' window closed at ' + clock(top.endMs);
    list.dataset.endMs = String(top.endMs);
    list.dataset.window = top.window;
    top.words.forEach((w) => {
      const li = text('li');
      li.appendChild(text('span', w.word, 'word'));
      const bar = text('span', null, 'bar');
      bar.style.width = Math.max(2, Math.round(w.share * 160)) + 'px';
      li.appendChild(bar);
      li.appendChild(text('span', Math.round(w.share * 100) + '% of images', 'muted'));
      list.appendChild(li);
    });
  }

  // ---- traffic and latency ------------------------------------------------------------------
  function keysOf(samples, field) {
    const keys = new Set();
    samples.forEach((s) => Object.keys(s[field] || {}).forEach((key) => keys.add(key)));
    return Array.from(keys).sort();
  }

  function renderTraffic(api) {
    const t = api.throughput;
    const samples = t.samples || [];
    byId('traffic-note').textContent = 'sampled every ' + Math.round(t.intervalMs / 1000) + ' s'
      + (samples.length ? ', last ' + clock(samples[samples.length - 1].timeMs) : '');
    const totals = byId('traffic-totals');
    totals.textContent = '';
    if (t.totals) {
      const sum = (m) => Object.keys(m || {}).reduce((a, key) => a + m[key], 0);
      totals.appendChild(card('records read (all input topics)', String(Math.round(sum(t.totals.eventsIn)))));
      totals.appendChild(card('records published (all output topics)', String(Math.round(sum(t.totals.eventsOut)))));
      totals.appendChild(card('dead letters', String(t.totals.deadLetters)));
    }
    const waiting = samples.length === 0 ? 'Collecting: the first rate needs two samples, ' + Math.round(t.intervalMs / 1000)
      + ' s apart.' : null;
    const series = [];
    let color = 0;
    keysOf(samples, 'eventsInPerSecond').forEach((topic) => series.push({ label: 'in: ' + shortTopic(topic),
      color: PALETTE[color++ % PALETTE.length], points: samples.map((s) => ({ x: s.timeMs, y: s.eventsInPerSecond[topic] })) }));
    keysOf(samples, 'eventsOutPerSecond').forEach((topic) => series.push({ label: 'out: ' + shortTopic(topic), dashed: true,
      color: PALETTE[color++ % PALETTE.length], points: samples.map((s) => ({ x: s.timeMs, y: s.eventsOutPerSecond[topic] })) }));
    drawChart(byId('chart-throughput'), series,
      { empty: waiting || 'No records have been read or published yet.', yMin: 0, yFormat: (v) => rate(v) + '/s' });
    drawChart(byId('chart-dead-letters'), [{ label: 'dead letters', color: '#c53030', points: samples.map((s) => ({
      x: s.timeMs, y: s.deadLetters, title: clock(s.timeMs) + ': ' + s.deadLetters + ' dead letter(s)'
        + Object.keys(s.deadLettersByReason || {}).map((r) => ' ' + r + '=' + s.deadLettersByReason[r]).join(',') })) }],
    { empty: waiting || 'No samples yet.', yMin: 0, bars: true, yFormat: (v) => (Math.abs(v - Math.round(v)) < 1e-9 ? v.toFixed(0) : v.toFixed(1)) });
  }

  function quantileSeries(samples, field) {
    const series = [];
    keysOf(samples, field).forEach((key, i) => {
      const color = PALETTE[i % PALETTE.length];
      const pick = (s, q) => (s[field][key] ? s[field][key][q] : null);
      series.push({ label: key + ' p99', color: color, points: samples.map((s) => ({ x: s.timeMs, y: pick(s, 'p99') })) });
      series.push({ label: key + ' p50', color: color, dashed: true, points: samples.map((s) => ({ x: s.timeMs, y: pick(s, 'p50') })) });
    });
    return series;
  }

  function renderLatency(api) {
    const t = api.throughput;
    const samples = t.samples || [];
    const span = Math.round(t.quantileWindowMs / 1000);
    byId('latency-note').textContent = 'quantiles over the last ' + span + ' s at each sample, estimated from the histogram buckets as Prometheus does';
    const waiting = samples.length === 0 ? 'Collecting: the first sample comes ' + Math.round(t.intervalMs / 1000) + ' s after start.' : null;
    drawChart(byId('chart-inference'), quantileSeries(samples, 'inference'),
      { empty: waiting || 'No inference batch in the last ' + span + ' s.', log: true, yFormat: seconds });
    drawChart(byId('chart-end-to-end'), quantileSeries(samples, 'endToEnd'),
      { empty: waiting || 'No result published in the last ' + span + ' s.', log: true, yFormat: seconds });
  }

  function renderState(api) {
    const badge = byId('streams-state');
    badge.textContent = api.streamsState;
    badge.className = 'badge ' + (api.streamsState === 'RUNNING' ? 'ok'
      : api.streamsState === 'REBALANCING' || api.streamsState === 'CREATED' ? 'warn' : 'bad');
    byId('updated').textContent = 'updated ' + clock(api.time) + ', every ' + Math.round(api.refreshMs / 1000) + ' s';
  }

  function render(api) {
    latest = api;
    renderState(api);
    renderQuality(api);
    renderTopWords(api);
    renderTraffic(api);
    renderLatency(api);
    document.body.dataset.state = 'ready';
    document.body.dataset.renders = String(Number(document.body.dataset.renders || '0') + 1);
  }

  function refresh() {
    fetch('api/live', { cache: 'no-store' })
      .then((response) => {
        if (!response.ok) throw new Error('HTTP ' + response.status);
        return response.json();
      })
      .then((api) => {
        byId('error').hidden = true;
        if (finite(api.refreshMs) && api.refreshMs >= 500) refreshMs = api.refreshMs;
        render(api);
      })
      .catch((e) => {
        const error = byId('error');
        error.hidden = false;
        error.textContent = 'Cannot read the service (' + e.message + '); showing the last figures, retrying every '
          + Math.round(refreshMs / 1000) + ' s.';
        document.body.dataset.state = latest ? 'stale' : 'error';
      })
      .finally(() => { setTimeout(refresh, refreshMs); });
  }

  byId('window-kind').addEventListener('change', () => { kindChosenByUser = true; if (latest) render(latest); });
  byId('k').addEventListener('change', () => { if (latest) render(latest); });
  refresh();
})();
