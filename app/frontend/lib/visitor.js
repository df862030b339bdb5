// This browser's watchlist key: random, made on the first visit and kept in localStorage. The API
// keeps each key's watchlist apart (it stores only a hash of the key).

const STORAGE = 'fintech.watchlistKey';
let memoryKey;

function newKey() {
  const bytes = crypto.getRandomValues(new Uint8Array(18));
  return btoa(String.fromCharCode(...bytes)).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

export function watchlistKey() {
  try {
    let key = localStorage.getItem(STORAGE);
    if (!key || !/^[A-Za-z0-9_-]{22,64}$/.test(key)) {
      key = newKey();
      localStorage.setItem(STORAGE, key);
    }
    return key;
  } catch {
    // storage blocked (some private modes): a watchlist for this tab only
    memoryKey ??= newKey();
    return memoryKey;
  }
}
