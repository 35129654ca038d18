#!/usr/bin/env node
// One VGG-6-sized conv layer (3x3, 32x32, 128->128, batch 32), forward + backward, per
// parameterization, interleaved; and the forward conv alone as the yardstick.
// Usage: node bench/conv-step.bench.mjs [--steps 8] [--channels 128] [--batch 32] [--backend wasm]
import { createRequire } from 'node:module';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { median, quantile, ratioRegressions, readBaseline, shuffler } from './shared.mjs';

const require = createRequire(import.meta.url);
const tf = require('@tensorflow/tfjs-core');
const { useBackend } = require('@geoparam/core');
require('@geoparam/backend-cpu/register');
require('@geoparam/backend-wasm/register');
const { conv2d } = require('@geoparam/parameterizations');
const { conv2dBackpropFilterWasm, conv2dBackpropInputWasm, stockWasmKernel } = require('@geoparam/backend-wasm');

const { values } = parseArgs({ options: { steps: { type: 'string', default: '8' }, channels: { type: 'string', default: '128' }, batch: { type: 'string', default: '32' }, backend: { type: 'string', default: 'wasm' }, out: { type: 'string' }, tolerance: { type: 'string', default: '0.15' } } });
const steps = Number(values.steps);
const channels = Number(values.channels);
const batch = Number(values.batch);

const report = await useBackend(values.backend);
const x = tf.randomNormal([batch, 32, 32, channels], 0, 1, 'float32', 1);
const kernel = tf.randomNormal([3, 3, channels, channels], 0, 0.05, 'float32', 2);
const dy = tf.randomNormal([batch, 32, 32, channels], 0, 1, 'float32', 3);
const convAttrs = { strides: [1, 1], pad: 'same', dataFormat: 'NHWC', dimRoundingMode: undefined };
/** Runs a kernel function directly on the active backend and frees its output: kernel cost only. */
const runKernel = (kernelFunc, inputs, attrs) => () => {
  const backend = tf.backend();
  const out = kernelFunc({ inputs, backend, attrs });
  backend.readSync(out.dataId);
  backend.disposeData(out.dataId);
};
// The conv gradients alone, on wasm: ours next to tfjs-backend-wasm's own input-gradient kernel
// (it has no filter-gradient kernel at all), each against the forward conv of the same size.
const kernelVariants =
  values.backend === 'wasm'
    ? [
        { name: 'dx: geoparam (flipped forward conv)', run: runKernel(conv2dBackpropInputWasm, { dy, filter: kernel }, { ...convAttrs, inputShape: x.shape }) },
        { name: 'dx: tfjs-backend-wasm stock', run: runKernel(stockWasmKernel('Conv2DBackpropInput'), { dy, filter: kernel }, { ...convAttrs, inputShape: x.shape }) },
        { name: 'dW: geoparam (transposed forward conv)', run: runKernel(conv2dBackpropFilterWasm, { x, dy }, { ...convAttrs, filterShape: kernel.shape }) },
      ]
    : [];
