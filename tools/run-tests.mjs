#!/usr/bin/env node
// The one test command (README, CI): builds, typechecks, lints and tests every package through nx,
// streams the output, and ends with the plain `N passed, N failed` line CI reads.
import { spawn } from 'node:child_process';

const targets = process.argv.length > 2 ? process.argv.slice(2) : ['build', 'typecheck', 'lint', 'test'];
const child = spawn('npx', ['nx', 'run-many', '-t', ...targets, '--output-style=static', '--parallel=1'], {
  stdio: ['ignore', 'pipe', 'pipe'],
  env: { ...process.env, FORCE_COLOR: '0', NX_TUI: 'false', NX_NO_CLOUD: 'true' },
});

const counts = { passed: 0, failed: 0, skipped: 0 };
const failedTasks = new Set();
let inFailedList = false;
let pending = '';

function scanLine(raw) {
  const line = raw.trim();
  const jest = /^Tests:\s+(.*)\s+total$/.exec(line);
  if (jest) {
    for (const [, n, kind] of jest[1].matchAll(/(\d+) (passed|failed|skipped|todo)/g)) {
      counts[kind === 'todo' ? 'skipped' : kind] += Number(n);
    }
  }
  if (line === 'Failed tasks:') inFailedList = true;
  else if (inFailedList && /^- \S+:\S+/.test(line)) failedTasks.add(line.slice(2).split(' ')[0]);
}

function scan(chunk) {
  const lines = (pending + chunk).split('\n');
  pending = lines.pop() ?? '';
  lines.forEach(scanLine);
}

for (const stream of ['stdout', 'stderr']) {
  child[stream].on('data', (data) => {
    process[stream].write(data);
    scan(data.toString());
  });
}

child.on('close', (code) => {
  scanLine(pending);
  // Build, typecheck and lint failures (and test suites that crashed before jest counted
  // anything) are failures too.
  const otherFailures = [...failedTasks].filter((t) => !t.endsWith(':test') || counts.failed === 0).length;
  const failed = counts.failed + otherFailures + (code !== 0 && counts.failed + otherFailures === 0 ? 1 : 0);
  if (counts.skipped) console.log(`(${counts.skipped} skipped: each skipped block names its reason above)`);
  console.log(`${counts.passed} passed, ${failed} failed`);
  process.exit(code ?? 1);
});
