// The trace types the dashboard's figures use (tests/unit/test_plotly_bundle.py checks every view's
// figure against this list). plotly.js's core brings scatter.
var Plotly = require('plotly.js/lib/core');

Plotly.register([
    require('plotly.js/lib/bar'),
    require('plotly.js/lib/table'),
]);

module.exports = Plotly;
