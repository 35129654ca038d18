#!/usr/bin/env node
// PyTorch on the CPU beside the wasm benches, for scale: the same MLP step and conv layer, with
// one thread and with all of them, as ratios to the wasm medians training-step.bench.mjs and
// conv-step.bench.mjs just wrote. PyTorch is an optional extra (Debian: python3-torch): without
// it the result says "skipped" and why. Usage: node bench/pytorch.bench.mjs [--python /usr/bin/python3]
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { readBaseline } from './shared.mjs';

const { values } = parseArgs({ options: { python: { type: 'string' }, out: { type: 'string' } } });
const here = path.dirname(new URL(import.meta.url).pathname);
const resultsDir = path.join(here, 'results');
const out = values.out ?? path.join(resultsDir, 'pytorch.json');

/** The first python that imports torch, or why none does (pyenv's python3 first, then Debian's). */
function findTorch() {
  const candidates = [...new Set([values.python, process.env['GEOPARAM_PYTHON'], 'python3', '/usr/bin/python3'].filter(Boolean))];
  const failures = [];
  for (const python of candidates) {
    try {
      execFileSync(python, ['-c', 'import torch'], { stdio: ['ignore', 'ignore', 'pipe'], timeout: 120000 });
      return { python };
    } catch (error) {
      const why = error.code === 'ENOENT' ? 'not found' : (String(error.stderr ?? error.message).trim().split('\n').at(-1) ?? 'failed');
      failures.push(`${python}: ${why}`);
    }
  }
  return { reason: `no python with torch (${failures.join('; ')}); install Debian's python3-torch or pip's torch (CPU) to compare` };
}

const wasmMlp = readBaseline(path.join(resultsDir, 'training-step.json'))?.backends?.wasm?.methods;
const wasmConv = readBaseline(path.join(resultsDir, 'conv-step-wasm.json'))?.variants;
const results = { date: new Date().toISOString(), machine: { cpus: os.cpus().length, model: os.cpus()[0]?.model, node: process.version } };
const found = findTorch();
if (found.reason) {
  results.skipped = found.reason;
  console.log(`pytorch: skipped (${found.reason})`);
} else {
  const run = (threads) => JSON.parse(execFileSync(found.python, [path.join(here, 'pytorch_reference.py'), '--threads', String(threads)], { encoding: 'utf8', timeout: 600000 }));
  const threads = [...new Set([1, os.cpus().length])];
  results.python = found.python;
  results.runs = threads.map(run);
  results.torch = results.runs[0].torch;
  // wasm time / PyTorch time: above 1, PyTorch is faster.
  results.ratios = Object.fromEntries(
    results.runs.flatMap((r) => [
      [`MLP step, wasm SP / PyTorch ${r.threads} thread(s)`, wasmMlp ? wasmMlp.standard.medianMs / r.mlpStep.medianMs : null],
      [`MLP step, wasm GmP / PyTorch ${r.threads} thread(s)`, wasmMlp ? wasmMlp.geometric.medianMs / r.mlpStep.medianMs : null],
      [`conv layer, wasm SP / PyTorch ${r.threads} thread(s)`, wasmConv ? wasmConv.standard.medianMs / r.convLayer.medianMs : null],
      [`conv layer, wasm GmP / PyTorch ${r.threads} thread(s)`, wasmConv ? wasmConv.geometric.medianMs / r.convLayer.medianMs : null],
    ]),
  );
  for (const r of results.runs) console.log(`pytorch ${r.torch}, ${r.threads} thread(s): MLP step ${r.mlpStep.medianMs.toFixed(2)} ms, conv layer ${r.convLayer.medianMs.toFixed(1)} ms`);
  for (const [name, ratio] of Object.entries(results.ratios)) console.log(`${name}: ${ratio === null ? 'no wasm result' : ratio.toFixed(2)}`);
}
fs.mkdirSync(path.dirname(out), { recursive: true });
fs.writeFileSync(out, JSON.stringify(results, null, 2) + '\n');
const summary = results.skipped
  ? ['# PyTorch CPU beside wasm', '', `${results.date}: skipped — ${results.skipped}`]
  : [
      '# PyTorch CPU beside wasm',
      '',
      `${results.date}, ${results.machine.cpus} cores (${results.machine.model}), torch ${results.torch} (${results.python})`,
      '',
      '| PyTorch threads | MLP 8-100-1 Adam step median ms | conv 3×3 128→128 fwd+bwd median ms |',
      '|---|---|---|',
      ...results.runs.map((r) => `| ${r.threads} | ${r.mlpStep.medianMs.toFixed(2)} | ${r.convLayer.medianMs.toFixed(1)} |`),
      '',
      '| ratio (wasm time / PyTorch time) | value |',
      '|---|---|',
      ...Object.entries(results.ratios).map(([name, ratio]) => `| ${name} | ${ratio === null ? 'no wasm result' : ratio.toFixed(2)} |`),
    ];
fs.writeFileSync(out.replace(/\.json$/, '.md'), summary.join('\n') + '\n');
console.log(`written to ${out} and ${out.replace(/\.json$/, '.md')}`);
