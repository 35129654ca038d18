// The app is where backends get registered; libraries never import one.
import '@geoparam/backend-cpu/register';
import '@geoparam/backend-wasm/register';
import '@geoparam/backend-cuda/register';
import '@geoparam/backend-webgpu/register';
import type { BackendReport } from '@geoparam/core';

export const BACKEND_CHOICES = ['wasm', 'cpu', 'cuda', 'webgpu'];

export function describeBackend(report: BackendReport): string {
  const details = Object.entries(report.details)
    .filter(([key]) => key !== 'implementation')
    .map(([key, value]) => `${key}=${value}`)
    .join(', ');
  return details ? `${report.name} (${details})` : report.name;
}
