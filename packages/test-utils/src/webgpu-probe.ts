export type WebGPUProbe = { available: true; adapter: string; software: boolean; driver: string } | { available: false; reason: string };

/** Set by the repository's jest global setup (jest.global-setup.js), which probes once per run. */
export const WEBGPU_PROBE_ENV = 'GEOPARAM_WEBGPU_PROBE';

/** Whether WebGPU has an adapter for the tests, as the global setup found. */
export function webgpuProbe(): WebGPUProbe {
  const probe = process.env[WEBGPU_PROBE_ENV];
  return probe ? (JSON.parse(probe) as WebGPUProbe) : { available: false, reason: `${WEBGPU_PROBE_ENV} is unset: run the tests through jest with the repository preset (jest.preset.js), whose global setup probes WebGPU` };
}
