// Root layout: page metadata and global styles (system fonts only, nothing fetched at build time).

import './globals.css';

export const metadata = {
  title: 'Fintech Tracker — Bloomberg Terminal for the Everyman',
  description: 'Watchlist, prices, charts and market news in one terminal-style dashboard.',
};

export default function RootLayout({ children }) {
  return (
    <html lang="en">
      <body>{children}</body>
    </html>
  );
}
