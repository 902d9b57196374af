'use strict';

// The metrics of a pair as /metrics, /metrics/{pair}/history and /stream spell them, in table
// order. Prices are exact decimal strings: the table shows them as given, only the chart parses
// them.
const FIELDS = [
  'pair', 'bid', 'ask', 'mid_price', 'spread', 'highest_bid', 'lowest_ask', 'max_spread',
  'moving_avg', 'count', 'timestamp',
];
// The table's last column: where the metrics come from (`source`), which history rows lack.
const SOURCE_FIELD = 'source';
// Table cells coloured by whether their last change went up or down.
const DIRECTIONAL_FIELDS = new Set(['bid', 'ask', 'mid_price', 'moving_avg']);

// The chart's lines; each colour is a custom property of dashboard.css, shared with the legend.
const SERIES = [
  { field: 'bid', colour: '--bid', dash: [] },
  { field: 'ask', colour: '--ask', dash: [] },
  { field: 'mid_price', colour: '--mid', dash: [] },
  { field: 'moving_avg', colour: '--avg', dash: [5, 4] },
];
const POINTS_KEPT = 300;

// EventSource retries a lost connection itself (at the server's `retry:`), but gives up for good
// on an answer that is not an event stream, such as a 503 while the service starts.
const STREAM_RETRY_MS = 3000;

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const TIME_STEPS = [
  SECOND, 2 * SECOND, 5 * SECOND, 10 * SECOND, 15 * SECOND, 30 * SECOND,
  MINUTE, 2 * MINUTE, 5 * MINUTE, 10 * MINUTE, 15 * MINUTE, 30 * MINUTE,
  HOUR, 2 * HOUR, 3 * HOUR, 6 * HOUR, 12 * HOUR, 24 * HOUR,
];

const CHART_MARGIN = { top: 8, right: 8, bottom: 22, gap: 8 };
const PIXELS_PER_PRICE_TICK = 40;
const PIXELS_PER_TIME_TICK = 70;

function pad(number, width = 2) {
  return String(number).padStart(width, '0');
}

function clockTime(date, withMilliseconds) {
  const time = `${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}`;
  return withMilliseconds ? `${time}.${pad(date.getMilliseconds(), 3)}` : time;
}

// "2026-11-25T17:00:00.123456Z" as local time, "18:00:00.123"; the text as given if unreadable.
function formatQuoteTime(timestamp, withMilliseconds = true) {
  const date = new Date(timestamp);
  return Number.isNaN(date.getTime()) ? timestamp : clockTime(date, withMilliseconds);
}

// A metrics object from the server, or null when it lacks a field the page shows.
function readSnapshot(value) {
  if (value === null || typeof value !== 'object' || typeof value.pair !== 'string') return null;
  return FIELDS.every((field) => value[field] !== undefined && value[field] !== null)
    ? value
    : null;
}

// A point of the chart, or null when its time or a price cannot be plotted.
function chartPoint(snapshot) {
  const point = { time: Date.parse(snapshot.timestamp), count: snapshot.count };
  for (const { field } of SERIES) point[field] = parseFloat(snapshot[field]);
  const plottable = [point.time, ...SERIES.map(({ field }) => point[field])].every(Number.isFinite);
  return plottable ? point : null;
}

async function fetchJson(url) {
  const response = await fetch(url, { headers: { Accept: 'application/json' } });
  if (!response.ok) throw new Error(`${url}: HTTP ${response.status}`);
  return response.json();
}

// The latest metrics of every pair; none while the service cannot answer (the stream sends them
// on connecting anyway).
async function fetchAllSnapshots() {
  try {
    const body = await fetchJson('metrics');
    return Array.isArray(body.pairs) ? body.pairs.map(readSnapshot).filter(Boolean) : [];
  } catch {
    return [];
  }
}

// The pair's stored points, oldest first; none when storage cannot answer (503).
async function fetchHistoryPoints(pair) {
  try {
    const body = await fetchJson(
      `metrics/${encodeURIComponent(pair)}/history?limit=${POINTS_KEPT}`);
    if (!Array.isArray(body.rows)) return [];
    return body.rows.map(readSnapshot).filter(Boolean).map(chartPoint).filter(Boolean).reverse();
  } catch {
    return [];
  }
}

