'use client';
// News panel: headlines with source, symbol and age, linking out to the article.

import { timeAgo } from '../lib/format';

export default function NewsList({ items, loading }) {
  if (loading) return <p className="muted">Loading news…</p>;
  if (!items.length) return <p className="muted">No news right now.</p>;
  return (
    <ul className="news">
      {items.map((item) => (
        <li key={`${item.symbol}:${item.url}`}>
          <a href={item.url} target="_blank" rel="noopener noreferrer">{item.title}</a>
          <div className="meta">
            <span className="tag">{item.symbol}</span> {item.source} · {timeAgo(item.published_at)}
          </div>
          {item.summary && <p>{item.summary}</p>}
        </li>
      ))}
    </ul>
  );
}
