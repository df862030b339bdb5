'use client';
// News panel: headlines with source, symbol and age, linking out to the article. "No news" only when
// the news was fetched and there is none; a failure says the news is unavailable.

import PanelStatus from './PanelStatus';
import { timeAgo } from '../lib/format';

export default function NewsList({ panel }) {
  const items = panel.data?.items;
  return (
    <>
      <PanelStatus panel={panel} what="news" />
      {items && items.length === 0 && <p className="muted">No news right now.</p>}
      {items && items.length > 0 && (
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
      )}
    </>
  );
}
