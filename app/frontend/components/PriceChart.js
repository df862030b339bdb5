'use client';
// Inline SVG line chart of daily closes, with a hover read-out. It is drawn at the width it is shown
// at (one SVG unit per CSS pixel), so its labels keep their size on a phone.

import { useEffect, useRef, useState } from 'react';
import { formatPrice } from '../lib/format';

const PAD = { left: 8, right: 64, top: 14, bottom: 26 };

function useWidth(ref, fallback) {
  const [width, setWidth] = useState(fallback);
  useEffect(() => {
    const node = ref.current;
    if (!node) return undefined;
    const measure = () => setWidth(Math.max(240, Math.round(node.getBoundingClientRect().width)));
    measure();
    const observer = new ResizeObserver(measure);
    observer.observe(node);
    return () => observer.disconnect();
  }, [ref]);
  return width;
}

export default function PriceChart({ points }) {
  const box = useRef(null);
  const W = useWidth(box, 720);
  const H = W < 500 ? 220 : 280;
  const [hover, setHover] = useState(null);
  if (!points?.length) {
    return (
      <div className="chart-box" ref={box}>
        <div className="chart-empty">No price data for this range.</div>
      </div>
    );
  }

  const closes = points.map((p) => p.close);
  let min = Math.min(...closes);
  let max = Math.max(...closes);
  if (min === max) [min, max] = [min - 1, max + 1];
  const span = W - PAD.left - PAD.right;
  const step = points.length > 1 ? span / (points.length - 1) : 0;
  const x = (i) => PAD.left + (points.length > 1 ? i * step : span / 2);
  const y = (v) => PAD.top + ((max - v) * (H - PAD.top - PAD.bottom)) / (max - min);
  const line = points.map((p, i) => `${i ? 'L' : 'M'}${x(i).toFixed(1)},${y(p.close).toFixed(1)}`).join('');
  const area = `${line}L${x(points.length - 1).toFixed(1)},${H - PAD.bottom}L${x(0).toFixed(1)},${H - PAD.bottom}Z`;
  const direction = closes.at(-1) >= closes[0] ? 'up' : 'down';
  const ticks = [max, (max + min) / 2, min];

  function onMove(event) {
    const rect = event.currentTarget.getBoundingClientRect();
    const px = ((event.clientX - rect.left) * W) / rect.width;
    const i = step ? Math.round((px - PAD.left) / step) : 0;
    setHover(Math.max(0, Math.min(points.length - 1, i)));
  }

  const h = hover == null ? null : points[hover];
  return (
    <div className="chart-box" ref={box}>
      <svg
        className={`chart ${direction}`}
        width={W}
        height={H}
        viewBox={`0 0 ${W} ${H}`}
        role="img"
        aria-label={`Closing prices from ${points[0].date} to ${points.at(-1).date}, ${formatPrice(closes[0])} to ${formatPrice(closes.at(-1))}`}
        onMouseMove={onMove}
        onMouseLeave={() => setHover(null)}
      >
        {ticks.map((t) => (
          <g key={t} className="grid">
            <line x1={PAD.left} x2={W - PAD.right} y1={y(t)} y2={y(t)} />
            <text x={W - PAD.right + 6} y={y(t) + 4}>{formatPrice(t)}</text>
          </g>
        ))}
        <path className="area" d={area} />
        <path className="line" d={line} />
        <text className="axis" x={PAD.left} y={H - 6}>{points[0].date}</text>
        <text className="axis" x={W - PAD.right} y={H - 6} textAnchor="end">{points.at(-1).date}</text>
        {h && (
          <g className="cursor">
            <line x1={x(hover)} x2={x(hover)} y1={PAD.top} y2={H - PAD.bottom} />
            <circle cx={x(hover)} cy={y(h.close)} r="4" />
            <text x={Math.max(PAD.left, Math.min(x(hover) + 8, W - PAD.right - 150))} y={PAD.top + 12}>
              {h.date} · {formatPrice(h.close)}
            </text>
          </g>
        )}
      </svg>
    </div>
  );
}
