#!/usr/bin/env node
'use strict';
// Quiet by default: TensorFlow's native INFO and WARNING lines (tfjs-node and the graph engine) only with --verbose.
if (!process.argv.includes('--verbose') && process.env.TF_CPP_MIN_LOG_LEVEL === undefined) process.env.TF_CPP_MIN_LOG_LEVEL = '2';
let cli;
try {
  cli = require('../dist/main.js');
} catch (err) {
  if (err && err.code === 'MODULE_NOT_FOUND' && String(err.message).includes('dist/main.js')) {
    process.stderr.write('anneal is not built yet: run `npm run build` in the repository root\n');
    process.exit(1);
  }
  throw err;
}
cli.main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err) => {
    // One clear line for the user's mistakes; the stack only when asked for.
    const chain = [];
    // A failure's cause often repeats its message (an activity failure and the error it wraps): said once.
    for (let e = err; e; e = e.cause) if (e.message && !chain.includes(e.message)) chain.push(e.message);
    process.stderr.write(`anneal: ${process.env.ANNEAL_DEBUG ? err.stack : chain.join(': ')}\n`);
    process.exit(1);
  },
);
