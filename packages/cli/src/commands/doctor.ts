import { probeBackend, registeredBackends, useBackend } from '@geoparam/core';
import { diagnoseCuda } from '@geoparam/backend-cuda';
import '../backends';
import { formatTable } from '../table';

/** What each backend needs, what this machine has, and what to do about the difference. */
export async function runDoctor(options: { json: boolean; gpuCheck: boolean }, log: (line: string) => void): Promise<void> {
  const backends: Record<string, { available: boolean; reason?: string; details?: Record<string, unknown> }> = {};
  for (const name of registeredBackends()) {
    const probe = await probeBackend(name);
    if (!probe.available) {
      backends[name] = { available: false, reason: probe.reason };
      continue;
    }
    const report = await useBackend(name);
    backends[name] = { available: true, details: report.details };
  }
  const cuda = diagnoseCuda({ runOp: options.gpuCheck && backends['cuda']?.available === true });
  const webgpu = webgpuFindings(backends['webgpu']);
  if (options.json) {
    log(JSON.stringify({ node: process.version, backends, cuda, webgpu }, null, 2));
    return;
  }
  log(`node ${process.version}, ${process.platform} ${process.arch}`);
  log('');
  for (const [name, b] of Object.entries(backends)) {
    log(`${name.padEnd(5)} ${b.available ? 'available' : 'unavailable'}`);
    log(`      ${b.available ? Object.entries(b.details ?? {}).map(([k, v]) => `${k}=${v}`).join(', ') : (b.reason ?? '')}`);
  }
  log('');
  log('WebGPU (tfjs-backend-webgpu; Dawn in Node)');
  if (webgpu.available) {
    log(`  adapter  ${webgpu.adapter}`);
    log(`  kind     ${webgpu.software ? 'software: computes on the CPU; results are right, timings say nothing about GPU speed' : 'hardware GPU'}`);
    log(`  driver   ${webgpu.driver}`);
  } else {
    log(`  no adapter: ${webgpu.reason}`);
  }
  log('');
  log('CUDA (tfjs-node-gpu)');
  const f = cuda.found;
  log(
    formatTable(
      ['component', 'expected', 'found'],
      [
        ['tfjs-node-gpu', cuda.expected.package, f.package ?? 'missing'],
        ['libtensorflow', cuda.expected.libtensorflow, f.libtensorflow ?? 'missing'],
        ['CUDA runtime', cuda.expected.cuda, f.cuda ?? 'missing'],
        ['cuDNN', cuda.expected.cudnn, f.cudnn ?? 'missing'],
        ['NVIDIA driver', 'any supporting CUDA 11.2', f.driver ? `${f.driver} (CUDA ≤ ${f.driverCuda ?? '?'})` : 'missing'],
        ['GPUs', '≥ 1', f.gpus.length ? f.gpus.join('; ') : 'none'],
        ['op ran on GPU', 'yes', f.opRanOnGpu === null ? 'not checked' : f.opRanOnGpu ? 'yes' : 'NO: FELL BACK TO CPU'],
      ],
      'text',
    ),
  );
  if (f.opRanOnGpu === false) log('\n!!! tfjs-node-gpu is running on the CPU, not the GPU !!!');
  if (cuda.problems.length) log(`\nTo use --backend cuda:\n${cuda.problems.map((p) => `- ${p}`).join('\n')}`);
  else log('\nCUDA backend ready.');
}

type WebGPUFindings = { available: true; adapter: string; software: boolean; driver: string } | { available: false; reason: string };

/** The adapter --backend webgpu would use, whether it is a real GPU, or what to install (the backend's message says). */
function webgpuFindings(backend: { available: boolean; reason?: string; details?: Record<string, unknown> } | undefined): WebGPUFindings {
  if (!backend) return { available: false, reason: '@geoparam/backend-webgpu is not registered' };
  if (!backend.available || !backend.details) return { available: false, reason: backend.reason ?? 'unavailable' };
  const d = backend.details;
  const adapter = [d['vendor'], d['architecture'], d['description'] ? `(${String(d['description'])})` : ''].filter(Boolean).join(' ');
  return { available: true, adapter, software: d['software'] === true, driver: String(d['driver'] ?? '') };
}
