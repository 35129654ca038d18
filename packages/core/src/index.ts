import './tfjs-setup';

export * from './errors';
export * from './file-errors';
export * from './backend-errors';
export * from './validate';
export * from './random';
export * from './backends';
export * from './tidy';
export * from './kernels';
export * from './fingerprint';
