export * from './backends';
export * from './compare';
export * from './gradient-check';
export * from './shared-data';
export * from './webgpu-probe';
export * from './redis-server';
