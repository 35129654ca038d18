/**
 * The part of the WebGPU API this package touches, typed structurally: the same shapes come from
 * a browser's `navigator.gpu` and from Dawn's Node module, and neither ships types we can rely on.
 */
export interface GpuAdapterInfo {
  readonly vendor?: string;
  readonly architecture?: string;
  readonly device?: string;
  readonly description?: string;
  readonly isFallbackAdapter?: boolean;
}

export interface GpuDeviceLostInfo {
  readonly reason: string;
  readonly message: string;
}

export interface GpuDevice {
  readonly lost: Promise<GpuDeviceLostInfo>;
  readonly limits: Record<string, number>;
  destroy(): void;
}

export interface GpuAdapter {
  readonly info?: GpuAdapterInfo;
  /** Older browsers: the flag sat on the adapter. */
  readonly isFallbackAdapter?: boolean;
  readonly features: { has(name: string): boolean };
  readonly limits: Record<string, number>;
  requestDevice(descriptor?: Record<string, unknown>): Promise<GpuDevice>;
}

export interface Gpu {
  requestAdapter(options?: Record<string, unknown>): Promise<GpuAdapter | null>;
}
