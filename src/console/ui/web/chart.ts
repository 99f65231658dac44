/**
 * A line chart drawn as SVG (no chart library): series of [time ms, value] points over a
 * shared time axis, with the latest value of each in the legend. It is an image with a text
 * alternative that says the same.
 */

const NS = 'http://www.w3.org/2000/svg';
const W = 640;
const H = 200;
const PAD = { left: 56, right: 12, top: 12, bottom: 24 };
const COLORS = ['#1f6feb', '#d1242f', '#1a7f37', '#9a6700', '#8250df'];

export interface Series {
  label: string;
  points: [number, number][];
}

function el<K extends keyof SVGElementTagNameMap>(tag: K, attrs: Record<string, string | number>): SVGElementTagNameMap[K] {
  const e = document.createElementNS(NS, tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, String(v));
  return e;
}

function niceMax(v: number): number {
  if (v <= 0) return 1;
  const p = 10 ** Math.floor(Math.log10(v));
  for (const m of [1, 2, 5, 10]) if (m * p >= v) return m * p;
  return 10 * p;
}

export function lineChart(title: string, unit: string, series: Series[]): SVGSVGElement {
  const svg = el('svg', { viewBox: `0 0 ${W} ${H}`, role: 'img', class: 'chart' });
  const latest = series.map((s) => `${s.label}: ${(s.points.at(-1)?.[1] ?? 0).toFixed(1)} ${unit}`).join(', ');
  const t = el('title', {});
  t.textContent = `${title}. Latest: ${latest || 'no data yet'}`;
  svg.appendChild(t);
  const all = series.flatMap((s) => s.points);
  const t0 = Math.min(...all.map((p) => p[0]), Date.now() - 60_000);
  const t1 = Math.max(...all.map((p) => p[0]), t0 + 1);
  const max = niceMax(Math.max(0, ...all.map((p) => p[1])));
  const x = (t: number) => PAD.left + ((t - t0) / (t1 - t0)) * (W - PAD.left - PAD.right);
  const y = (v: number) => H - PAD.bottom - (v / max) * (H - PAD.top - PAD.bottom);
  for (const frac of [0, 0.5, 1]) {
    const v = max * frac;
    svg.appendChild(el('line', { x1: PAD.left, x2: W - PAD.right, y1: y(v), y2: y(v), class: 'grid' }));
    const label = el('text', { x: PAD.left - 6, y: y(v) + 4, 'text-anchor': 'end', class: 'axis' });
    label.textContent = v >= 1000 ? `${(v / 1000).toFixed(v >= 10_000 ? 0 : 1)}k` : String(Math.round(v * 10) / 10);
    svg.appendChild(label);
  }
  const unitLabel = el('text', { x: PAD.left, y: H - 6, class: 'axis' });
  unitLabel.textContent = `${unit}, last ${Math.round((t1 - t0) / 1000)} s`;
  svg.appendChild(unitLabel);
  series.forEach((s, i) => {
    if (s.points.length === 0) return;
    const d = s.points.map((p, j) => `${j === 0 ? 'M' : 'L'}${x(p[0]).toFixed(1)},${y(p[1]).toFixed(1)}`).join(' ');
    const color = COLORS[i % COLORS.length]!;
    svg.appendChild(el('path', { d, fill: 'none', stroke: color, 'stroke-width': 2 }));
    // The latest value as a dot: a series of one point is still seen.
    const [lt, lv] = s.points.at(-1)!;
    svg.appendChild(el('circle', { cx: x(lt).toFixed(1), cy: y(lv).toFixed(1), r: 3, fill: color }));
  });
  return svg;
}

/** The legend under a chart, as text (what the colours mean and the latest values). */
export function legend(unit: string, series: Series[]): HTMLUListElement {
  const ul = document.createElement('ul');
  ul.className = 'legend';
  series.forEach((s, i) => {
    const li = document.createElement('li');
    const swatch = document.createElement('span');
    swatch.className = 'swatch';
    swatch.style.background = COLORS[i % COLORS.length]!;
    swatch.setAttribute('aria-hidden', 'true');
    li.append(swatch, `${s.label}: ${(s.points.at(-1)?.[1] ?? 0).toFixed(1)} ${unit}`);
    ul.appendChild(li);
  });
  return ul;
}

/** A rolling window of points, at most `keep` long. */
export function pushPoint(points: [number, number][], t: number, v: number, keep = 60): void {
  points.push([t, v]);
  if (points.length > keep) points.splice(0, points.length - keep);
}
