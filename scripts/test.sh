#!/usr/bin/env bash
# The test command (README): on a fresh machine it installs everything the suite needs, then
# runs the whole suite with coverage, then the same lint as `dagger call lint`.
# Machine-readable results: .pipeline/test-results.json, .pipeline/junit.xml and coverage/
# (cobertura-coverage.xml, lcov.info, coverage-summary.json), which `dagger call test` returns.
#   - toolchain: scripts/install-toolchain.sh (pinned, cached outside the repo, idempotent)
#   - npm dependencies for the core and the Dagger module (npm ci, skipped when unchanged)
# Ends with one line "tests: N passed, N failed".
set -euo pipefail
cd "$(dirname "$0")/.."

step() { printf '\n==> %s\n' "$*"; }

step "toolchain"
bin=$(bash scripts/install-toolchain.sh | tee /dev/stderr | tail -n 1)
export PATH="$bin:$PATH"

# npm ci only when the lock file changed since the last install (it takes seconds, not minutes,
# but a second run of this script should not pay for it) or a program the suite runs is gone.
# npm can exit 0 after "Exit handler never called!" with node_modules half written: check.
npm_ci() { # dir program-it-must-install
  local stamp="$1/node_modules/.ecs-pipeline-lock.sha256"
  local want; want=$(sha256sum "$1/package-lock.json" | cut -d' ' -f1)
  if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ] || [ ! -x "$1/$2" ]; then
    (cd "$1" && npm ci --no-audit --no-fund --loglevel=error)
    [ -x "$1/$2" ] || { echo "npm ci in $1 exited 0 but $1/$2 is missing: the install did not complete; run it again" >&2; exit 1; }
    echo "$want" >"$stamp"
  else
    echo "  $1/node_modules up to date"
  fi
}
step "npm dependencies"
npm_ci . node_modules/.bin/tsx
npm_ci dagger node_modules/.bin/tsc

step "test suite (vitest, with coverage)"
mkdir -p .pipeline
status=0
# Beside the text: vitest's JSON (the closing line below), JUnit XML for the CIs' test views,
# and (vitest.config.ts) Cobertura, lcov and a JSON summary of coverage in coverage/.
npx vitest run --coverage --reporter=default \
  --reporter=json --outputFile.json=.pipeline/test-results.json \
  --reporter=junit --outputFile.junit=.pipeline/junit.xml || status=$?

step "lint (the same checks as 'dagger call lint')"
lint_status=0
npx tsx src/cli/main.ts lint || lint_status=$?

node -e '
  const r = JSON.parse(require("fs").readFileSync(".pipeline/test-results.json", "utf8"));
  const lint = Number(process.argv[1]);
  console.log(`\ntests: ${r.numPassedTests + (lint === 0 ? 1 : 0)} passed, ${r.numFailedTests + (lint === 0 ? 0 : 1)} failed` +
    (r.numPendingTests ? `, ${r.numPendingTests} skipped` : ""));
' "$lint_status"
[ "$status" -eq 0 ] && [ "$lint_status" -eq 0 ]