// About `wanted` round values (1, 2 or 5 times a power of ten apart) within [low, high].
function priceTicks(low, high, wanted) {
  const rough = (high - low) / Math.max(1, wanted);
  const magnitude = 10 ** Math.floor(Math.log10(rough));
  const distance = (candidate) => Math.abs((high - low) / candidate - wanted);
  const step = [1, 2, 5, 10]
    .map((multiple) => multiple * magnitude)
    .reduce((best, candidate) => (distance(candidate) < distance(best) ? candidate : best));
  const decimals = Math.max(0, -Math.floor(Math.log10(step) + 1e-9));
  const format = new Intl.NumberFormat('en-US', {
    minimumFractionDigits: decimals,
    maximumFractionDigits: decimals,
  });
  const ticks = [];
  for (let i = Math.ceil(low / step); i * step <= high; i += 1) {
    ticks.push({ value: i * step, label: format.format(i * step) });
  }
  return ticks;
}

// Up to about `maxTicks` times on whole seconds, minutes or hours within [start, end].
function timeTicks(start, end, maxTicks) {
  const step = TIME_STEPS.find((s) => (end - start) / s <= maxTicks) ?? TIME_STEPS.at(-1);
  const ticks = [];
  for (let time = Math.ceil(start / step) * step; time <= end; time += step) {
    const date = new Date(time);
    const label = step < MINUTE
      ? clockTime(date, false)
      : `${pad(date.getHours())}:${pad(date.getMinutes())}`;
    ticks.push({ value: time, label });
  }
  return ticks;
}

// The colours and font of the charts, read from dashboard.css once a frame.
function readTheme() {
  const style = getComputedStyle(document.documentElement);
  const colour = (name) => style.getPropertyValue(name).trim();
  return {
    grid: colour('--grid'),
    axis: colour('--axis'),
    font: `11px ${style.fontFamily}`,
    series: SERIES.map((line) => ({ ...line, colour: colour(line.colour) })),
  };
}

// The pixel box the lines are drawn in and the scales from a point to it.
function plotArea(points, width, height, context) {
  let low = Infinity;
  let high = -Infinity;
  for (const point of points) {
    for (const { field } of SERIES) {
      low = Math.min(low, point[field]);
      high = Math.max(high, point[field]);
    }
  }
  const margin = (high - low) * 0.08 || Math.abs(high) * 1e-4 || 1;
  low -= margin;
  high += margin;

  // One point, or a burst within one millisecond, spans no time: it is drawn at the right edge
  // of the minute before it.
  const end = points.at(-1).time;
  const start = points[0].time < end ? points[0].time : end - MINUTE;

  const top = CHART_MARGIN.top;
  const bottom = height - CHART_MARGIN.bottom;
  const yTicks = priceTicks(low, high, Math.floor((bottom - top) / PIXELS_PER_PRICE_TICK));
  const labelWidth = Math.max(...yTicks.map((tick) => context.measureText(tick.label).width), 0);
  const left = Math.ceil(labelWidth) + CHART_MARGIN.gap;
  const right = width - CHART_MARGIN.right;
  const xTicks = timeTicks(start, end, Math.floor((right - left) / PIXELS_PER_TIME_TICK));

  return {
    left, right, top, bottom, width, xTicks, yTicks,
    x: (time) => left + ((time - start) / (end - start)) * (right - left),
    y: (price) => bottom - ((price - low) / (high - low)) * (bottom - top),
  };
}

function drawAxes(context, area, theme) {
  context.lineWidth = 1;
  context.strokeStyle = theme.grid;
  context.fillStyle = theme.axis;
  context.font = theme.font;

  context.textAlign = 'right';
  context.textBaseline = 'middle';
  for (const tick of area.yTicks) {
    const y = Math.round(area.y(tick.value)) + 0.5;
    context.beginPath();
    context.moveTo(area.left, y);
    context.lineTo(area.right, y);
    context.stroke();
    context.fillText(tick.label, area.left - CHART_MARGIN.gap / 2, y);
  }

  context.textAlign = 'center';
  context.textBaseline = 'top';
  for (const tick of area.xTicks) {
    const x = Math.round(area.x(tick.value)) + 0.5;
    context.beginPath();
    context.moveTo(x, area.bottom);
    context.lineTo(x, area.bottom + 4);
    context.stroke();
    const halfLabel = context.measureText(tick.label).width / 2;
    const labelX = Math.min(Math.max(x, area.left + halfLabel), area.width - halfLabel);
    context.fillText(tick.label, labelX, area.bottom + 6);
  }

  context.strokeStyle = theme.axis;
  context.beginPath();
  context.moveTo(area.left, Math.round(area.bottom) + 0.5);
  context.lineTo(area.right, Math.round(area.bottom) + 0.5);
  context.stroke();
}

