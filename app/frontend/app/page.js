'use client';
// The dashboard: watchlist, quote and price chart for the selected symbol, news, and search.

import { useCallback, useEffect, useState } from 'react';
import NewsList from '../components/NewsList';
import PriceChart from '../components/PriceChart';
import SymbolSearch from '../components/SymbolSearch';
import Watchlist from '../components/Watchlist';
import { api } from '../lib/api';
import { formatChange, formatPrice, trend } from '../lib/format';

const RANGES = [
  [7, '1W'],
  [30, '1M'],
  [90, '3M'],
  [180, '6M'],
  [365, '1Y'],
];
const DEFAULT_SYMBOL = 'AAPL';
const REFRESH_MS = 60_000;

export default function Dashboard() {
  const [watchlist, setWatchlist] = useState([]);
  const [selected, setSelected] = useState(null);
  const [days, setDays] = useState(30);
  const [quote, setQuote] = useState(null);
  const [points, setPoints] = useState([]);
  const [newsScope, setNewsScope] = useState('symbol');
  const [news, setNews] = useState([]);
  const [newsLoading, setNewsLoading] = useState(false);
  const [error, setError] = useState('');

  const loadWatchlist = useCallback(async () => {
    try {
      const items = await api.get('/api/watchlist');
      setWatchlist(items);
      setSelected((current) => current ?? items[0]?.symbol ?? DEFAULT_SYMBOL);
    } catch (e) {
      setError(e.message);
      setSelected((current) => current ?? DEFAULT_SYMBOL);
    }
  }, []);

  useEffect(() => {
    loadWatchlist();
    const timer = setInterval(loadWatchlist, REFRESH_MS);
    return () => clearInterval(timer);
  }, [loadWatchlist]);

  useEffect(() => {
    if (!selected) return undefined;
    let stale = false;
    const symbol = encodeURIComponent(selected);
    Promise.all([api.get(`/api/quote/${symbol}`), api.get(`/api/history/${symbol}?days=${days}`)])
      .then(([q, h]) => !stale && (setQuote(q), setPoints(h.points)))
      .catch((e) => !stale && (setQuote(null), setPoints([]), setError(e.message)));
    return () => {
      stale = true;
    };
  }, [selected, days]);

  const newsKey = newsScope === 'symbol' ? selected : watchlist.map((item) => item.symbol).join(',');
  useEffect(() => {
    if (newsScope === 'symbol' && !selected) return undefined;
    let stale = false;
    const path = newsScope === 'symbol' ? `/api/news?symbol=${encodeURIComponent(selected)}` : '/api/news';
    setNewsLoading(true);
    api
      .get(path)
      .then((items) => !stale && setNews(items))
      .catch((e) => !stale && (setNews([]), setError(e.message)))
      .finally(() => !stale && setNewsLoading(false));
    return () => {
      stale = true;
    };
  }, [newsScope, newsKey]); // eslint-disable-line react-hooks/exhaustive-deps

  const add = async (symbol) => {
    try {
      const item = await api.post('/api/watchlist', { symbol });
      setSelected(item.symbol);
      await loadWatchlist();
      return true;
    } catch (e) {
      setError(e.message);
      return false;
    }
  };

  const remove = async (symbol) => {
    try {
      await api.del(`/api/watchlist/${encodeURIComponent(symbol)}`);
      await loadWatchlist();
    } catch (e) {
      setError(e.message);
    }
  };

  const select = (symbol) => {
    setError('');
    setSelected(symbol);
  };

  const watched = watchlist.some((item) => item.symbol === selected);
  return (
    <div className="app">
      <header className="topbar">
        <div className="brand">
          <h1>Fintech Tracker</h1>
          <span className="tagline">Bloomberg Terminal for the Everyman</span>
        </div>
        <SymbolSearch onSelect={select} onAdd={add} />
      </header>

      {error && (
        <div className="error" role="alert">
          {error}
          <button type="button" onClick={() => setError('')} aria-label="Dismiss">×</button>
        </div>
      )}

      <main className="grid">
        <Watchlist items={watchlist} selected={selected} onSelect={select} onAdd={add} onRemove={remove} />

        <section className="panel quote">
          <div className="quote-head">
            <div>
              <h2>{quote?.symbol ?? selected ?? '—'}</h2>
              <div className="muted">{quote?.name}</div>
            </div>
            <div className="quote-price">
              <span className="price">{formatPrice(quote?.price)}</span>
              <span className={`chg ${trend(quote?.change)}`}>{formatChange(quote?.change, quote?.change_percent)}</span>
              <span className="muted">as of {quote?.as_of ?? '—'}</span>
            </div>
            {selected && !watched && (
              <button type="button" className="watch" onClick={() => add(selected)}>+ Watch</button>
            )}
          </div>
          <div className="ranges" role="group" aria-label="Chart range">
            {RANGES.map(([value, label]) => (
              <button key={value} type="button" className={value === days ? 'on' : ''} onClick={() => setDays(value)}>
                {label}
              </button>
            ))}
          </div>
          <PriceChart points={points} />
          {quote && (
            <dl className="stats">
              <dt>Open</dt><dd>{formatPrice(quote.open)}</dd>
              <dt>High</dt><dd>{formatPrice(quote.high)}</dd>
              <dt>Low</dt><dd>{formatPrice(quote.low)}</dd>
              <dt>Prev close</dt><dd>{formatPrice(quote.previous_close)}</dd>
              <dt>Volume</dt><dd>{quote.volume?.toLocaleString('en-US') ?? '—'}</dd>
            </dl>
          )}
        </section>

        <section className="panel news-panel">
          <div className="tabs" role="tablist">
            <button type="button" className={newsScope === 'symbol' ? 'on' : ''} onClick={() => setNewsScope('symbol')}>
              {selected ?? 'Symbol'} news
            </button>
            <button type="button" className={newsScope === 'watchlist' ? 'on' : ''} onClick={() => setNewsScope('watchlist')}>
              Watchlist news
            </button>
          </div>
          <NewsList items={news} loading={newsLoading} />
        </section>
      </main>
      <footer className="muted">Prices may be delayed. Not investment advice.</footer>
    </div>
  );
}
