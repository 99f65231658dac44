// Small hand-written SVG charts for BENCHMARKS.md: horizontal grouped bars, stacked in panels.
// No dependencies; the output is deterministic for the same input.

export const COLORS = { kafka: '#4e79a7', millrace: '#e15759' };
const FONT = 'font-family="system-ui, -apple-system, Segoe UI, Helvetica, Arial, sans-serif"';

function esc(s) {
  return String(s).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** A short human number: 1234567 -> "1.23M", 0.5 -> "0.5". */
export function fmt(x) {
  if (x === null || x === undefined || Number.isNaN(x)) return 'n/a';
  const a = Math.abs(x);
  if (Number.isInteger(x) && a < 1e4) return String(x);
  if (a >= 1e6) return `${(x / 1e6).toPrecision(3)}M`;
  if (a >= 1e4) return `${(x / 1e3).toPrecision(3)}k`;
  if (a >= 100) return String(Math.round(x));
  if (a >= 10) return x.toFixed(1);
  if (a === 0) return '0';
  return x.toPrecision(2).replace(/\.?0+$/, '');
}

/** A "nice" upper bound for an axis: 1, 2, 2.5 or 5 times a power of ten, >= max. */
function niceMax(max) {
  if (!(max > 0)) return 1;
  const p = 10 ** Math.floor(Math.log10(max));
  for (const m of [1, 2, 2.5, 5, 10]) if (m * p >= max) return m * p;
  return 10 * p;
}

/**
 * One panel of horizontal grouped bars.
 * @param {{title: string, unit: string, groups: {label: string, values: Record<string, number|null>, note?: string}[], series: string[], labels?: Record<string, string>, width?: number, y?: number}} p
 * @returns {{svg: string, height: number}}
 */
export function barPanel(p) {
  const width = p.width ?? 760;
  const y0 = p.y ?? 0;
  const left = 170;
  const right = 70;
  const barH = 14;
  const gap = 10;
  const top = 28;
  const plotW = width - left - right;
  const all = p.groups.flatMap((g) => p.series.map((s) => g.values[s])).filter((v) => typeof v === 'number');
  const max = niceMax(Math.max(0, ...all));
  const groupH = p.series.length * barH + gap;
  const height = top + p.groups.length * groupH + 22;
  const out = [];
  out.push(`<g transform="translate(0,${y0})">`);
  out.push(`<text x="8" y="18" font-size="14" font-weight="600" ${FONT}>${esc(p.title)}</text>`);
  // grid and axis labels
  for (let i = 0; i <= 4; i++) {
    const x = left + (plotW * i) / 4;
    out.push(`<line x1="${x}" y1="${top - 4}" x2="${x}" y2="${height - 20}" stroke="#ddd" stroke-width="1"/>`);
    out.push(`<text x="${x}" y="${height - 6}" font-size="10" text-anchor="middle" fill="#555" ${FONT}>${esc(fmt((max * i) / 4))}</text>`);
  }
  out.push(`<text x="${width - 4}" y="${height - 6}" font-size="10" text-anchor="end" fill="#555" ${FONT}>${esc(p.unit)}</text>`);
  p.groups.forEach((g, gi) => {
    const gy = top + gi * groupH;
    out.push(`<text x="${left - 8}" y="${gy + (p.series.length * barH) / 2 + 4}" font-size="12" text-anchor="end" ${FONT}>${esc(g.label)}</text>`);
    p.series.forEach((s, si) => {
      const v = g.values[s];
      const by = gy + si * barH;
      if (typeof v !== 'number') {
        out.push(`<text x="${left + 4}" y="${by + barH - 3}" font-size="10" fill="#888" ${FONT}>${esc(`${p.labels?.[s] ?? s}: ${g.note ?? 'n/a'}`)}</text>`);
        return;
      }
      const w = Math.max(1, (plotW * v) / max);
      out.push(`<rect x="${left}" y="${by + 1}" width="${w.toFixed(1)}" height="${barH - 2}" fill="${COLORS[s] ?? '#999'}"/>`);
      out.push(`<text x="${left + w + 4}" y="${by + barH - 3}" font-size="10" fill="#333" ${FONT}>${esc(fmt(v))}</text>`);
    });
  });
  out.push('</g>');
  return { svg: out.join('\n'), height };
}

/** A legend row for the series. */
function legend(series, labels, width) {
  const parts = [];
  let x = width - 10;
  for (let i = series.length - 1; i >= 0; i--) {
    const s = series[i];
    const text = labels?.[s] ?? s;
    x -= text.length * 7 + 24;
    parts.push(`<rect x="${x}" y="6" width="12" height="12" fill="${COLORS[s] ?? '#999'}"/>`);
    parts.push(`<text x="${x + 16}" y="16" font-size="12" ${FONT}>${esc(text)}</text>`);
  }
  return parts.join('\n');
}

/**
 * A whole SVG document of panels stacked vertically, with a legend on top.
 * @param {{title: string, subtitle?: string, panels: Omit<Parameters<typeof barPanel>[0], 'y'|'width'|'series'|'labels'>[], series: string[], labels?: Record<string, string>, width?: number}} d
 */
export function chart(d) {
  const width = d.width ?? 760;
  const parts = [];
  let y = 28;
  const head = [`<text x="8" y="18" font-size="15" font-weight="700" ${FONT}>${esc(d.title)}</text>`];
  if (d.subtitle) {
    head.push(`<text x="8" y="36" font-size="11" fill="#555" ${FONT}>${esc(d.subtitle)}</text>`);
    y = 44;
  }
  for (const p of d.panels) {
    const b = barPanel({ ...p, series: d.series, labels: d.labels, width, y });
    parts.push(b.svg);
    y += b.height + 8;
  }
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${y}" viewBox="0 0 ${width} ${y}">\n` +
    `<rect width="100%" height="100%" fill="#fff"/>\n` +
    head.join('\n') +
    '\n' +
    legend(d.series, d.labels, width) +
    '\n' +
    parts.join('\n') +
    '\n</svg>\n'
  );
}
