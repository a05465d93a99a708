// Prints vitest's JSON result as the plain closing line CI reads: "N passed, N failed, N skipped".
'use strict';
const fs = require('node:fs');
const file = process.argv[2];
if (!file || !fs.existsSync(file)) {
  console.log('Tests: 0 passed, 1 failed (no test result file: the run stopped before vitest finished)');
  process.exit(1);
}
const r = JSON.parse(fs.readFileSync(file, 'utf8'));
const skipped = (r.numPendingTests ?? 0) + (r.numTodoTests ?? 0);
console.log(`Tests: ${r.numPassedTests} passed, ${r.numFailedTests} failed, ${skipped} skipped`);
