'use client';
// Watchlist panel: latest price and day change per symbol, with add and remove.

import { useState } from 'react';
import { formatChange, formatPrice, trend } from '../lib/format';

export default function Watchlist({ items, selected, onSelect, onAdd, onRemove }) {
  const [symbol, setSymbol] = useState('');

  async function submit(event) {
    event.preventDefault();
    if (symbol.trim() && (await onAdd(symbol.trim()))) setSymbol('');
  }

  return (
    <section className="panel watchlist">
      <h2>Watchlist</h2>
      {items.length === 0 && <p className="muted">Nothing watched yet — add a symbol below or via search.</p>}
      <ul>
        {items.map((item) => (
          <li key={item.symbol} className={item.symbol === selected ? 'active' : ''}>
            <button type="button" className="row" onClick={() => onSelect(item.symbol)}>
              <span className="sym">{item.symbol}</span>
              <span className="name">{item.name}</span>
              <span className="price">{formatPrice(item.price)}</span>
              <span className={`chg ${trend(item.change)}`}>{formatChange(item.change, item.change_percent)}</span>
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
