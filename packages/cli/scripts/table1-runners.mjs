// Table 1 on 2 local worker processes vs 2 `geoparam worker` processes on a loopback Redis, side by
// side: per data set, both runners run the same sweep one after the other (which goes first
// alternates, so a machine that gets busier or quieter during the run does not favour one runner),
// and every run's RMSE must come out identical. A benchmark, not a test: it takes about twice the
// full Table 1 (tens of minutes on 2 cores). Needs redis-server and the built CLI.
//
//   node packages/cli/scripts/table1-runners.mjs --data-dir shared/data/uci --out OUT [--protocol paper]
//        [--datasets boston,concrete,...] [--epochs N] [--splits N]
//
// Writes OUT/local/<set>, OUT/queue/<set> (each sweep's results.json etc.) and OUT/summary.md.
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
const here = path.dirname(fileURLToPath(import.meta.url));
const bin = path.join(here, '..', 'dist', 'bin.js');
const { TestRedis, redisSkipReason } = require('@geoparam/test-utils');
const { writeFileAtomic } = require('@geoparam/core/node');

const { values: opts } = parseArgs({
  options: {
    'data-dir': { type: 'string' },
    out: { type: 'string' },
    protocol: { type: 'string', default: 'paper' },
    datasets: { type: 'string', default: 'boston,concrete,energy,naval,power,wine-red,yacht' },
    epochs: { type: 'string' },
    splits: { type: 'string' },
  },
});
if (!opts['data-dir'] || !opts.out) {
  console.error('usage: table1-runners.mjs --data-dir DIR --out DIR [--protocol P] [--datasets a,b] [--epochs N] [--splits N]');
  process.exit(2);
}
const skip = redisSkipReason();
if (skip) {
  console.error(`table1-runners: cannot run: ${skip}`);
  process.exit(2);
}
const dataDir = path.resolve(opts['data-dir']);
const out = path.resolve(opts.out);
const datasets = opts.datasets.split(',');
const common = ['--data-dir', dataDir, '--protocol', opts.protocol, '--no-figures'];
if (opts.epochs) common.push('--epochs', opts.epochs);
if (opts.splits) common.push('--splits', opts.splits);

/** Runs `geoparam ...args`, resolving with its exit code and wall seconds; output goes to `log`. */
function geoparam(args, log) {
  const t0 = performance.now();
  const child = spawn(process.execPath, [bin, ...args], { stdio: ['ignore', log, log] });
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('exit', (code, signal) => resolve({ code: code ?? signal, seconds: (performance.now() - t0) / 1000 }));
  });
}

const loadAverage = () => (fs.readFileSync('/proc/loadavg', 'utf8').split(' ')[0]);
fs.mkdirSync(out, { recursive: true });
const log = fs.openSync(path.join(out, 'runs.log'), 'a');
const redis = await TestRedis.start();
const workers = [0, 1].map(() => spawn(process.execPath, [bin, 'worker', '--queue', redis.url, '--concurrency', '1', '--data-dir', dataDir], { stdio: ['ignore', log, log] }));
const rows = [];
let mismatches = 0;
try {
  for (const [i, name] of datasets.entries()) {
    const order = i % 2 === 0 ? ['local', 'queue'] : ['queue', 'local'];
    const row = { name };
    for (const runner of order) {
      const dir = path.join(out, runner, name);
      const via = runner === 'local' ? ['--workers', '2'] : ['--queue', redis.url];
      const load = loadAverage();
      const { code, seconds } = await geoparam(['reproduce', 'uci', '--datasets', name, ...common, ...via, '--out', dir], log);
      if (code !== 0) throw new Error(`${runner} sweep of ${name} exited with ${code}: see ${path.join(out, 'runs.log')}`);
      const results = JSON.parse(fs.readFileSync(path.join(dir, 'results.json'), 'utf8'));
      row[runner] = { seconds, load, runSeconds: results.runSeconds, methods: results.datasets[name] };
      console.log(`${name} ${runner}: ${seconds.toFixed(0)} s wall (load ${load} at start)`);
    }
    row.same = true;
    for (const [method, local] of Object.entries(row.local.methods)) {
      if (JSON.stringify(local.rmse) === JSON.stringify(row.queue.methods[method].rmse)) continue;
      row.same = false;
      mismatches += 1;
      console.error(`${name} ${method}: RMSEs differ between the runners`);
    }
    rows.push(row);
  }
} finally {
  for (const w of workers) w.kill('SIGTERM');
  await Promise.all(workers.map((w) => new Promise((r) => (w.exitCode !== null ? r() : w.on('exit', r)))));
  await redis.stop();
}

const sum = (runner, key) => rows.reduce((s, r) => s + r[runner][key], 0);
const lines = [
  `| data set | local wall (s) | queue wall (s) | queue / local | load at start (local, queue) | RMSEs identical |`,
  `|---|---|---|---|---|---|`,
  ...rows.map((r) => `| ${r.name} | ${r.local.seconds.toFixed(0)} | ${r.queue.seconds.toFixed(0)} | ${(r.queue.seconds / r.local.seconds).toFixed(3)} | ${r.local.load}, ${r.queue.load} | ${r.same ? 'yes' : 'no'} |`),
  `| **all** | ${sum('local', 'seconds').toFixed(0)} | ${sum('queue', 'seconds').toFixed(0)} | ${(sum('queue', 'seconds') / sum('local', 'seconds')).toFixed(3)} | | ${mismatches === 0 ? 'yes' : `no (${mismatches})`} |`,
  '',
  `Summed training time of the runs: local ${sum('local', 'runSeconds').toFixed(0)} s, queue ${sum('queue', 'runSeconds').toFixed(0)} s.`,
  `Command: node packages/cli/scripts/table1-runners.mjs ${process.argv.slice(2).join(' ')}`,
];
await writeFileAtomic(path.join(out, 'summary.md'), `${lines.join('\n')}\n`);
console.log(lines.join('\n'));
process.exit(mismatches === 0 ? 0 : 1);
