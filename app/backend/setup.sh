#!/usr/bin/env bash
# Makes what the backend's tests need: redis-server, PostgreSQL and openssl (installed with apt when
# missing and running as root), and .venv with requirements-dev.txt (reinstalled when it changes).
set -euo pipefail
cd "$(dirname "$0")"

# The tests start their own servers and make TLS certificates: make sure the binaries exist
# (as root, install them).
need=()
command -v redis-server >/dev/null || need+=(redis-server)
command -v openssl >/dev/null || need+=(openssl)  # test certificates for the TLS tests
command -v pg_config >/dev/null || ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || need+=(postgresql)
if ((${#need[@]})); then
  if [[ $(id -u) == 0 ]] && command -v apt-get >/dev/null; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
  else
    echo "missing: ${need[*]} (install them, e.g. apt-get install ${need[*]})" >&2
    exit 1
  fi
fi

# (Re)create the venv when missing or broken; reinstall only when the requirements change.
PYTHON=${PYTHON:-python3}
if ! .venv/bin/python -c '' 2>/dev/null; then
  rm -rf .venv
  "$PYTHON" -m venv .venv
fi
stamp=.venv/.requirements.sha256
want=$(cat requirements.txt requirements-dev.txt | sha256sum | cut -d' ' -f1)
if [[ $(cat "$stamp" 2>/dev/null) != "$want" ]]; then
  .venv/bin/python -m pip install -q --disable-pip-version-check -r requirements-dev.txt
  echo "$want" >"$stamp"
fi

