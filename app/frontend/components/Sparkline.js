'use client';
// A small trend line of closes (decorative: the row states the change in words).

export default function Sparkline({ values, width = 72, height = 22 }) {
  if (!values || values.length < 2) return <span className="spark" aria-hidden="true" />;
  const min = Math.min(...values);
  const max = Math.max(...values);
  const span = max - min || 1;
  const points = values
    .map((v, i) => `${((i * width) / (values.length - 1)).toFixed(1)},${(height - 2 - ((v - min) * (height - 4)) / span).toFixed(1)}`)
    .join(' ');
  const direction = values.at(-1) >= values[0] ? 'up' : 'down';
  return (
    <svg className={`spark ${direction}`} width={width} height={height} viewBox={`0 0 ${width} ${height}`} aria-hidden="true">
      <polyline points={points} />
    </svg>
  );
}
