#!/usr/bin/env bash
# Runs the backend tests (real PostgreSQL + Redis, started by tests/conftest.py) in .venv.
set -euo pipefail
cd "$(dirname "$0")"
./setup.sh
exec .venv/bin/python -m pytest -q "$@"
