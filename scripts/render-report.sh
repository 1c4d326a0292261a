#!/usr/bin/env bash
# Render the sample tender report in headless Chromium and check it: the page
# loads, the verdict text is there, and the browser logs no console errors.
# With --screenshot it also writes docs/report-sample.png.
#
# Needs Chromium (Debian: apt-get install chromium). Usage, from the repo root:
#   scripts/render-report.sh [--screenshot]
set -euo pipefail

browser=$(command -v chromium || command -v chromium-browser || command -v google-chrome || true)
if [[ -z "$browser" ]]; then
    echo "render-report: no Chromium found; install it (apt-get install chromium)" >&2
    exit 3
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
flags=(--headless --no-sandbox --disable-gpu --no-first-run --user-data-dir="$work/profile")

cargo run -q -- -q scan samples/camera-update.zip --reproducible --policy default \
    --as-of 2026-11-23 -o "$work/sbom.json" --report "$work/report.html"

"$browser" "${flags[@]}" --enable-logging=stderr --v=0 --dump-dom \
    "file://$work/report.html" >"$work/dom.html" 2>"$work/console.log" || true
if ! grep -q 'id="verdict" class="verdict deny">DENY<' "$work/dom.html"; then
    echo "render-report: the rendered page has no DENY verdict" >&2
    head -c 2000 "$work/dom.html" >&2
    exit 1
fi
if grep -E 'CONSOLE|Uncaught' "$work/console.log" | grep -qiE 'error|uncaught'; then
    echo "render-report: console errors:" >&2
    grep -E 'CONSOLE|Uncaught' "$work/console.log" >&2
    exit 1
fi
echo "render-report: page loads, verdict DENY present, no console errors"

if [[ "${1:-}" == "--screenshot" ]]; then
    "$browser" "${flags[@]}" --hide-scrollbars --window-size=1280,2200 \
        --screenshot="$PWD/docs/report-sample.png" "file://$work/report.html" 2>/dev/null
    echo "render-report: wrote docs/report-sample.png"
fi

# The batch fleet summary renders too.
cargo run -q -- -q batch --policy default --as-of 2026-11-23 --out "$work/batch" samples
"$browser" "${flags[@]}" --enable-logging=stderr --v=0 --dump-dom \
    "file://$work/batch/summary.html" >"$work/summary-dom.html" 2>"$work/summary-console.log" || true
if ! grep -q 'id="totals">5 files, 5 distinct images, 0 failed' "$work/summary-dom.html"; then
    echo "render-report: the fleet summary did not render its totals" >&2
    head -c 2000 "$work/summary-dom.html" >&2
    exit 1
fi
if grep -E 'CONSOLE|Uncaught' "$work/summary-console.log" | grep -qiE 'error|uncaught'; then
    echo "render-report: console errors in the fleet summary" >&2
    exit 1
fi
echo "render-report: fleet summary loads with its totals, no console errors"
