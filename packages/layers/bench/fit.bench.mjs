#!/usr/bin/env node
// model.fit of a tf.sequential 8-100-1 (batch 1024, Adam, MSE) with geometricDense vs
// tf.layers.dense on wasm. Variants run interleaved in one process so machine noise hits them
// alike. The ratio GmP/stock is the median over rounds of each round's own ratio (a pair run
// back to back shares the machine's state; on this shared 2-core VM, ratios of overall medians
// moved by ±0.1 with other jobs' load), in wall time and in process CPU time, with the load
// average before and after. "geoparam wasm" is the backend as
// @geoparam/backend-wasm registers it (fused GmP kernels); "composite" unregisters the GmP kernels,
// which is what a GmP layer costs on the stock wasm backend. Usage: node bench/fit.bench.mjs [--rounds 30]
import { createRequire } from 'node:module';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseArgs } from 'node:util';

const require = createRequire(import.meta.url);
const tf = require('@tensorflow/tfjs-core');
const tfl = require('@tensorflow/tfjs-layers');
const { useBackend, GeometricAffine, GeometricAffineGrad } = require('@geoparam/core');
require('@geoparam/backend-wasm/register');
const { geometricDense } = require('../dist/index.js');

const { values } = parseArgs({ options: { rounds: { type: 'string', default: '30' }, steps: { type: 'string', default: '8' }, out: { type: 'string' } } });
const rounds = Number(values.rounds);
const stepsPerFit = Number(values.steps);
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const quantile = (xs, q) => [...xs].sort((a, b) => a - b)[Math.floor(q * (xs.length - 1))];

await useBackend('wasm');
const x = tf.randomNormal([1024 * stepsPerFit, 8], 0, 1, 'float32', 1);
const y = tf.randomNormal([1024 * stepsPerFit, 1], 0, 1, 'float32', 2);

function model(hidden) {
  const m = tf.tidy(() => tfl.sequential({ layers: [hidden, tfl.layers.dense({ units: 1 })] }));
  m.compile({ optimizer: tf.train.adam(0.001), loss: 'meanSquaredError' });
  return m;
}
const variants = {
  stock: () => model(tfl.layers.dense({ units: 100, activation: 'relu', inputShape: [8], kernelInitializer: 'glorotUniform' })),
  gmp: () => model(geometricDense({ units: 100, activation: 'relu', inputShape: [8], seed: 1 })),
};

const saved = { forward: tf.getKernel(GeometricAffine, 'wasm'), backward: tf.getKernel(GeometricAffineGrad, 'wasm') };
function setFused(on) {
  const registered = tf.getKernel(GeometricAffine, 'wasm') !== undefined;
  if (on && !registered) {
    tf.registerKernel(saved.forward);
    tf.registerKernel(saved.backward);
  } else if (!on && registered) {
    tf.unregisterKernel(GeometricAffine, 'wasm');
    tf.unregisterKernel(GeometricAffineGrad, 'wasm');
  }
}

const runs = [];
for (const fused of [true, false]) for (const [name, make] of Object.entries(variants)) runs.push({ name, fused, model: make(), times: [], cpuTimes: [] });
const fit = async (run) => {
  setFused(run.fused);
  const cpu = process.cpuUsage();
  const start = performance.now();
  await run.model.fit(x, y, { epochs: 1, batchSize: 1024, shuffle: false, verbose: 0 });
  const wall = (performance.now() - start) / stepsPerFit;
  const used = process.cpuUsage(cpu);
  return { wall, cpu: (used.user + used.system) / 1000 / stepsPerFit };
};
for (const run of runs) for (let i = 0; i < 3; i++) await fit(run);
const loadBefore = os.loadavg();
const tensors = tf.memory().numTensors;
let state = 1;
for (let round = 0; round < rounds; round++) {
  const order = [...runs];
  for (let k = order.length - 1; k > 0; k--) {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    const j = Math.floor((state / 4294967296) * (k + 1));
    [order[k], order[j]] = [order[j], order[k]];
  }
  for (const run of order) {
    const { wall, cpu } = await fit(run);
    run.times.push(wall);
    run.cpuTimes.push(cpu);
  }
}
const loadAfter = os.loadavg();
const leaked = tf.memory().numTensors - tensors;
setFused(true);

const row = (run) => ({
  variant: `${run.name} (${run.fused ? 'geoparam wasm' : 'composite'})`,
  medianMs: median(run.times),
  p10: quantile(run.times, 0.1),
  p90: quantile(run.times, 0.9),
  medianCpuMs: median(run.cpuTimes),
});
const load = (l) => l.map((v) => v.toFixed(2)).join(' ');
const result = {
  date: new Date().toISOString(),
  machine: { cpus: os.cpus().length, model: os.cpus()[0]?.model, node: process.version, loadAverage: { before: loadBefore, after: loadAfter } },
  workload: `tf.sequential 8-100-1, model.fit, batch 1024, Adam, MSE, ${stepsPerFit} steps per fit call`,
  rounds,
  leaked,
  rows: runs.map(row),
};
const find = (name, fused) => runs.find((r) => r.name === name && r.fused === fused);
const pairedRatio = (fused, key) => {
  const gmp = find('gmp', fused)[key];
  const stock = find('stock', fused)[key];
  return median(gmp.map((t, i) => t / stock[i]));
};
result.ratios = Object.fromEntries(
  [true, false].map((fused) => [`GmP/stock (${fused ? 'geoparam wasm' : 'composite'})`, { wall: pairedRatio(fused, 'times'), cpu: pairedRatio(fused, 'cpuTimes') }]),
);
const lines = [
  `# model.fit step, tf.sequential 8-100-1, batch 1024, Adam, wasm`,
  '',
  `${result.date}, ${result.machine.cpus} cores (${result.machine.model}), node ${result.machine.node}, load average (1/5/15 min) ${load(loadBefore)} before, ${load(loadAfter)} after; ${rounds} interleaved rounds of ${stepsPerFit} steps; tensors leaked over the run: ${leaked}`,
  '',
  '| variant | median ms/step (wall) | p10–p90 ms | median CPU ms/step |',
  '|---|---|---|---|',
  ...result.rows.map((r) => `| ${r.variant} | ${r.medianMs.toFixed(2)} | ${r.p10.toFixed(2)}–${r.p90.toFixed(2)} | ${r.medianCpuMs.toFixed(2)} |`),
  '',
  'Ratios: median over rounds of the round\'s GmP/stock.',
  '',
  ...Object.entries(result.ratios).map(([k, v]) => `${k}: ${v.wall.toFixed(2)} wall, ${v.cpu.toFixed(2)} CPU`),
];
console.log(lines.join('\n'));
const out = values.out ?? path.join(path.dirname(new URL(import.meta.url).pathname), 'results');
fs.mkdirSync(out, { recursive: true });
fs.writeFileSync(path.join(out, 'fit-step.json'), JSON.stringify(result, null, 2) + '\n');
fs.writeFileSync(path.join(out, 'fit-step.md'), lines.join('\n') + '\n');
if (leaked !== 0) {
  console.error(`tensors leaked over the run: ${leaked}`);
  process.exit(1);
}