const variants = [
  {
    name: 'forward conv only',
    run: () => {
      // Read outside tidy: tidy walks a returned typed array element by element.
      const y = tf.conv2d(x, kernel, 1, 'same');
      y.dataSync();
      y.dispose();
    },
  },
  ...['standard', 'weightNorm', 'batchNorm', 'geometric'].map((method) => {
    const layer = conv2d({ inputChannels: channels, filters: channels, kernelSize: 3, parameterization: method, seed: 1 });
    return {
      name: method,
      layer,
      run: () => {
        const { value, grads } = tf.variableGrads(() => tf.mean(tf.square(layer.apply(x, { training: true }))), [...layer.trainableVariables]);
        value.dataSync();
        tf.dispose([value, ...Object.values(grads)]);
      },
    };
  }),
];
variants.push(...kernelVariants);
variants.forEach((v) => v.run());
const tensors = tf.memory().numTensors;
const times = variants.map(() => []);
const order = shuffler(variants.map((_, k) => k));
for (let i = 0; i < steps; i++) {
  for (const k of order()) {
    const t0 = performance.now();
    variants[k].run();
    times[k].push(performance.now() - t0);
  }
}
const leaked = tf.memory().numTensors - tensors;
const forward = median(times[0]);
const sp = median(times[1]);
const results = {
  date: new Date().toISOString(),
  machine: { cpus: os.cpus().length, model: os.cpus()[0]?.model, node: process.version },
  backend: report,
  workload: `conv 3x3 SAME, 32x32, ${channels}->${channels}, batch ${batch}, forward + backward (training mode)`,
  steps,
  tensorsLeakedOverRun: leaked,
  variants: Object.fromEntries(variants.map((v, k) => [v.name, { medianMs: median(times[k]), p10Ms: quantile(times[k], 0.1), p90Ms: quantile(times[k], 0.9), ratioToSp: median(times[k]) / sp, ratioToForward: median(times[k]) / forward }])),
};
variants.forEach((v) => v.layer?.dispose());
tf.dispose([x, kernel, dy]);
const stock = results.variants['dx: tfjs-backend-wasm stock'];
const ours = results.variants['dx: geoparam (flipped forward conv)'];
if (stock && ours) results.inputGradientSpeedupOverStock = stock.medianMs / ours.medianMs;

console.log(`${results.workload} on ${values.backend}, ${steps} interleaved steps (tensors leaked: ${leaked})`);
console.log('variant                                  median ms     p10-p90 ms    x SP   x forward');
for (const [name, m] of Object.entries(results.variants)) {
  console.log(`${name.padEnd(40)}${m.medianMs.toFixed(1).padStart(10)}   ${(m.p10Ms.toFixed(0) + '-' + m.p90Ms.toFixed(0)).padStart(11)}   ${m.ratioToSp.toFixed(2).padStart(5)}   ${m.ratioToForward.toFixed(2).padStart(8)}`);
}
if (results.inputGradientSpeedupOverStock) console.log(`input gradient: geoparam ${results.inputGradientSpeedupOverStock.toFixed(2)}x faster than tfjs-backend-wasm's kernel`);
const out = values.out ?? path.join(path.dirname(new URL(import.meta.url).pathname), 'results', `conv-step-${values.backend}.json`);
// Ours against the forward conv; the stock kernel is the yardstick, not ours, so it is not checked.
const forwardRatios = (r) => Object.fromEntries(Object.entries(r?.variants ?? {}).filter(([name]) => !name.includes('stock')).map(([name, m]) => [`${name} x forward`, m.ratioToForward]));
const baseline = readBaseline(out);
const regressions = baseline ? ratioRegressions(forwardRatios(results), forwardRatios(baseline), Number(values.tolerance)) : [];
fs.mkdirSync(path.dirname(out), { recursive: true });
fs.writeFileSync(out, JSON.stringify(results, null, 2) + '\n');
const summary = [
  `# Conv layer on ${values.backend}: ${results.workload}`,
  '',
  `${results.date}, ${results.machine.cpus} cores (${results.machine.model}), node ${results.machine.node}, ${steps} interleaved steps; tensors leaked over the run: ${leaked}`,
  '',
  '| variant | median ms | p10–p90 ms | × SP step | × forward conv |',
  '|---|---|---|---|---|',
  ...Object.entries(results.variants).map(([name, m]) => `| ${name} | ${m.medianMs.toFixed(1)} | ${m.p10Ms.toFixed(0)}–${m.p90Ms.toFixed(0)} | ${m.ratioToSp.toFixed(2)} | ${m.ratioToForward.toFixed(2)} |`),
  '',
  results.inputGradientSpeedupOverStock ? `Input gradient: geoparam's kernel ${results.inputGradientSpeedupOverStock.toFixed(1)}× faster than tfjs-backend-wasm's.` : '',
].join('\n');
fs.writeFileSync(out.replace(/\.json$/, '.md'), summary + '\n');
console.log(`written to ${out} and ${out.replace(/\.json$/, '.md')}`);
if (regressions.length) {
  console.log(`\nratio regressions beyond ${Number(values.tolerance) * 100}%:\n${regressions.join('\n')}`);
  process.exitCode = 1;
}
if (leaked !== 0) process.exitCode = 1;
