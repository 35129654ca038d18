import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Gpu, GpuAdapter } from './gpu-types';

/** Where Debian/Ubuntu chromium packages put the SwiftShader Vulkan driver (a "GPU" on the CPU). */
export const SWIFTSHADER_ICD_PATHS = ['/usr/lib/chromium/vk_swiftshader_icd.json', '/usr/lib/chromium-browser/vk_swiftshader_icd.json'];

const DAWN_PACKAGE = 'webgpu@0.6.2';

interface Dawn {
  create(flags: string[]): Gpu;
  globals: Record<string, unknown>;
}

export type NodeGpu = { gpu: Gpu; adapter: GpuAdapter; driver: string } | { error: string };

/**
 * Dawn's Node module from npm `webgpu`. Its entry point is an ES module that jest's CommonJS
 * loader cannot require, and all it adds is a workaround for buffers left mapped by
 * `device.destroy()`; so we load the native module it wraps directly (the pinned 0.6.2 layout).
 */
function loadDawn(): Dawn | string {
  let dir: string;
  try {
    dir = path.dirname(require.resolve('webgpu/package.json'));
  } catch {
    return `npm package \`webgpu\` (Dawn for Node) is not installed. It is an optional dependency of @geoparam/backend-webgpu, prebuilt for linux-x64/arm64, darwin and win32: \`pnpm add ${DAWN_PACKAGE}\``;
  }
  const platform = process.platform === 'darwin' ? 'darwin-universal' : `${process.platform}-${process.arch}`;
  const file = path.join(dir, 'dist', platform, 'dawn.node');
  if (!fs.existsSync(file)) return `npm package \`webgpu\` ships no Dawn build for ${platform} (no ${file})`;
  try {
    return require(file) as Dawn;
  } catch (error) {
    return `Dawn's native module ${file} failed to load: ${error instanceof Error ? error.message.split('\n')[0] : String(error)}`;
  }
}

/** The first SwiftShader Vulkan driver manifest present on this machine, if any. */
export function findSwiftShaderIcd(): string | null {
  return SWIFTSHADER_ICD_PATHS.find((p) => fs.existsSync(p)) ?? null;
}

/** Vulkan driver manifests the user chose (the loader reads either variable). */
function explicitIcd(): string | null {
  return process.env['VK_ICD_FILENAMES'] || process.env['VK_DRIVER_FILES'] || null;
}

function noAdapterMessage(explicit: string | null, swiftShader: string | null): string {
  const tried = explicit ? `the Vulkan driver(s) in VK_ICD_FILENAMES/VK_DRIVER_FILES (${explicit})` : `the system's Vulkan drivers${swiftShader ? ` and SwiftShader (${swiftShader})` : ''}`;
  return [
    `Dawn found no WebGPU adapter through ${tried}.`,
    'For a GPU: install its vendor Vulkan driver (NVIDIA, AMD radv, Intel anv) and the Vulkan loader (Debian: apt-get install libvulkan1 mesa-vulkan-drivers); Mesa lavapipe is refused by Dawn.',
    `For a software GPU (tests, CI): apt-get install libvulkan1 chromium-common; its SwiftShader driver (${SWIFTSHADER_ICD_PATHS[0]}) is found when VK_ICD_FILENAMES is unset.`,
  ].join(' ');
}

/**
 * A WebGPU adapter in Node through Dawn. With VK_ICD_FILENAMES unset, the system's drivers are
 * tried first (a real GPU wins); when they give no adapter, SwiftShader from chromium is selected
 * for this process and its children. Dawn reads the variable per instance, so the retry works.
 * Also installs WebGPU's globals (`GPUBufferUsage`, ...) and `navigator.gpu`, which
 * tfjs-backend-webgpu and other WebGPU code expect.
 */
export async function nodeGpu(): Promise<NodeGpu> {
  const dawn = loadDawn();
  if (typeof dawn === 'string') return { error: dawn };
  const globals = globalThis as Record<string, unknown>;
  for (const [name, value] of Object.entries(dawn.globals)) if (!(name in globals)) globals[name] = value;
  const attempt = async () => {
    const gpu = dawn.create([]);
    const adapter = await gpu.requestAdapter({ powerPreference: 'high-performance' });
    return adapter ? { gpu, adapter } : null;
  };
  const explicit = explicitIcd();
  let found = await attempt();
  let driver = explicit ? `VK_ICD_FILENAMES=${explicit}` : 'system Vulkan driver';
  const swiftShader = explicit ? null : findSwiftShaderIcd();
  if (!found && swiftShader) {
    process.env['VK_ICD_FILENAMES'] = swiftShader;
    found = await attempt();
    driver = `SwiftShader (${swiftShader}, selected because VK_ICD_FILENAMES was unset and no other driver gave an adapter)`;
  }
  if (!found) return { error: noAdapterMessage(explicit, swiftShader) };
  const nav = globals['navigator'] as { gpu?: Gpu } | undefined;
  if (nav === undefined) globals['navigator'] = { gpu: found.gpu };
  else if (!nav.gpu) Object.defineProperty(nav, 'gpu', { value: found.gpu, configurable: true });
  return { ...found, driver };
}
