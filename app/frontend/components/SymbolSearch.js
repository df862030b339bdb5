'use client';
// Symbol search: a combobox with debounced look-ups. `/` focuses it from anywhere; arrow keys move
// through the results and Enter picks one; Escape, Tab or a click elsewhere closes the list.

import { useEffect, useRef, useState } from 'react';
import { api } from '../lib/api';

const LIST_ID = 'search-results';

function typingIn(target) {
  return target instanceof HTMLElement && (target.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName));
}

export default function SymbolSearch({ onSelect }) {
  const [query, setQuery] = useState('');
  // the answer and the query it answers: results of an older query are never shown or picked
  const [answer, setAnswer] = useState({ q: '', hits: [], error: '' });
  const [open, setOpen] = useState(false);
  const [active, setActive] = useState(-1);
  const box = useRef(null);
  const input = useRef(null);

  useEffect(() => {
    const q = query.trim();
    if (!q) return undefined;
    let stale = false;
    const timer = setTimeout(() => {
      api
        .get(`/api/search?q=${encodeURIComponent(q)}`)
        .then((hits) => !stale && (setAnswer({ q, hits, error: '' }), setActive(hits.length ? 0 : -1)))
        .catch((e) => !stale && setAnswer({ q, hits: [], error: e.message }));
    }, 250);
    return () => {
      stale = true;
      clearTimeout(timer);
    };
  }, [query]);

  useEffect(() => {
    const slash = (e) => {
      if (e.key === '/' && !e.ctrlKey && !e.metaKey && !e.altKey && !typingIn(e.target)) {
        e.preventDefault();
        input.current?.focus();
      }
    };
    const outside = (e) => box.current && !box.current.contains(e.target) && setOpen(false);
    document.addEventListener('keydown', slash);
    document.addEventListener('mousedown', outside);
    document.addEventListener('touchstart', outside);
    return () => {
      document.removeEventListener('keydown', slash);
      document.removeEventListener('mousedown', outside);
      document.removeEventListener('touchstart', outside);
    };
  }, []);

  const current = answer.q === query.trim() ? answer : null;
  const results = current?.hits ?? [];

  const pick = (symbol) => {
    setQuery('');
    setOpen(false);
    onSelect(symbol);
  };

  const onKeyDown = (e) => {
    if (e.key === 'Escape') {
      if (open) setOpen(false);
      else setQuery('');
      return;
    }
    if (e.key === 'Tab') {
      setOpen(false);
      return;
    }
    if (!results.length) return;
    if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
      e.preventDefault();
      setOpen(true);
      const step = e.key === 'ArrowDown' ? 1 : -1;
      setActive((i) => (i + step + results.length) % results.length);
    } else if (e.key === 'Enter' && open && active >= 0) {
      e.preventDefault();
      pick(results[active].symbol);
    }
  };

  const expanded = open && query.trim() !== '' && results.length > 0;
  const message =
    open && query.trim() ? (!current ? 'Searching…' : current.error || (results.length === 0 ? 'No matches' : '')) : '';
  return (
    <div className="search" ref={box}>
      <input
        ref={input}
        type="text"
        role="combobox"
        aria-label="Search symbols (press / to focus)"
        aria-autocomplete="list"
        aria-expanded={expanded}
        aria-controls={LIST_ID}
        aria-activedescendant={expanded && active >= 0 ? `search-option-${active}` : undefined}
        value={query}
        onChange={(e) => {
          setQuery(e.target.value);
          setOpen(true);
        }}
        onFocus={() => query.trim() && setOpen(true)}
        onKeyDown={onKeyDown}
        placeholder="Search symbols or companies…  ( / )"
        maxLength={40}
        autoComplete="off"
      />
      <ul id={LIST_ID} className="results" role="listbox" aria-label="Matching symbols" hidden={!expanded}>
        {expanded &&
          results.map((r, i) => (
            <li
              key={r.symbol}
              id={`search-option-${i}`}
              role="option"
              aria-selected={i === active}
              className={i === active ? 'active' : ''}
              onMouseDown={(e) => e.preventDefault()}
              onMouseEnter={() => setActive(i)}
              onClick={() => pick(r.symbol)}
            >
              <span className="sym">{r.symbol}</span> <span className="name">{r.name}</span>
              <span className="muted"> {r.exchange}</span>
            </li>
          ))}
      </ul>
      {message && (
        <p className="results-status muted" role="status">
          {message}
        </p>
      )}
    </div>
  );
}
