#!/usr/bin/env bash
# Installs dependencies when needed, builds the static export and runs the smoke tests, then the
# browser tests: headless Chromium against the app on a throwaway PostgreSQL and Redis
# (../backend/setup.sh makes the backend's venv; Chromium is installed with apt when missing and
# running as root).
set -euo pipefail
cd "$(dirname "$0")"
export NEXT_TELEMETRY_DISABLED=1

stamp=node_modules/.package-lock.sha256
want=$(sha256sum package-lock.json | cut -d' ' -f1)
if [[ ! -d node_modules || $(cat "$stamp" 2>/dev/null) != "$want" ]]; then
  npm ci --no-audit --no-fund --loglevel=error
  echo "$want" >"$stamp"
fi

if ! command -v chromium >/dev/null && [[ -z ${CHROMIUM:-} ]]; then
  if [[ $(id -u) == 0 ]] && command -v apt-get >/dev/null; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
  else
    echo "missing: chromium (install it, e.g. apt-get install chromium, or set CHROMIUM)" >&2
    exit 1
  fi
fi
../backend/setup.sh

npm run build
npm test
npm run test:browser
