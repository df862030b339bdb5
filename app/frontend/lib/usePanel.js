'use client';
// One panel's data: loaded when its key changes, refreshed on its own every `refreshMs`, with its own
// loading, error and stale states. A failed refresh keeps what was shown and marks it stale; with
// `keep`, so does a new key until its data comes.

import { useEffect, useState } from 'react';

export function usePanel(key, load, refreshMs, { keep = false } = {}) {
  const [state, setState] = useState({ key: null, data: null, error: '', loading: false, updatedAt: null });
  const [tick, setTick] = useState(0);

  useEffect(() => {
    if (key == null || !refreshMs) return undefined;
    let live = true;
    setState((s) => (s.key === key ? s : { key, data: keep ? s.data : null, error: '', loading: true, updatedAt: keep ? s.updatedAt : null }));
    const run = () =>
      load()
        .then((data) => live && setState({ key, data, error: '', loading: false, updatedAt: new Date() }))
        .catch((e) => live && setState((s) => ({ ...s, key, error: e.message, loading: false })));
    run();
    const timer = setInterval(run, refreshMs);
    return () => {
      live = false;
      clearInterval(timer);
    };
  }, [key, refreshMs, tick]); // eslint-disable-line react-hooks/exhaustive-deps

  const current =
    state.key === key ? state : { data: keep ? state.data : null, error: '', loading: key != null, updatedAt: keep ? state.updatedAt : null };
  return {
    ...current,
    // shown data whose last refresh failed, or that the API itself marks as stored (`stale`)
    stale: Boolean(current.data && (current.error || current.data.stale)),
    reload: () => setTick((t) => t + 1),
  };
}