function drawSeries(context, area, points, line) {
  context.strokeStyle = line.colour;
  context.fillStyle = line.colour;
  context.lineWidth = 1.5;
  context.lineJoin = 'round';
  context.setLineDash(line.dash);
  context.beginPath();
  points.forEach((point, index) => {
    const x = area.x(point.time);
    const y = area.y(point[line.field]);
    if (index === 0) context.moveTo(x, y);
    else context.lineTo(x, y);
  });
  context.stroke();
  context.setLineDash([]);

  const latest = points.at(-1);
  context.beginPath();
  context.arc(area.x(latest.time), area.y(latest[line.field]), 2.5, 0, 2 * Math.PI);
  context.fill();
}

// Whether a point of a pair comes after another: a later quote time, or the same one (quotes
// within a millisecond) and a higher count.
function comesAfter(point, other) {
  return point.time > other.time || (point.time === other.time && point.count > other.count);
}

// One pair's price chart: the last POINTS_KEPT points, redrawn when told to after a change.
class PriceChart {
  constructor(pair, onChange) {
    const template = document.getElementById('chart-template');
    this.element = template.content.firstElementChild.cloneNode(true);
    this.element.querySelector('.chart-pair').textContent = pair;
    this.canvas = this.element.querySelector('canvas');
    this.canvas.dataset.chart = pair;
    this.canvas.setAttribute('role', 'img');
    this.canvas.setAttribute('aria-label', `${pair}: bid, ask, mid price and moving average`);
    this.points = [];
    this.onChange = onChange;
    this.changed = false;
    new ResizeObserver(() => this.markChanged()).observe(this.canvas);
  }

  markChanged() {
    this.changed = true;
    this.onChange();
  }

  // Appends the point of a snapshot newer than the last one: the stream repeats the current
  // metrics on every (re)connection.
  add(snapshot) {
    const point = chartPoint(snapshot);
    if (point === null || !this.isNew(point)) return;
    this.points.push(point);
    if (this.points.length > POINTS_KEPT) this.points.splice(0, this.points.length - POINTS_KEPT);
    this.markChanged();
  }

  isNew(point) {
    const last = this.points.at(-1);
    return last === undefined || comesAfter(point, last);
  }

  // Puts stored points, oldest first, before the ones the stream gave meanwhile.
  prepend(history) {
    if (history.length === 0) return;
    const newestStored = history.at(-1);
    const streamed = this.points.filter((point) => comesAfter(point, newestStored));
    this.points = history.concat(streamed).slice(-POINTS_KEPT);
    this.markChanged();
  }

  draw(theme) {
    if (!this.changed) return;
    this.changed = false;
    const width = this.canvas.clientWidth;
    const height = this.canvas.clientHeight;
    if (width === 0 || height === 0) return;
    const context = this.resize(width, height);
    context.clearRect(0, 0, width, height);
    if (this.points.length > 0) {
      context.font = theme.font;
      const area = plotArea(this.points, width, height, context);
      drawAxes(context, area, theme);
      for (const line of theme.series) drawSeries(context, area, this.points, line);
    }
    this.canvas.dataset.points = String(this.points.length);
  }

  // Sizes the canvas in device pixels, so lines stay sharp on any screen, and returns its context
  // drawing in CSS pixels.
  resize(width, height) {
    const scale = window.devicePixelRatio || 1;
    const pixelWidth = Math.round(width * scale);
    const pixelHeight = Math.round(height * scale);
    if (this.canvas.width !== pixelWidth) this.canvas.width = pixelWidth;
    if (this.canvas.height !== pixelHeight) this.canvas.height = pixelHeight;
    const context = this.canvas.getContext('2d');
    context.setTransform(scale, 0, 0, scale, 0, 0);
    return context;
  }
}

// Where a pair's metrics come from, as /metrics and /stream say: read from this instance's
// memory or from the store, the instance that computed them, and the message they reflect:
// "store, instance-b, partition 2 at 1234".
function sourceText(source) {
  if (source === null || typeof source !== 'object') return '';
  const parts = [source.read_from];
  if (source.instance) parts.push(source.instance);
  if (Number.isInteger(source.partition)) {
    parts.push(`partition ${source.partition} at ${source.offset}`);
  }
  return parts.join(', ');
}

// "up" or "down" as a price moved, for the colour of its cell.
function direction(previous, value) {
  const change = parseFloat(value) - parseFloat(previous);
  if (change > 0) return 'up';
  if (change < 0) return 'down';
  return '';
}

// One pair's row of the table; each cell keeps the exact value it shows in data-value.
class MetricsRow {
  constructor(pair) {
    this.element = document.createElement('tr');
    this.element.dataset.pair = pair;
    this.cells = new Map();
    for (const field of [...FIELDS, SOURCE_FIELD]) {
      const cell = document.createElement('td');
      cell.dataset.field = field;
      this.cells.set(field, cell);
      this.element.append(cell);
    }
  }

