import { BackendUnavailableError, probeBackend } from '@geoparam/core';
import '@geoparam/backend-cuda/register';
import { cudaBackend, CUDA_REQUIREMENTS, missingCudaMessage } from '@geoparam/backend-cuda';

function installed(): boolean {
  try {
    require.resolve('@tensorflow/tfjs-node-gpu');
    return true;
  } catch {
    return false;
  }
}

describe('CUDA backend', () => {
  it('names the package, libtensorflow, CUDA and cuDNN versions it needs', () => {
    const message = missingCudaMessage(new Error("Cannot find module '@tensorflow/tfjs-node-gpu'\nRequire stack: ..."));
    expect(message).toContain(CUDA_REQUIREMENTS.package);
    expect(message).toContain('CUDA 11.2 and cuDNN 8.1');
    expect(message).toContain('libtensorflow 2.9.1');
    expect(message).toContain("(Cannot find module '@tensorflow/tfjs-node-gpu')");
    expect(message).not.toContain('Require stack');
  });

  (installed() ? it.skip : it)('fails with a typed error, not a crash, when tfjs-node-gpu is absent', async () => {
    await expect(cudaBackend.load()).rejects.toBeInstanceOf(BackendUnavailableError);
    await expect(cudaBackend.load()).rejects.toThrow(/pnpm add @tensorflow\/tfjs-node-gpu@4\.22\.0/);
    const availability = await probeBackend('cuda');
    expect(availability.available).toBe(false);
  });
});
