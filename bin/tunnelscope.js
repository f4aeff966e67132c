#!/usr/bin/env node
// Thin launcher: the compiled CLI lives in dist/ (built by `npm install`).
import { main } from '../dist/src/cli.js';

let settled = false;
main(process.argv.slice(2)).then(
  (code) => { settled = true; process.exitCode = code; },
  (err) => {
    settled = true;
    process.stderr.write(`tunnelscope: internal error: ${err && err.message ? err.message : err}\n`);
    process.exitCode = 70;
  },
);
// Node exits 0 when nothing is left to wait for, even if the run never finished (a promise that
// never settles): that would be silent loss of the results, so it is an internal error instead.
process.on('exit', () => {
  if (!settled && process.exitCode === undefined) {
    process.stderr.write('tunnelscope: internal error: the run stopped before it finished\n');
    process.exitCode = 70;
  }
});
