import { execFileSync } from 'node:child_process';
import * as path from 'node:path';

// Jest loads tfjs-core before anything else, which hides load-order bugs; a plain Node process
// that requires geoparam first is what an app does.
describe('loading @geoparam/core before tfjs-core', () => {
  it('gives gradients that use tensor methods (Cast: dy.clone()) and chained ops', () => {
    const core = path.join(__dirname, '..', 'dist', 'index.js');
    const cpu = require.resolve('@tensorflow/tfjs-backend-cpu', { paths: [path.join(__dirname, '..', '..', 'backend-cpu')] });
    const script = `
      require(${JSON.stringify(core)});
      const tf = require('@tensorflow/tfjs-core');
      require(${JSON.stringify(cpu)});
      tf.setBackend('cpu').then(() => {
        const g = tf.grad((x) => tf.sum(tf.cast(tf.square(x), 'float32')))(tf.tensor1d([1, 2]));
        const chained = tf.tensor1d([3, 4]).clone().square().sum().dataSync()[0];
        process.stdout.write(JSON.stringify({ grad: Array.from(g.dataSync()), chained }));
      });`;
    const out = JSON.parse(execFileSync(process.execPath, ['-e', script], { encoding: 'utf8', cwd: path.join(__dirname, '..') }));
    expect(out).toEqual({ grad: [2, 4], chained: 25 });
  });
});
