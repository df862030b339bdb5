'use client';
// The market overview strip: open or closed with New York's time, the index funds, and the
// watchlist's top movers.

import PanelStatus from './PanelStatus';
import { formatChange, formatPercent, formatPrice, trend } from '../lib/format';

const STATES = { open: 'Open', closed: 'Closed', 'pre-market': 'Pre-market', holiday: 'Closed (holiday)' };

function nextChange(market) {
  const at = new Date(market.next_change);
  const when = at.toLocaleString('en-US', { timeZone: 'America/New_York', weekday: 'short', hour: 'numeric', minute: '2-digit' });
  return `${market.open ? 'closes' : 'opens'} ${when} ET`;
}

export default function MarketStrip({ panel, movers, onSelect }) {
  const market = panel.data?.market;
  return (
    <section className="strip" aria-label="Market overview">
      {market && (
        <div className={`market ${market.open ? 'is-open' : 'is-closed'}`}>
          <span className="state">US market {STATES[market.state] ?? market.state}</span>
          <span className="muted">
            New York {market.exchange_time.slice(11, 16)} · {nextChange(market)}
          </span>
        </div>
      )}
      <PanelStatus panel={panel} what="market overview" />
      <ul className="indices">
        {(panel.data?.indices ?? []).map(({ symbol, quote, error }) => (
          <li key={symbol}>
            <button type="button" className="index" onClick={() => onSelect(symbol)} title={quote?.name ?? error}>
              <span className="sym">{symbol}</span>
              <span className="price">{formatPrice(quote?.price)}</span>
              <span className={`chg ${trend(quote?.change)}`}>
                {quote ? formatChange(quote.change, quote.change_percent) : 'unavailable'}
              </span>
              {quote?.stale && <span className="badge">as of {quote.as_of}</span>}
            </button>
          </li>
        ))}
      </ul>
      {movers.length > 0 && (
        <div className="movers">
          <span className="muted">Top movers</span>
          {movers.map((item) => (
            <button key={item.symbol} type="button" className="chip" onClick={() => onSelect(item.symbol)}>
              <span className="sym">{item.symbol}</span>{' '}
              <span className={trend(item.change_percent)}>{formatPercent(item.change_percent)}</span>
            </button>
          ))}
        </div>
      )}
    </section>
  );
}
