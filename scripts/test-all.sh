#!/usr/bin/env bash
# Sets up from scratch and runs every check: install, build, typecheck, package exports lint (with core's check that
# its testing kit loads from plain Node, ESM and CommonJS, without vitest), tests.
set -euo pipefail
cd "$(dirname "$0")/.."
pnpm install --frozen-lockfile
pnpm build
pnpm typecheck
pnpm lint:packages
# The API site must build without errors or warnings (typedoc.json treats warnings as errors: broken links, missing
# package READMEs, group descriptions without members).
pnpm exec typedoc --emit none
pnpm test
# The main job must keep working: the example host in demo mode against the simulators.
pnpm --filter @ticketbridge/example-host demo > /dev/null
echo 'demo: ok'
