import { run } from './helpers';

describe('geoparam doctor', () => {
  it('reports every backend, WASM SIMD/threads, and CUDA expected vs found with what to do', async () => {
    const { code, out } = await run(['doctor', '--json']);
    expect(code).toBe(0);
    const report = JSON.parse(out);
    expect(report.backends.wasm).toMatchObject({ available: true, details: { simd: true, threads: false } });
    expect(report.backends.cpu.available).toBe(true);
    expect(report.cuda.expected).toMatchObject({ package: '@tensorflow/tfjs-node-gpu@4.22.0', cuda: '11.2', cudnn: '8.1' });
    if (!report.backends.cuda.available) {
      expect(report.backends.cuda.reason).toMatch(/CUDA 11\.2 and cuDNN 8\.1/);
      expect(report.cuda.problems.length).toBeGreaterThan(0);
    }
    const text = await run(['doctor', '--no-gpu-check']);
    expect(text.out).toMatch(/^wasm {2}available\n {6}implementation=@tensorflow\/tfjs-backend-wasm, simd=true, threads=false/m);
    expect(text.out).toMatch(/^cuDNN +8\.1 +\S+/m);
  });
});
