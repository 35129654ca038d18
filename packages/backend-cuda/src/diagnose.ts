import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { CUDA_REQUIREMENTS } from './index';

export interface CudaDiagnosis {
  expected: typeof CUDA_REQUIREMENTS;
  found: {
    package: string | null;
    libtensorflow: string | null;
    driver: string | null;
    /** Highest CUDA version the driver supports (nvidia-smi). */
    driverCuda: string | null;
    /** CUDA runtime the linker finds (libcudart). */
    cuda: string | null;
    cudnn: string | null;
    gpus: string[];
    /** Whether a TensorFlow op actually ran on a GPU (null: not checked). */
    opRanOnGpu: boolean | null;
  };
  /** What is missing or wrong, each with what to do. */
  problems: string[];
}

function run(command: string, args: string[], env?: NodeJS.ProcessEnv): { stdout: string; stderr: string } | null {
  try {
    const stdout = execFileSync(command, args, { encoding: 'utf8', timeout: 60000, stdio: ['ignore', 'pipe', 'pipe'], env: env ?? process.env });
    return { stdout, stderr: '' };
  } catch (error) {
    const e = error as { code?: string; stdout?: string; stderr?: string; status?: number };
    if (e.code === 'ENOENT') return null;
    return { stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
  }
}

/** `nvidia-smi`'s banner: "Driver Version: 535.54.03   CUDA Version: 12.2". */
export function parseNvidiaSmi(text: string): { driver: string | null; cuda: string | null } {
  return {
    driver: /Driver Version:\s*([\d.]+)/.exec(text)?.[1] ?? null,
    cuda: /CUDA Version:\s*([\d.]+)/.exec(text)?.[1] ?? null,
  };
}

/** `ldconfig -p` lines such as "libcudnn.so.8 (libc6,x86-64) => /usr/lib/x86_64-linux-gnu/libcudnn.so.8". */
export function parseLdconfig(text: string): { cudart: string[]; cudnn: string[] } {
  const versions = (lib: string) => [...new Set([...text.matchAll(new RegExp(`${lib}\\.so\\.([\\d.]+)`, 'g'))].map((m) => m[1]!))];
  return { cudart: versions('libcudart'), cudnn: versions('libcudnn') };
}

function packageDir(): string | null {
  try {
    return path.dirname(require.resolve('@tensorflow/tfjs-node-gpu/package.json'));
  } catch {
    return null;
  }
}

/**
 * Expected vs found for the CUDA backend: the tfjs-node-gpu package and its libtensorflow, the
 * NVIDIA driver, the CUDA runtime and cuDNN the linker can see, and (with `runOp`) whether a
 * TensorFlow op really lands on a GPU, since tfjs-node-gpu falls back to the CPU silently.
 */
export function diagnoseCuda(options: { runOp?: boolean } = {}): CudaDiagnosis {
  const problems: string[] = [];
  const dir = packageDir();
  const version = dir ? (JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8')) as { version: string }).version : null;
  let libtensorflow: string | null = null;
  if (dir) {
    const libDir = path.join(dir, 'deps', 'lib');
    const lib = fs.existsSync(libDir) ? fs.readdirSync(libDir).find((f) => /^libtensorflow\.so\.\d/.test(f)) : undefined;
    libtensorflow = lib ? lib.replace('libtensorflow.so.', '') : null;
    if (!libtensorflow) problems.push(`libtensorflow is missing under ${libDir}: the package's install step did not finish; reinstall ${CUDA_REQUIREMENTS.package} with network access`);
  } else {
    problems.push(`${CUDA_REQUIREMENTS.package} is not installed: \`pnpm add ${CUDA_REQUIREMENTS.package}\` (Linux x64; its install step downloads libtensorflow 2.9.1)`);
  }
  const smi = run('nvidia-smi', []);
  const { driver, cuda } = smi ? parseNvidiaSmi(smi.stdout) : { driver: null, cuda: null };
  const gpus = run('nvidia-smi', ['--query-gpu=name', '--format=csv,noheader'])?.stdout.split('\n').map((s) => s.trim()).filter(Boolean) ?? [];
  if (!smi) problems.push('no NVIDIA driver found (nvidia-smi is not on PATH): install the NVIDIA driver for your GPU');
  else if (gpus.length === 0) problems.push('nvidia-smi lists no GPU');
  const ld = run('ldconfig', ['-p']);
  const libs = parseLdconfig(ld?.stdout ?? '');
  const cudart = libs.cudart.find((v) => v.startsWith('11')) ?? libs.cudart[0] ?? null;
  const cudnn = libs.cudnn.find((v) => v.startsWith('8')) ?? libs.cudnn[0] ?? null;
  if (!libs.cudart.some((v) => v.startsWith('11'))) {
    problems.push(`CUDA ${CUDA_REQUIREMENTS.cuda} runtime (libcudart.so.11.0) not found by the linker${libs.cudart.length ? ` (found ${libs.cudart.join(', ')})` : ''}: install the CUDA 11.2 toolkit and add its lib64 to LD_LIBRARY_PATH`);
  }
  if (!libs.cudnn.some((v) => v.startsWith('8'))) {
    problems.push(`cuDNN ${CUDA_REQUIREMENTS.cudnn} (libcudnn.so.8) not found by the linker${libs.cudnn.length ? ` (found ${libs.cudnn.join(', ')})` : ''}: install cuDNN 8.1 for CUDA 11.2`);
  }
  let opRanOnGpu: boolean | null = null;
  if (options.runOp && dir) {
    // TensorFlow names the device it places ops on only in its own log; read it from a child.
    const probe = run(process.execPath, ['-e', "const tf = require('@tensorflow/tfjs-node-gpu'); tf.matMul(tf.ones([64, 64]), tf.ones([64, 64])).dataSync();"], {
      ...process.env,
      TF_CPP_MIN_LOG_LEVEL: '0',
    });
    opRanOnGpu = probe ? /device:GPU:\d/.test(probe.stdout + probe.stderr) : false;
    if (!opRanOnGpu) problems.push('tfjs-node-gpu loaded but TensorFlow created no GPU device: it is running on the CPU. Check the driver, CUDA 11.2 and cuDNN 8.1 above.');
  }
  return { expected: CUDA_REQUIREMENTS, found: { package: version, libtensorflow, driver, driverCuda: cuda, cuda: cudart, cudnn, gpus, opRanOnGpu }, problems };
}
