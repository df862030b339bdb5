'use client';
// The dashboard: market overview, this browser's watchlist, the selected symbol's quote, chart,
// statistics and recent prices, and news. Each panel loads, refreshes and fails on its own.

import { useEffect, useRef, useState } from 'react';
import { KeyStats, RecentPrices } from '../components/ChartDetails';
import MarketStrip from '../components/MarketStrip';
import NewsList from '../components/NewsList';
import PanelStatus from '../components/PanelStatus';
import PriceChart from '../components/PriceChart';
import SymbolSearch from '../components/SymbolSearch';
import Watchlist from '../components/Watchlist';
import { api, loadConfig } from '../lib/api';
import { formatChange, formatClock, formatPrice, trend } from '../lib/format';
import { usePanel } from '../lib/usePanel';

const RANGES = [
  [7, '1W'],
  [30, '1M'],
  [90, '3M'],
  [180, '6M'],
  [365, '1Y'],
];
const DEFAULT_SYMBOL = 'AAPL';
const TABS = [
  ['symbol', 'news-tab-symbol'],
  ['watchlist', 'news-tab-watchlist'],
];

export default function Dashboard() {
  const [refreshMs, setRefreshMs] = useState(0);
  const [selected, setSelected] = useState(null);
  const [days, setDays] = useState(30);
  const [newsScope, setNewsScope] = useState('symbol');
  const [error, setError] = useState('');
  const quoteRef = useRef(null);
  const tabRefs = useRef({});

  useEffect(() => {
    loadConfig().then((cfg) => setRefreshMs(cfg.refreshSeconds * 1000));
  }, []);

  const symbol = selected && encodeURIComponent(selected);
  const watchlist = usePanel(`watchlist:${days}`, () => api.get(`/api/watchlist?days=${days}`), refreshMs, { keep: true });
  const overview = usePanel('overview', () => api.get('/api/overview'), refreshMs);
  const quote = usePanel(selected && `quote:${selected}`, () => api.get(`/api/quote/${symbol}`), refreshMs);
  const history = usePanel(selected && `history:${selected}:${days}`, () => api.get(`/api/history/${symbol}?days=${days}`), refreshMs);
  const watched = watchlist.data ?? [];
  const watchedKey = watched.map((item) => item.symbol).join(',');
  // a symbol's news once its quote has answered (the API fetches news only for symbols it knows)
  const quoteSettled = Boolean(quote.data || quote.error);
  const news = usePanel(
    newsScope === 'symbol' ? (selected && quoteSettled ? `news:${selected}` : null) : `news:watchlist:${watchedKey}`,
    () => api.get(newsScope === 'symbol' ? `/api/news?symbol=${symbol}` : '/api/news'),
    refreshMs * 5,
  );

  useEffect(() => {
    if (selected) return;
    if (watchlist.data) setSelected(watchlist.data[0]?.symbol ?? DEFAULT_SYMBOL);
    else if (watchlist.error) setSelected(DEFAULT_SYMBOL);
  }, [selected, watchlist.data, watchlist.error]);

  const add = async (sym) => {
    try {
      const item = await api.post('/api/watchlist', { symbol: sym });
      setSelected(item.symbol);
      watchlist.reload();
      return true;
    } catch (e) {
      setError(e.message);
      return false;
    }
  };

  const remove = async (sym) => {
    try {
      await api.del(`/api/watchlist/${encodeURIComponent(sym)}`);
      watchlist.reload();
    } catch (e) {
      setError(e.message);
    }
  };

  const select = (sym) => {
    setError('');
    setSelected(sym);
    // on a narrow screen the quote is below the list: bring it into view
    if (window.matchMedia('(max-width: 720px)').matches) {
      requestAnimationFrame(() => quoteRef.current?.scrollIntoView({ block: 'start' }));
    }
  };

  const onTabKey = (e) => {
    if (e.key !== 'ArrowRight' && e.key !== 'ArrowLeft') return;
    const next = newsScope === 'symbol' ? 'watchlist' : 'symbol';
    setNewsScope(next);
    tabRefs.current[next]?.focus();
  };

  const rangeLabel = RANGES.find(([value]) => value === days)?.[1] ?? `${days}D`;
  const movers = [...watched]
    .filter((item) => item.change_percent != null)
    .sort((a, b) => Math.abs(b.change_percent) - Math.abs(a.change_percent))
    .slice(0, 3);
  const q = quote.data;
  const isWatched = watched.some((item) => item.symbol === selected);
  return (
    <div className="app">
      <header className="topbar">
        <div className="brand">
          <h1>Fintech Tracker</h1>
          <span className="tagline">Bloomberg Terminal for the Everyman</span>
        </div>
        <SymbolSearch onSelect={select} />
      </header>

      <MarketStrip panel={overview} movers={movers} onSelect={select} />

      {error && (
        <div className="error" role="alert">
          {error}
          <button type="button" onClick={() => setError('')} aria-label="Dismiss">×</button>
        </div>
      )}

      <main className="grid">
        <Watchlist panel={watchlist} rangeLabel={rangeLabel} selected={selected} onSelect={select} onAdd={add} onRemove={remove} />

        <section className="panel quote" ref={quoteRef} aria-labelledby="quote-title" tabIndex={-1}>
          <div className="quote-head">
            <div>
              <h2 id="quote-title">{q?.symbol ?? selected ?? '—'}</h2>
              <div className="muted">{q?.name}</div>
            </div>
            <div className="quote-price">
              <span aria-live="polite" className="live">
                <span className="price">{formatPrice(q?.price)}</span>
                <span className={`chg ${trend(q?.change)}`}>{formatChange(q?.change, q?.change_percent)}</span>
              </span>
              <span className="muted asof">
                as of {q?.as_of ?? '—'} · prices from {q?.updated_at ? formatClock(new Date(q.updated_at)) : '—'} ·
                checked {formatClock(quote.updatedAt)}
              </span>
            </div>
            {selected && watchlist.data && !isWatched && (
              <button type="button" className="watch" onClick={() => add(selected)}>+ Watch</button>
            )}
          </div>
          <div className="quote-status">
            <PanelStatus panel={quote} what="quote" />
          </div>
          <div className="ranges" role="group" aria-label="Chart range">
            {RANGES.map(([value, label]) => (
              <button key={value} type="button" aria-pressed={value === days} className={value === days ? 'on' : ''} onClick={() => setDays(value)}>
                {label}
              </button>
            ))}
          </div>
          <div className="chart-panel">
            <PanelStatus panel={history} what="chart" />
            {history.data?.partial && <p className="note">Shorter than {rangeLabel}: {history.data.note}.</p>}
            {history.data && <PriceChart points={history.data.points} />}
          </div>
          <div className="details">
            <KeyStats quote={q} points={history.data?.points} rangeLabel={rangeLabel} />
            <RecentPrices points={history.data?.points} />
          </div>
        </section>

        <section className="panel news-panel" aria-label="News">
          <div className="tabs" role="tablist" aria-label="News scope">
            {TABS.map(([scope, id]) => (
              <button
                key={scope}
                id={id}
                ref={(node) => (tabRefs.current[scope] = node)}
                type="button"
                role="tab"
                aria-selected={newsScope === scope}
                aria-controls="news-tabpanel"
                tabIndex={newsScope === scope ? 0 : -1}
                className={newsScope === scope ? 'on' : ''}
                onClick={() => setNewsScope(scope)}
                onKeyDown={onTabKey}
              >
                {scope === 'symbol' ? `${selected ?? 'Symbol'} news` : 'Watchlist news'}
              </button>
            ))}
          </div>
          <div id="news-tabpanel" role="tabpanel" aria-labelledby={TABS.find(([s]) => s === newsScope)[1]}>
            <p className="muted updated">
              News from {news.data?.updated_at ? formatClock(new Date(news.data.updated_at)) : '—'} · checked{' '}
              {formatClock(news.updatedAt)}
            </p>
            <NewsList panel={news} />
          </div>
        </section>
      </main>
      <footer className="muted">Prices may be delayed. Not investment advice.</footer>
    </div>
  );
}
