export * from './backends';
export * from './compare';
export * from './gradient-check';
