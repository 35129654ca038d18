// The browser build of ./dawn (package.json `browser` map): pages get WebGPU from navigator.gpu.
import type { NodeGpu } from './dawn';

export const SWIFTSHADER_ICD_PATHS: readonly string[] = [];

export function findSwiftShaderIcd(): string | null {
  return null;
}

export async function nodeGpu(): Promise<NodeGpu> {
  return { error: 'this browser exposes no WebGPU (navigator.gpu)' };
}
