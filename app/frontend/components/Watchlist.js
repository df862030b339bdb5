'use client';
// Watchlist panel: per symbol the price and day change, the day's range and volume, a trend line and
// the change over the chosen range; add and remove. The list is this browser's own.

import { useState } from 'react';
import PanelStatus from './PanelStatus';
import Sparkline from './Sparkline';
import { formatChange, formatPercent, formatPrice, formatVolume, trend } from '../lib/format';

const SUGGESTIONS = ['AAPL', 'MSFT', 'NVDA', 'SPY'];

export default function Watchlist({ panel, rangeLabel, selected, onSelect, onAdd, onRemove }) {
  const [symbol, setSymbol] = useState('');
  const items = panel.data ?? [];

  async function submit(event) {
    event.preventDefault();
    if (symbol.trim() && (await onAdd(symbol.trim()))) setSymbol('');
  }

  return (
    <section className="panel watchlist" aria-labelledby="watchlist-title">
      <h2 id="watchlist-title">Watchlist</h2>
      <PanelStatus panel={panel} what="watchlist" />
      {panel.data && items.length === 0 && (
        <div className="empty muted">
          Nothing watched yet: add a symbol below or via search. Try{' '}
          {SUGGESTIONS.map((s) => (
            <button key={s} type="button" className="chip" onClick={() => onAdd(s)}>{s}</button>
          ))}
        </div>
      )}
      <ul>
        {items.map((item) => (
          <li key={item.symbol} className={item.symbol === selected ? 'active' : ''}>
            <button
              type="button"
              className="row"
              aria-current={item.symbol === selected ? 'true' : undefined}
              onClick={() => onSelect(item.symbol)}
            >
              <span className="sym">{item.symbol}</span>
              <span className="price">{formatPrice(item.price)}</span>
              <span className="name">{item.name}</span>
              <span className={`chg ${trend(item.change)}`}>{formatChange(item.change, item.change_percent)}</span>
              <span className="range" title="Day's range">
                {item.day_low == null ? 'Day —' : `Day ${formatPrice(item.day_low)}–${formatPrice(item.day_high)}`}
              </span>
              <span className="vol" title="Volume">Vol {formatVolume(item.volume)}</span>
              <Sparkline values={item.spark} />
              <span className={`rchg ${trend(item.range_change_percent)}`}>
                {rangeLabel} {formatPercent(item.range_change_percent)}
              </span>
              {item.stale && <span className="badge">as of {item.as_of ?? '—'}</span>}
            </button>
            <button
              type="button"
              className="remove"
              aria-label={`Remove ${item.symbol}`}
              title={`Remove ${item.symbol}`}
              onClick={() => onRemove(item.symbol)}
            >
              ×
            </button>
          </li>
        ))}
      </ul>
      <form className="add" onSubmit={submit}>
        <input
          value={symbol}
          onChange={(e) => setSymbol(e.target.value.toUpperCase())}
          placeholder="Symbol, e.g. MSFT"
          aria-label="Symbol to add"
          maxLength={12}
        />
        <button type="submit">Add</button>
      </form>
    </section>
  );
}
