#!/usr/bin/env bash
# Installs everything the test suite needs on a fresh Debian/Ubuntu machine, builds, and runs all tests.
# This is the README's test command; .ci/run runs exactly this.
set -euo pipefail
cd "$(dirname "$0")/.."

# System packages: Chromium drives the UI end-to-end tests; Debian's PyTorch stack is the reference the
# preprocessing/benchmarks compare against and the runtime of the exporter tests.
pkgs=(chromium python3-torch python3-torchaudio python3-torchvision python3-onnx python3-pil python3-numpy python3-pytest python3-sentencepiece python3-regex libsoxr0)
missing=()
for p in "${pkgs[@]}"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
if [ ${#missing[@]} -gt 0 ]; then
  echo "installing system packages: ${missing[*]}" >&2
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -q
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

# Node.js: package.json "engines" says >= 22.13 (the oldest every dependency accepts). A machine whose Node is
# older (this CI's Debian ships 20) gets Node 22 from the npm registry (package node-linux-<arch>, verified by npm
# against the registry's checksum) into .cache/node/, used for everything below; nothing outside the checkout changes.
NODE_FOR_CI=22.23.5
if ! node -e 'const [a,b]=process.versions.node.split(".").map(Number);process.exit(a>22||(a===22&&b>=13)?0:1)' 2>/dev/null; then
  case "$(uname -m)" in x86_64) arch=x64 ;; aarch64|arm64) arch=arm64 ;; *) echo "Node.js >= 22.13 is required (found $(node -v 2>/dev/null || echo none))" >&2; exit 1 ;; esac
  if [ "$(.cache/node/bin/node -v 2>/dev/null)" != "v$NODE_FOR_CI" ]; then
    echo "Node $(node -v 2>/dev/null || echo '(none)') is older than 22.13: fetching Node $NODE_FOR_CI from the npm registry into .cache/node" >&2
    tmp=$(mktemp -d)
    npm pack "node-linux-$arch@$NODE_FOR_CI" --pack-destination "$tmp" --silent >/dev/null
    rm -rf .cache/node && mkdir -p .cache && tar xzf "$tmp"/node-linux-*.tgz -C "$tmp" && mv "$tmp/package" .cache/node
    rm -rf "$tmp"
  fi
  export PATH="$PWD/.cache/node/bin:$PATH"
fi
echo "node $(node -v), npm $(npm -v)" >&2

npm ci --no-audit --no-fund
npm run build:app   # the engine bundle (CLI, workers, bridge) + the Electron main/preload/renderer
npm run typecheck

# Static checks (scripts/lint.mjs): svelte-check, eslint, the layer rule (dependency-cruiser), unused files and
# dependencies (knip). All of them run and are reported; a failure fails CI after the tests have run too.
set +e
npm run lint
lint_status=$?

mkdir -p test-output
npx vitest run --reporter=default --reporter=json --outputFile.json=test-output/vitest.json
status=$?
set -e
node -e '
  const r = JSON.parse(require("fs").readFileSync("test-output/vitest.json", "utf8"));
  console.log(`${r.numPassedTests} passed, ${r.numFailedTests} failed, ${r.numPendingTests + (r.numTodoTests ?? 0)} skipped`);
' || true
if [ $lint_status -ne 0 ]; then echo "static checks failed (see the lint summary above)" >&2; exit 1; fi
exit $status
