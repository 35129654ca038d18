import * as fs from 'node:fs';
import * as path from 'node:path';
import { spawn, spawnSync } from 'node:child_process';
import { SeedStream, useBackend } from '@geoparam/core';
import { CheckpointError, loadModel, mlp } from '@geoparam/models';
import { bin, tmp } from './helpers';

// Fault injection: kill -9 (no handler runs, nothing is flushed) at seeded random moments, then
// continue. The outcome must be the uninterrupted result, or a typed refusal — never a silent mix.

const LEVY = ['reproduce', 'levy', '--methods', 'sp,gmp', '--seeds', '2', '--epochs', '40', '--stability-steps', '20', '--no-figures', '--json'];

function runToEnd(args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8' });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** Starts the command and kills it with SIGKILL after `delayMs` (or lets it finish first). */
async function killAfter(args: string[], delayMs: number): Promise<NodeJS.Signals | null> {
  const child = spawn(process.execPath, [bin, ...args], { stdio: 'ignore' });
  const timer = setTimeout(() => child.kill('SIGKILL'), delayMs);
  const signal = await new Promise<NodeJS.Signals | null>((resolve) => child.on('exit', (_, s) => resolve(s)));
  clearTimeout(timer);
  return signal;
}

/** What must not change when a run is interrupted and continued: everything but wall times. */
function comparable(file: string): unknown {
  return JSON.parse(fs.readFileSync(file, 'utf8'), (key, value: unknown) => (key === 'wallSeconds' ? undefined : value)).methods;
}

describe('kill -9 during geoparam reproduce levy, then --resume', () => {
  it('ends with the uninterrupted results or a typed refusal, at seeded random kill points', async () => {
    const reference = tmp();
    const started = performance.now();
    const full = runToEnd([...LEVY, '--out', reference]);
    const duration = performance.now() - started;
    expect(full.status).toBe(0);
    const expected = comparable(path.join(reference, 'results.json'));

    const points = new SeedStream(14);
    const outcomes: string[] = [];
    for (let k = 0; k < 4; k++) {
      const out = tmp();
      // Anywhere from start-up to the end of the run (a kill after the end just finds it done).
      const delay = Math.round(points.uniform() * duration);
      const signal = await killAfter([...LEVY, '--out', out], delay);
      const resumed = runToEnd([...LEVY, '--resume', '--out', out]);
      if (resumed.status === 0) {
        expect(comparable(path.join(out, 'results.json'))).toEqual(expected);
        outcomes.push(`${delay} ms: ${signal ?? 'finished'}, resumed to equal results`);
      } else {
        // A refusal is typed (exit 4) and says why; anything else is a failure of this suite.
        expect({ status: resumed.status, stderr: resumed.stderr }).toEqual({ status: 4, stderr: expect.stringMatching(/^geoparam: /) });
        outcomes.push(`${delay} ms: refused: ${resumed.stderr.trim()}`);
      }
      fs.rmSync(out, { recursive: true, force: true });
    }
    // Shown with --verbose; the lead's notes quote it.
    console.log(`reference run ${Math.round(duration)} ms\n${outcomes.join('\n')}`);
    fs.rmSync(reference, { recursive: true, force: true });
  }, 240_000);
});

describe('kill -9 during saveModel', () => {
  it('leaves the previous or the new model intact, or loading fails with a CheckpointError', async () => {
    const dir = tmp();
    const cliRoot = path.join(__dirname, '..');
    // Saves two different models into one directory, alternately, as fast as it can.
    const script = `
      const core = require('@geoparam/core');
      require('@geoparam/backend-cpu/register');
      const { mlp, saveModel } = require('@geoparam/models');
      (async () => {
        await core.useBackend('cpu');
        const models = [mlp({ inputDim: 8, hidden: [256, 256], seed: 1 }), mlp({ inputDim: 8, hidden: [256, 256], seed: 2 })];
        await saveModel(models[0], ${JSON.stringify(dir)});
        console.log('ready');
        for (let i = 1; ; i++) await saveModel(models[i % 2], ${JSON.stringify(dir)});
      })();
    `;
    await useBackend('cpu');
    const fingerprint = (m: { getWeights(): Record<string, { dataSync(): ArrayLike<number>; dispose(): void }> }) => {
      const w = m.getWeights();
      const first = Array.from(Object.values(w)[0]!.dataSync()).slice(0, 8);
      Object.values(w).forEach((t) => t.dispose());
      return first.join(',');
    };
    const known = [1, 2].map((seed) => {
      const m = mlp({ inputDim: 8, hidden: [256, 256], seed });
      const f = fingerprint(m);
      m.dispose();
      return f;
    });
    const delays = new SeedStream(9);
    const seen: string[] = [];
    for (let k = 0; k < 5; k++) {
      const child = spawn(process.execPath, ['-e', script], { cwd: cliRoot, stdio: ['ignore', 'pipe', 'inherit'] });
      await new Promise((resolve) => child.stdout.once('data', resolve));
      await new Promise((resolve) => setTimeout(resolve, Math.round(delays.uniform() * 2000)));
      child.kill('SIGKILL');
      await new Promise((resolve) => child.on('exit', resolve));
      try {
        const { model } = await loadModel(dir);
        const f = fingerprint(model);
        model.dispose();
        expect(known).toContain(f);
        seen.push(`model ${known.indexOf(f) + 1}`);
      } catch (error) {
        expect(error).toBeInstanceOf(CheckpointError);
        seen.push(`refused: ${(error as Error).message}`);
      }
    }
    console.log(seen.join('\n'));
    fs.rmSync(dir, { recursive: true, force: true });
  }, 120_000);
});
