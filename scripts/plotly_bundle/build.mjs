/*
 * Builds ../../assets/plotly-evidence.min.js: plotly.js with only the trace types the dashboard
 * draws (entry.cjs), the same version Dash would serve (the plotly Python package's
 * package_data/plotly.min.js; tests/unit/test_plotly_bundle.py checks both).
 *
 * Why: dcc.Graph loads the full plotly.js (4.8 MB: maps, 3-D, WebGL) on demand, after the layout
 * has mounted, and parsing it kept the main thread busy 1.2-1.7 s before the first figure could be
 * drawn. This bundle is 1.3 MB, and an asset script: loaded with the page, and dcc.Graph uses
 * window.Plotly when it is set instead of fetching its own.
 *
 *   cd scripts/plotly_bundle && npm ci && node build.mjs
 *
 * The options are plotly.js's own (its esbuild-config.js): CSS inlined, NODE_DEBUG false, IIFE
 * exposing the global Plotly.
 */
import * as esbuild from 'esbuild';
import InlineCSSPlugin from 'esbuild-plugin-inline-css';
import { environmentPlugin } from 'esbuild-plugin-environment';
import { readFileSync } from 'node:fs';

const version = JSON.parse(readFileSync('node_modules/plotly.js/package.json', 'utf8')).version;
const traces = ['scatter', ...[...readFileSync('entry.cjs', 'utf8').matchAll(/plotly\.js\/lib\/(\w+)'\)/g)].map(m => m[1]).filter(name => name !== 'core')];

await esbuild.build({
    entryPoints: ['entry.cjs'],
    outfile: '../../assets/plotly-evidence.min.js',
    format: 'iife',
    globalName: 'Plotly',
    bundle: true,
    minify: true,
    target: 'es2016',
    legalComments: 'eof',
    banner: {js: `/** plotly.js v${version} (traces: ${traces.join(', ')}). Copyright 2012-2026, Plotly, Inc. MIT license. Built by scripts/plotly_bundle/build.mjs */`},
    plugins: [InlineCSSPlugin(), environmentPlugin({NODE_DEBUG: false})],
    define: {global: 'window', 'define.amd': 'false'},
});
