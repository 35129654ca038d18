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
    // WebGPU: the adapter and whether it is real hardware, or what to install.
    if (report.webgpu.available) {
      expect(report.webgpu).toMatchObject({ adapter: expect.any(String), software: expect.any(Boolean), driver: expect.any(String) });
      expect(report.backends.webgpu.details.maxBufferSize).toBeGreaterThan(0);
    } else {
      expect(report.webgpu.reason).toMatch(/adapter|webgpu|Vulkan/);
    }
    const text = await run(['doctor', '--no-gpu-check']);
    expect(text.out).toMatch(report.webgpu.available ? /^WebGPU .*\n {2}adapter {2}\S+.*\n {2}kind {5}(software|hardware)/m : /^WebGPU .*\n {2}no adapter: /m);
    expect(text.out).toMatch(/^wasm {2}available\n {6}implementation=@tensorflow\/tfjs-backend-wasm, simd=true, threads=false/m);
    expect(text.out).toMatch(/^cuDNN +8\.1 +\S+/m);
  });
});
