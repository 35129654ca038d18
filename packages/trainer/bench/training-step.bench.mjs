#!/usr/bin/env node
// Training-step cost of each parameterization, per backend. Variants run interleaved in one
// process so machine noise hits them alike; we report medians and the ratio to SP, never
// absolute speed claims. Usage: node bench/training-step.bench.mjs [--steps 60] [--backends cpu,wasm]
import { createRequire } from 'node:module';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { median, quantile, ratioRegressions, readBaseline, shuffler } from './shared.mjs';

const require = createRequire(import.meta.url);
const tf = require('@tensorflow/tfjs-core');
const { probeBackend, useBackend } = require('@geoparam/core');
require('@geoparam/backend-cpu/register');
require('@geoparam/backend-wasm/register');
require('@geoparam/backend-cuda/register');
const { mlp } = require('@geoparam/models');
const { getLoss, createOptimizer, disposeOptimizer, trainingStep, PendingLosses, DEFAULT_READ_EVERY, fit } = require('../dist/index.js');

const { values } = parseArgs({
  options: { steps: { type: 'string', default: '60' }, backends: { type: 'string', default: 'wasm,cpu,cuda' }, out: { type: 'string' }, tolerance: { type: 'string', default: '0.15' } },
});
const steps = Number(values.steps);
const methods = ['standard', 'weightNorm', 'batchNorm', 'geometric'];
const results = { date: new Date().toISOString(), machine: { cpus: os.cpus().length, model: os.cpus()[0]?.model, node: process.version }, workload: 'MLP 8-100-1, batch 1024, Adam, MSE', steps, backends: {}, skipped: {} };
for (const backend of values.backends.split(',')) {
  const availability = await probeBackend(backend);
  if (!availability.available) {
    // cuda is optional: say why it is missing instead of failing the whole bench.
    results.skipped[backend] = availability.reason;
    console.log(`${backend}: skipped (${availability.reason})`);
    continue;
  }
  await useBackend(backend);
  const x = tf.randomNormal([1024, 8], 0, 1, 'float32', 1);
  const y = tf.randomNormal([1024, 1], 0, 1, 'float32', 2);
  const loss = getLoss('mse');
  const runs = [];
  for (const method of methods) {
    const model = mlp({ inputDim: 8, hidden: [100], parameterization: method, seed: 1 });
    const optimizer = createOptimizer({ name: 'adam', learningRate: 0.01 });
    // fit's step: the loss stays on the device and is read asynchronously every DEFAULT_READ_EVERY steps.
    const pending = new PendingLosses();
    const step = async () => {
      pending.push(trainingStep(model, loss, optimizer, x, y), 1024);
      if (pending.length >= DEFAULT_READ_EVERY) await pending.read();
    };
    const infer = () => {
      const out = model.predict(x);
      out.dataSync();
      out.dispose();
    };
    for (let i = 0; i < 5; i++) await step();
    infer();
    // Peak bytes held while one step runs (weights, activations, gradients, optimizer slots).
    const profile = await tf.profile(step);
    runs.push({ method, model, optimizer, pending, step, infer, times: [], inferTimes: [], peakBytes: profile.peakBytes });
  }
  // Warm-up losses still pending are not part of the run's balance.
  for (const run of runs) await run.pending.read();
  const tensors = tf.memory().numTensors;
  const order = shuffler(runs);
  for (let i = 0; i < steps; i++) {
    for (const run of order()) {
      const t0 = performance.now();
      await run.step();
      run.times.push(performance.now() - t0);
      const t1 = performance.now();
      run.infer();
      run.inferTimes.push(performance.now() - t1);
    }
  }
  for (const run of runs) await run.pending.read();
  const leaked = tf.memory().numTensors - tensors;
  // The whole loop on top of the step (SP): fit over full-batch epochs, one step and one read per epoch.
  const fitModel = mlp({ inputDim: 8, hidden: [100], seed: 1 });
  const fitEpochs = Math.max(steps, 20);
  await fit(fitModel, { train: { x, y } }, { epochs: 5, batchSize: 'full', loss: 'mse', optimizer: { name: 'adam', learningRate: 0.01 } });
  const fitStart = performance.now();
  await fit(fitModel, { train: { x, y } }, { epochs: fitEpochs, batchSize: 'full', loss: 'mse', optimizer: { name: 'adam', learningRate: 0.01 } });
  const fitMsPerStep = (performance.now() - fitStart) / fitEpochs;
  fitModel.dispose();
  const sp = median(runs[0].times);
  const spInfer = median(runs[0].inferTimes);
  results.backends[backend] = {
    tensorsLeakedOverRun: leaked,
    fitMsPerStep,
    fitOverStep: fitMsPerStep / sp,
    methods: Object.fromEntries(
      runs.map((r) => [
        r.method,
        {
          medianMs: median(r.times),
          p10Ms: quantile(r.times, 0.1),
          p90Ms: quantile(r.times, 0.9),
          ratioToSp: median(r.times) / sp,
          inferenceExamplesPerSecond: 1024 / (median(r.inferTimes) / 1000),
          inferenceRatioToSp: median(r.inferTimes) / spInfer,
          peakBytesPerStep: r.peakBytes,
        },
      ]),
    ),
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
  console.log('method          median ms   p10-p90 ms     x SP   inference ex/s  x SP   peak KiB/step');
  for (const [method, m] of Object.entries(r.methods)) {
    console.log(
      `${method.padEnd(16)}${m.medianMs.toFixed(2).padStart(9)}   ${(m.p10Ms.toFixed(2) + '-' + m.p90Ms.toFixed(2)).padStart(11)}   ${m.ratioToSp.toFixed(2).padStart(6)}` +
        `   ${m.inferenceExamplesPerSecond.toExponential(2).padStart(14)}  ${m.inferenceRatioToSp.toFixed(2).padStart(5)}   ${(m.peakBytesPerStep / 1024).toFixed(0).padStart(13)}`,
    );
  }
}
for (const [backend, r] of Object.entries(results.backends)) console.log(`${backend} fit loop (SP, full batch, one read per epoch): ${r.fitMsPerStep.toFixed(2)} ms/step, ${r.fitOverStep.toFixed(2)} x the step`);
if (results.wasmOverCpuSp) console.log(`\nwasm / cpu (SP step): ${results.wasmOverCpuSp.toFixed(2)}`);
const out = values.out ?? path.join(path.dirname(new URL(import.meta.url).pathname), 'results', 'training-step.json');
// Regression check against the last committed run: ratios only, since absolute times on these
// machines move with load; a ratio more than `tolerance` above its baseline fails the bench.
const stepRatios = (r) => Object.fromEntries(Object.entries(r?.backends ?? {}).flatMap(([backend, b]) => Object.entries(b.methods).map(([method, m]) => [`${backend} ${method} step x SP`, m.ratioToSp])));
const baseline = readBaseline(out);
const regressions = baseline ? ratioRegressions(stepRatios(results), stepRatios(baseline), Number(values.tolerance)) : [];
fs.mkdirSync(path.dirname(out), { recursive: true });
fs.writeFileSync(out, JSON.stringify(results, null, 2) + '\n');
const summary = [
  `# Training step, ${results.workload}`,
  '',
  `${results.date}, ${results.machine.cpus} cores (${results.machine.model}), node ${results.machine.node}, ${steps} interleaved steps`,
  '',
  '| backend | method | step median ms | p10–p90 ms | step × SP | inference (forward, batch 1024) examples/s | inference time × SP | peak KiB per step |',
  '|---|---|---|---|---|---|---|---|',
  ...Object.entries(results.backends).flatMap(([backend, r]) =>
    Object.entries(r.methods).map(
      ([method, m]) =>
        `| ${backend} | ${method} | ${m.medianMs.toFixed(2)} | ${m.p10Ms.toFixed(2)}–${m.p90Ms.toFixed(2)} | ${m.ratioToSp.toFixed(2)} | ${m.inferenceExamplesPerSecond.toExponential(2)} | ${m.inferenceRatioToSp.toFixed(2)} | ${(m.peakBytesPerStep / 1024).toFixed(0)} |`,
    ),
  ),
  '',
  ...Object.entries(results.backends).map(([b, r]) => `${b} fit loop (SP, full batch, one step and one asynchronous read per epoch): ${r.fitMsPerStep.toFixed(2)} ms/step, ${r.fitOverStep.toFixed(2)} × the step.`),
  '',
  `Tensors alive after the run minus before: ${Object.entries(results.backends).map(([b, r]) => `${b} ${r.tensorsLeakedOverRun}`).join(', ')} (must be 0).`,
  ...Object.entries(results.skipped).map(([b, why]) => `${b}: skipped — ${why}`),
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
