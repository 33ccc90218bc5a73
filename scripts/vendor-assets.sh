#!/usr/bin/env bash
# Copy the minified browser builds of the front-end libraries from node_modules
# into syllabus/web/static/vendor/ (git-ignored). Run `npm ci` (or `npm install`) first.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
modules="${root}/node_modules"
dest="${root}/syllabus/web/static/vendor"

if [[ ! -d "${modules}" ]]; then
    echo "vendor-assets: ${modules} is missing; run 'npm ci' in ${root} first" >&2
    exit 1
fi

# vendor TARGET CANDIDATE...: copy the first existing candidate (a path under
# node_modules) to vendor/TARGET, or fail when none exists.
vendor() {
    local target="$1"
    shift
    local candidate
    for candidate in "$@"; do
        if [[ -f "${modules}/${candidate}" ]]; then
            install -m 0644 "${modules}/${candidate}" "${dest}/${target}"
            echo "vendor-assets: node_modules/${candidate} -> ${dest#"${root}/"}/${target}"
            return 0
        fi
    done
    echo "vendor-assets: cannot build ${target}: missing node_modules/$* (run 'npm ci')" >&2
    exit 1
}

mkdir -p "${dest}"

vendor htmx.min.js htmx.org/dist/htmx.min.js
vendor alpine-csp.min.js @alpinejs/csp/dist/cdn.min.js
vendor hls.min.js hls.js/dist/hls.min.js
# chart.js 4.4 ships its minified UMD build as chart.umd.js; later 4.x also as chart.umd.min.js.
vendor chart.umd.min.js chart.js/dist/chart.umd.min.js chart.js/dist/chart.umd.js
vendor Sortable.min.js sortablejs/Sortable.min.js

echo "vendor-assets: done"
