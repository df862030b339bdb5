'use client';
// Under the chart: the quote's key statistics with the range's, and the latest sessions' prices.

import { formatChange, formatPercent, formatPrice, formatVolume, trend } from '../lib/format';

function rangeStats(points) {
  if (!points?.length) return null;
  const closes = points.map((p) => p.close);
  const volumes = points.map((p) => p.volume).filter((v) => v != null);
  return {
    high: Math.max(...points.map((p) => p.high ?? p.close)),
    low: Math.min(...points.map((p) => p.low ?? p.close)),
    change: closes.length > 1 ? (100 * (closes.at(-1) - closes[0])) / closes[0] : null,
    avgVolume: volumes.length ? volumes.reduce((a, b) => a + b, 0) / volumes.length : null,
  };
}

export function KeyStats({ quote, points, rangeLabel }) {
  const range = rangeStats(points);
  const rows = [
    ['Open', formatPrice(quote?.open)],
    ['Day high', formatPrice(quote?.high)],
    ['Day low', formatPrice(quote?.low)],
    ['Prev close', formatPrice(quote?.previous_close)],
    ['Volume', formatVolume(quote?.volume)],
    [`${rangeLabel} high`, formatPrice(range?.high)],
    [`${rangeLabel} low`, formatPrice(range?.low)],
    [`${rangeLabel} change`, formatPercent(range?.change)],
    ['Avg volume', formatVolume(range?.avgVolume)],
  ];
  return (
    <dl className="stats" aria-label="Key statistics">
      {rows.map(([label, value]) => (
        <div key={label}>
          <dt>{label}</dt>
          <dd>{value}</dd>
        </div>
      ))}
    </dl>
  );
}

export function RecentPrices({ points, count = 8 }) {
  if (!points?.length) return null;
  const recent = points.slice(-(count + 1));
  const rows = recent.slice(1).map((p, i) => ({ ...p, change: p.close - recent[i].close, pct: (100 * (p.close - recent[i].close)) / recent[i].close }));
  if (recent.length === 1) rows.push({ ...recent[0], change: null, pct: null });
  return (
    <table className="recent">
      <caption>Recent sessions</caption>
      <thead>
        <tr>
          <th scope="col">Date</th>
          <th scope="col">Close</th>
          <th scope="col">Change</th>
          <th scope="col">Range</th>
          <th scope="col">Volume</th>
        </tr>
      </thead>
      <tbody>
        {rows.reverse().map((p) => (
          <tr key={p.date}>
            <td>{p.date}</td>
            <td>{formatPrice(p.close)}</td>
            <td className={trend(p.change)}>{formatChange(p.change, p.pct)}</td>
            <td>{p.low == null ? '—' : `${formatPrice(p.low)}–${formatPrice(p.high)}`}</td>
            <td>{formatVolume(p.volume)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
