import { diagnoseCuda, parseLdconfig, parseNvidiaSmi } from '@geoparam/backend-cuda';

describe('CUDA diagnosis', () => {
  it('reads the driver and CUDA version from nvidia-smi', () => {
    const banner = '| NVIDIA-SMI 535.54.03              Driver Version: 535.54.03    CUDA Version: 12.2     |';
    expect(parseNvidiaSmi(banner)).toEqual({ driver: '535.54.03', cuda: '12.2' });
    expect(parseNvidiaSmi('')).toEqual({ driver: null, cuda: null });
  });

  it('finds CUDA runtime and cuDNN versions in the linker cache', () => {
    const ld = [
      '\tlibcudnn.so.8 (libc6,x86-64) => /usr/lib/x86_64-linux-gnu/libcudnn.so.8',
      '\tlibcudart.so.11.0 (libc6,x86-64) => /usr/local/cuda-11.2/lib64/libcudart.so.11.0',
      '\tlibcudart.so.12 (libc6,x86-64) => /usr/local/cuda/lib64/libcudart.so.12',
    ].join('\n');
    expect(parseLdconfig(ld)).toEqual({ cudart: ['11.0', '12'], cudnn: ['8'] });
  });

  it('names every missing piece with what to do', () => {
    const diagnosis = diagnoseCuda();
    expect(diagnosis.expected).toMatchObject({ cuda: '11.2', cudnn: '8.1' });
    let installed = true;
    try {
      require.resolve('@tensorflow/tfjs-node-gpu');
    } catch {
      installed = false;
    }
    if (!installed) {
      expect(diagnosis.found.package).toBeNull();
      expect(diagnosis.problems.join('\n')).toMatch(/@tensorflow\/tfjs-node-gpu@4\.22\.0 is not installed: `pnpm add/);
    }
    for (const problem of diagnosis.problems) expect(problem).toMatch(/: /);
  });
});
