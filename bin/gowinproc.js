#!/usr/bin/env node
// The `gowinproc` executable: the bundled CLI and daemon (built by `npm run build`, which
// `npm ci` runs through `prepare`).
import '../dist/bundle/gowinproc.js';
