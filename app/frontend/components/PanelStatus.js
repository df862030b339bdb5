'use client';
// A panel's own state line: loading, failed (nothing to show), or stale (showing older data and why).

import { formatClock } from '../lib/format';

export default function PanelStatus({ panel, what }) {
  if (panel.loading && !panel.data) return <p className="status muted" role="status">Loading {what}…</p>;
  if (panel.error && !panel.data) {
    return (
      <p className="status failed" role="status">
        {what[0].toUpperCase() + what.slice(1)} unavailable: {panel.error}
      </p>
    );
  }
  if (panel.stale) {
    const reason = panel.error || panel.data?.note || 'the provider could not be asked';
    const since = panel.updatedAt ? ` from ${formatClock(panel.updatedAt)}` : '';
    return (
      <p className="status stale" role="status">
        Stale: showing {what}{since} ({reason})
      </p>
    );
  }
  return null;
}
