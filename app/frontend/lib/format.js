// Number and time formatting shared by the dashboard components.

const money = new Intl.NumberFormat('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 });

export const formatPrice = (value) => (value == null ? '—' : money.format(value));

export function formatChange(change, percent) {
  if (change == null) return '—';
  const sign = change > 0 ? '+' : change < 0 ? '−' : '';
  const pct = percent == null ? '' : ` (${sign}${money.format(Math.abs(percent))}%)`;
  return `${sign}${money.format(Math.abs(change))}${pct}`;
}

export const trend = (change) => (change > 0 ? 'up' : change < 0 ? 'down' : 'flat');

export function timeAgo(iso) {
  const minutes = Math.round((Date.now() - new Date(iso).getTime()) / 60000);
  if (minutes < 1) return 'just now';
  if (minutes < 60) return `${minutes}m ago`;
  if (minutes < 48 * 60) return `${Math.round(minutes / 60)}h ago`;
  return `${Math.round(minutes / 1440)}d ago`;
}

const compact = new Intl.NumberFormat('en-US', { notation: 'compact', maximumFractionDigits: 1 });

export const formatVolume = (value) => (value == null ? '—' : compact.format(value));

export function formatPercent(value) {
  if (value == null) return '—';
  const sign = value > 0 ? '+' : value < 0 ? '−' : '';
  return `${sign}${money.format(Math.abs(value))}%`;
}

// A moment as the reader's clock shows it, e.g. 14:05:09.
export const formatClock = (date) =>
  date ? date.toLocaleTimeString('en-GB', { hour: '2-digit', minute: '2-digit', second: '2-digit' }) : '—';
