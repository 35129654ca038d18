#!/usr/bin/env node
// Training-step cost of each parameterization, per backend. Variants run interleaved in one
// process so machine noise hits them alike; we report medians and the ratio to SP, never
// absolute speed claims. Usage: node bench/training-step.bench.mjs [--steps 60] [--backends cpu,wasm]
import { createRequire } from 'node:module';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseArgs } from 'node:util';

const require = createRequire(import.meta.url);
const tf = require('@tensorflow/tfjs-core');
const { useBackend } = require('@geoparam/core');
require('@geoparam/backend-cpu/register');
require('@geoparam/backend-wasm/register');
const { mlp } = require('@geoparam/models');
const { getLoss, createOptimizer, disposeOptimizer } = require('../dist/index.js');

const { values } = parseArgs({
  options: { steps: { type: 'string', default: '60' }, backends: { type: 'string', default: 'wasm,cpu' }, out: { type: 'string' }, tolerance: { type: 'string', default: '0.15' } },
});
const steps = Number(values.steps);
const methods = ['standard', 'weightNorm', 'batchNorm', 'geometric'];
// Each round visits the variants in a fresh seeded order: in a fixed order the variant right
// after BN (whose working set evicts the caches) ran ~7% slower than the same variant elsewhere.
const shuffler = (items) => {
  let state = 1;
  const order = [...items];
  return () => {
    for (let k = order.length - 1; k > 0; k--) {
      state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
      const j = Math.floor((state / 4294967296) * (k + 1));
      [order[k], order[j]] = [order[j], order[k]];
    }
    return order;
  };
};
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const quantile = (xs, q) => [...xs].sort((a, b) => a - b)[Math.floor(q * (xs.length - 1))];

const results = { date: new Date().toISOString(), machine: { cpus: os.cpus().length, model: os.cpus()[0]?.model, node: process.version }, workload: 'MLP 8-100-1, batch 1024, Adam, MSE', steps, backends: {} };
for (const backend of values.backends.split(',')) {
  await useBackend(backend);
  const x = tf.randomNormal([1024, 8], 0, 1, 'float32', 1);
  const y = tf.randomNormal([1024, 1], 0, 1, 'float32', 2);
  const loss = getLoss('mse');
  const runs = methods.map((method) => {
    const model = mlp({ inputDim: 8, hidden: [100], parameterization: method, seed: 1 });
    const optimizer = createOptimizer({ name: 'adam', learningRate: 0.01 });
    const step = () => {
      const cost = optimizer.minimize(() => loss(model.logits(x, { training: true }), y), true, model.trainableVariables);
      cost.dataSync();
      cost.dispose();
    };
    for (let i = 0; i < 5; i++) step();
    return { method, model, optimizer, step, times: [] };
  });
  const tensors = tf.memory().numTensors;
  const order = shuffler(runs);
  for (let i = 0; i < steps; i++) {
    for (const run of order()) {
      const t0 = performance.now();
      run.step();
      run.times.push(performance.now() - t0);
    }
  }
  const leaked = tf.memory().numTensors - tensors;
  const sp = median(runs[0].times);
  results.backends[backend] = {
    tensorsLeakedOverRun: leaked,
    methods: Object.fromEntries(runs.map((r) => [r.method, { medianMs: median(r.times), p10Ms: quantile(r.times, 0.1), p90Ms: quantile(r.times, 0.9), ratioToSp: median(r.times) / sp }])),
  };
  runs.forEach((r) => { r.model.dispose(); disposeOptimizer(r.optimizer); });
  tf.dispose([x, y]);
}
const cpu = results.backends.cpu?.methods.standard.medianMs;
const wasm = results.backends.wasm?.methods.standard.medianMs;
if (cpu && wasm) results.wasmOverCpuSp = wasm / cpu;

console.log(`training step, ${results.workload}, ${steps} interleaved steps per variant`);
for (const [backend, r] of Object.entries(results.backends)) {
  console.log(`\n${backend} (tensors leaked over the run: ${r.tensorsLeakedOverRun})`);
  console.log('method          median ms   p10-p90 ms     x SP');
  for (const [method, m] of Object.entries(r.methods)) {
    console.log(`${method.padEnd(16)}${m.medianMs.toFixed(2).padStart(9)}   ${(m.p10Ms.toFixed(2) + '-' + m.p90Ms.toFixed(2)).padStart(11)}   ${m.ratioToSp.toFixed(2).padStart(6)}`);
  }
}
if (results.wasmOverCpuSp) console.log(`\nwasm / cpu (SP step): ${results.wasmOverCpuSp.toFixed(2)}`);
const out = values.out ?? path.join(path.dirname(new URL(import.meta.url).pathname), 'results', 'training-step.json');
// Regression check against the last committed run: ratios only, since absolute times on these
// machines move with load; a ratio more than `tolerance` above its baseline fails the bench.
const regressions = [];
if (fs.existsSync(out)) {
  const baseline = JSON.parse(fs.readFileSync(out, 'utf8'));
  for (const [backend, r] of Object.entries(results.backends)) {
    for (const [method, m] of Object.entries(r.methods)) {
      const before = baseline.backends?.[backend]?.methods?.[method]?.ratioToSp;
      if (before && m.ratioToSp > before * (1 + Number(values.tolerance))) regressions.push(`${backend} ${method}: ${m.ratioToSp.toFixed(2)} x SP, baseline ${before.toFixed(2)}`);
    }
  }
}
fs.mkdirSync(path.dirname(out), { recursive: true });
fs.writeFileSync(out, JSON.stringify(results, null, 2) + '\n');
const summary = [
  `# Training step, ${results.workload}`,
  '',
  `${results.date}, ${results.machine.cpus} cores (${results.machine.model}), node ${results.machine.node}, ${steps} interleaved steps`,
  '',
  '| backend | method | median ms | p10–p90 ms | × SP |',
  '|---|---|---|---|---|',
  ...Object.entries(results.backends).flatMap(([backend, r]) =>
    Object.entries(r.methods).map(([method, m]) => `| ${backend} | ${method} | ${m.medianMs.toFixed(2)} | ${m.p10Ms.toFixed(2)}–${m.p90Ms.toFixed(2)} | ${m.ratioToSp.toFixed(2)} |`),
  ),
  '',
  results.wasmOverCpuSp ? `wasm / cpu (SP step): ${results.wasmOverCpuSp.toFixed(2)}` : '',
].join('\n');
fs.writeFileSync(out.replace(/\.json$/, '.md'), summary + '\n');
console.log(`\nwritten to ${out} and ${out.replace(/\.json$/, '.md')}`);
if (regressions.length) {
  console.log(`\nratio regressions beyond ${Number(values.tolerance) * 100}%:\n${regressions.join('\n')}`);
  process.exitCode = 1;
}
if (Object.values(results.backends).some((r) => r.tensorsLeakedOverRun !== 0)) process.exitCode = 1;
