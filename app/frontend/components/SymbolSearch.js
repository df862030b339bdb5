'use client';
// Symbol search box with debounced look-ups; pick a result to view it or watch it.

import { useEffect, useState } from 'react';
import { api } from '../lib/api';

export default function SymbolSearch({ onSelect, onAdd }) {
  const [query, setQuery] = useState('');
  const [results, setResults] = useState([]);
  const [error, setError] = useState('');

  useEffect(() => {
    const q = query.trim();
    if (!q) {
      setResults([]);
      return undefined;
    }
    let stale = false;
    const timer = setTimeout(() => {
      api
        .get(`/api/search?q=${encodeURIComponent(q)}`)
        .then((hits) => !stale && (setResults(hits), setError('')))
        .catch((e) => !stale && setError(e.message));
    }, 250);
    return () => {
      stale = true;
      clearTimeout(timer);
    };
  }, [query]);

  const pick = (symbol, watch) => {
    setQuery('');
    setResults([]);
    (watch ? onAdd : onSelect)(symbol);
  };

  return (
    <div className="search" onKeyDown={(e) => e.key === 'Escape' && setQuery('')}>
      <input
        type="search"
        value={query}
        onChange={(e) => setQuery(e.target.value)}
        placeholder="Search symbols or companies…"
        aria-label="Search symbols"
        maxLength={40}
      />
      {query.trim() && (
        <ul className="results" role="listbox">
          {error && <li className="muted">{error}</li>}
          {!error && results.length === 0 && <li className="muted">No matches</li>}
          {results.map((r) => (
            <li key={r.symbol}>
              <button type="button" className="hit" onClick={() => pick(r.symbol, false)}>
                <span className="sym">{r.symbol}</span> <span className="name">{r.name}</span>
                <span className="muted"> {r.exchange}</span>
              </button>
              <button type="button" className="watch" onClick={() => pick(r.symbol, true)} title={`Watch ${r.symbol}`}>
                + Watch
              </button>
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
