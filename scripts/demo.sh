#!/usr/bin/env bash
# `npm run demo`: builds amigate and the built-in default target — a real Debian bookworm rootfs
# from debootstrap with the mistakes publishers really get rejected for seeded into a copy
# (fixtures/debian-seeded.sh) — and scans it. Needs root for debootstrap on the first run; cached.
# Extra arguments go to `amigate scan` (e.g. `npm run demo -- --format json`).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
npm run -s build
# sed, not head: head would close the pipe early and the script die of SIGPIPE under pipefail.
demo="$(bash fixtures/debian-seeded.sh | sed -n 1p)"
echo "Scanning the built-in demo image: $demo" >&2
# The demo image fails on purpose (exit 1); the demo itself succeeds when the scan ran.
status=0
node dist/amigate.js scan "$demo" "$@" || status=$?
[ "$status" -le 1 ]