  update(snapshot) {
    for (const [field, cell] of this.cells) {
      const value =
        field === SOURCE_FIELD ? sourceText(snapshot.source) : String(snapshot[field]);
      const previous = cell.dataset.value;
      if (value === previous) continue;
      if (DIRECTIONAL_FIELDS.has(field) && previous !== undefined) {
        cell.className = direction(previous, value);
      }
      cell.dataset.value = value;
      if (field === 'timestamp') {
        cell.textContent = formatQuoteTime(value);
        cell.title = value;
      } else {
        cell.textContent = value;
      }
    }
  }
}

// The whole page: a row and a chart per pair, the header, and the frames that redraw the charts.
class Dashboard {
  constructor() {
    this.rows = document.getElementById('metrics-rows');
    this.charts = document.getElementById('charts');
    this.noPairs = document.getElementById('no-pairs');
    this.pairCount = document.getElementById('pair-count');
    this.lastUpdate = document.getElementById('last-update');
    this.streamState = document.getElementById('stream-state');
    this.pairs = new Map();
    this.latestTimestamp = '';
    this.frameRequested = false;
    matchMedia('(prefers-color-scheme: dark)')
      .addEventListener('change', () => this.redrawAll());
    this.watchPixelRatio();
  }

  // A window moved to a screen of another density resizes no element, so it is watched apart.
  watchPixelRatio() {
    matchMedia(`(resolution: ${window.devicePixelRatio}dppx)`).addEventListener('change', () => {
      this.redrawAll();
      this.watchPixelRatio();
    }, { once: true });
  }

  // Metrics from /metrics: older than the stream's for a pair the stream already gave.
  applyInitial(snapshot) {
    if (!this.pairs.has(snapshot.pair)) this.apply(snapshot);
  }

  apply(snapshot) {
    const view = this.pairs.get(snapshot.pair) ?? this.addPair(snapshot.pair);
    view.row.update(snapshot);
    view.chart.add(snapshot);
    this.showLatest(snapshot.timestamp);
  }

  addPair(pair) {
    const view = {
      row: new MetricsRow(pair),
      chart: new PriceChart(pair, () => this.requestFrame()),
    };
    const next = this.viewAfter(pair);
    this.rows.insertBefore(view.row.element, next?.row.element ?? null);
    this.charts.insertBefore(view.chart.element, next?.chart.element ?? null);
    this.pairs.set(pair, view);
    this.noPairs.hidden = true;
    this.pairCount.textContent = String(this.pairs.size);
    fetchHistoryPoints(pair).then((points) => view.chart.prepend(points));
    return view;
  }

  // The view of the first pair after `pair` in order, where a new one goes before.
  viewAfter(pair) {
    let after = null;
    for (const [other, view] of this.pairs) {
      if (other > pair && (after === null || other < after)) after = other;
    }
    return after === null ? null : this.pairs.get(after);
  }

  // The server's times are all UTC with six decimals, so their text orders as they do.
  showLatest(timestamp) {
    if (timestamp <= this.latestTimestamp) return;
    this.latestTimestamp = timestamp;
    this.lastUpdate.textContent = formatQuoteTime(timestamp, false);
    this.lastUpdate.dateTime = timestamp;
    this.lastUpdate.title = timestamp;
  }

  // "live", "connecting" (before the first connection) or "reconnecting".
  showStreamState(state) {
    this.streamState.textContent = state;
    document.body.dataset.stream = state === 'live' ? 'live' : 'connecting';
  }

  redrawAll() {
    for (const { chart } of this.pairs.values()) chart.markChanged();
  }

  requestFrame() {
    if (this.frameRequested) return;
    this.frameRequested = true;
    requestAnimationFrame(() => {
      this.frameRequested = false;
      const theme = readTheme();
      for (const { chart } of this.pairs.values()) chart.draw(theme);
    });
  }
}

function connectStream(dashboard) {
  const source = new EventSource('stream');
  source.addEventListener('open', () => dashboard.showStreamState('live'));
  source.addEventListener('error', () => {
    dashboard.showStreamState('reconnecting');
    if (source.readyState === EventSource.CLOSED) {
      setTimeout(() => connectStream(dashboard), STREAM_RETRY_MS);
    }
  });
  source.addEventListener('metrics', (event) => {
    let snapshot = null;
    try {
      snapshot = readSnapshot(JSON.parse(event.data));
    } catch {
      // Not JSON: skipped like any event without the metrics the page shows.
    }
    if (snapshot) dashboard.apply(snapshot);
  });
}

function start() {
  const dashboard = new Dashboard();
  connectStream(dashboard);
  fetchAllSnapshots().then((snapshots) => {
    for (const snapshot of snapshots) dashboard.applyInitial(snapshot);
  });
}

start();
