import { methodLabel } from '@geoparam/parameterizations';

export const METHOD_COLOR: Record<string, string> = { standard: '#d62728', weightNorm: '#ff7f0e', batchNorm: '#9467bd', geometric: '#1f77b4' };

export function label(method: string): string {
  return methodLabel(method);
}
export function color(method: string): string {
  return METHOD_COLOR[method] ?? '#444';
}
