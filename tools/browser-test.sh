#!/usr/bin/env bash
# The live viewer's browser test (ctest browser.viewer, tests/browser.cmake):
#     bash tools/browser-test.sh INKWELL LOG_WRITER BUILD_DIR
# INKWELL is the built `inkwell` command, LOG_WRITER tests/browser/log_writer,
# BUILD_DIR a folder of the build for the npm packages and the screenshots.
#
# On a bare Debian 12 machine it installs what is missing: Debian's chromium
# (Playwright never downloads a browser of its own: the test launches
# /usr/bin/chromium), and Node.js + npm only when `node` or `npm` is missing
# (a machine with Node.js from elsewhere, nodesource's say, keeps it: Debian's
# npm package would conflict with it). Then `npm ci` of tests/browser's
# package-lock.json (playwright-core, an exact version) into
# BUILD_DIR/node-cache, once per lock file, and `node viewer.test.mjs`.
# Exit codes: the test's (0 passed, 1 failed), 77 when it cannot run here.
set -uo pipefail
if [ "$#" -ne 3 ]; then
    echo "usage: tools/browser-test.sh INKWELL LOG_WRITER BUILD_DIR" >&2
    exit 2
fi
inkwell=$(realpath "$1") log_writer=$(realpath "$2") build_dir="$3"
cd "$(dirname "${BASH_SOURCE[0]}")/.." || exit 1
source tools/ensure-packages.sh

start=$SECONDS
if ! ensure_packages chromium; then
    echo "SKIP: Debian's chromium package could not be installed" >&2
    exit 77
fi
if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
    if ! ensure_packages nodejs npm; then
        echo "SKIP: Node.js and npm could not be installed" >&2
        exit 77
    fi
fi
node_major=$(node -p 'process.versions.node.split(".")[0]')
if [ "$node_major" -lt 18 ]; then
    echo "SKIP: Node.js $(node --version) is too old for playwright-core (18 or newer)" >&2
    exit 77
fi

# The npm packages, in the build folder (never in the source tree), installed
# again only when the lock file changed.
cache="$build_dir/node-cache"
mkdir -p "$cache" "$build_dir" || exit 1
if ! cmp -s tests/browser/package-lock.json "$cache/package-lock.json" || [ ! -d "$cache/node_modules/playwright-core" ]; then
    cp tests/browser/package.json tests/browser/package-lock.json "$cache/" || exit 1
    echo "== npm ci (tests/browser) into $cache"
    if ! (cd "$cache" && npm ci --no-audit --no-fund --loglevel=error); then
        rm -f "$cache/package-lock.json"  # try again next time
        echo "SKIP: npm ci failed (is the npm registry reachable?)" >&2
        exit 77
    fi
fi
# The test runs from the cache folder, where `import 'playwright-core'` resolves.
cp tests/browser/viewer.test.mjs "$cache/" || exit 1
echo "== set-up took $((SECONDS - start)) s (packages: $(chromium --version 2>/dev/null | head -n 1); node $(node --version))"

cd "$cache" || exit 1
exec node viewer.test.mjs --inkwell "$inkwell" --log-writer "$log_writer" --out "$build_dir" --chromium /usr/bin/chromium
