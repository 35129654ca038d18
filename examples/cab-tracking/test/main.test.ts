// Runs the CAB tracking example at a small size: one stability record per epoch and per step,
// and a figure on disk.
import { execFileSync } from 'node:child_process';
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { ExampleResult } from '../src/main';

// vega (under @geoparam/plot) is ESM-only with top-level await, which jest's module sandbox cannot
// load; run the example in a real Node process instead, its TypeScript compiled by swc as jest does.
function runMain(options: Record<string, unknown>): ExampleResult {
  const script = `const fs = require('node:fs');
const swc = require('@swc/core');
require.extensions['.ts'] = (m, file) => m._compile(swc.transformSync(fs.readFileSync(file, 'utf8'), {
  filename: file, jsc: { parser: { syntax: 'typescript' }, target: 'es2022' }, module: { type: 'commonjs', ignoreDynamic: true },
}).code, file);
const { main } = require(${JSON.stringify(join(__dirname, '..', 'src', 'main.ts'))});
main({ ...JSON.parse(process.argv[1]), log: () => undefined }).then((r) => process.stdout.write(JSON.stringify(r)));`;
  const out = execFileSync(process.execPath, ['-e', script, JSON.stringify(options)], { cwd: join(__dirname, '..'), encoding: 'utf8' });
  return JSON.parse(out) as ExampleResult;
}

it('tracks the boundaries of a GmP tf.sequential during model.fit and plots them', () => {
  const epochs = 6;
  const result = runMain({ epochs, units: 8, examples: 64, batchSize: 16 });
  expect(result.stepsPerEpoch).toBe(4);
  // The start is recorded without a shift; each epoch (step) after it adds one record.
  expect(result.perEpoch.map((s) => s.epoch)).toEqual([1, 2, 3, 4, 5, 6]);
  expect(result.perEpoch.map((s) => s.step)).toEqual([4, 8, 12, 16, 20, 24]);
  expect(result.perStep.map((s) => s.step)).toEqual(Array.from({ length: epochs * 4 }, (_, i) => i + 1));
  // Adam at lr 0.02 moves the boundaries every step.
  expect(result.perStep.every((s) => s.maxLocationShift > 0 && Number.isFinite(s.maxLocationShift))).toBe(true);
  expect(result.locations).toHaveLength(epochs + 1);
  expect(result.locations.every((row) => row.length === 8 && row.every(Number.isFinite))).toBe(true);
  expect(statSync(result.svg).size).toBeGreaterThan(0);
  expect(readFileSync(result.svg, 'utf8')).toMatch(/^<svg/);
  expect(statSync(result.png).size).toBeGreaterThan(0);
});
