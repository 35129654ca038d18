import { PAPER_PERTURBATION_METHODS, perturbationStudy, type PerturbationResult } from '@geoparam/cab';
import { color, label } from './methods';
import { strokeBoundary } from './views';

const SPAN = 3;

function drawUnit(ctx: CanvasRenderingContext2D, x0: number, size: number, result: PerturbationResult): void {
  const toPx = (x: number, y: number): [number, number] => [x0 + ((x + SPAN) / (2 * SPAN)) * size, ((SPAN - y) / (2 * SPAN)) * size];
  ctx.strokeStyle = '#ccc';
  ctx.strokeRect(x0 + 0.5, 0.5, size - 1, size - 1);
  const line = (phi: number[], u: number[], stroke: string, dashed: boolean) => {
    ctx.save();
    ctx.beginPath();
    ctx.rect(x0, 0, size, size);
    ctx.clip();
    ctx.setLineDash(dashed ? [4, 3] : []);
    ctx.strokeStyle = stroke;
    ctx.lineWidth = 2;
    strokeBoundary(ctx, toPx, phi, u, 0.6);
    ctx.restore();
  };
  line(result.before.location[0]!, result.before.direction[0]!, '#999', true);
  line(result.after.location[0]!, result.after.direction[0]!, color(result.method), false);
  ctx.fillStyle = '#222';
  ctx.font = '12px sans-serif';
  ctx.textAlign = 'left';
  ctx.fillText(`${label(result.method)}: turned ${result.angleChange.toFixed(result.angleChange < 1 ? 3 : 1)}°`, x0 + 6, size - 8);
}

/**
 * Figure 1 as a control: one ReLU unit with tiny weights (scale 1e-3), every raw parameter moved by
 * `delta`, drawn before (dashed) and after for SP, WN and GmP.
 */
export function mountPerturbationPanel(root: HTMLElement, onChange?: (delta: number, results: PerturbationResult[]) => void, onError?: (error: unknown) => void): void {
  const slider = root.querySelector<HTMLInputElement>('input[type=range]')!;
  const readout = root.querySelector<HTMLElement>('.delta')!;
  const canvas = root.querySelector<HTMLCanvasElement>('canvas')!;
  // The study reads its boundaries asynchronously: a slider moved meanwhile wins.
  let latest = 0;
  const render = async (delta: number): Promise<void> => {
    const request = ++latest;
    const study = await perturbationStudy({ deltas: [delta], seed: 1 });
    if (request !== latest) return;
    const ctx = canvas.getContext('2d')!;
    ctx.clearRect(0, 0, canvas.width, canvas.height);
    const size = Math.min(canvas.height, canvas.width / PAPER_PERTURBATION_METHODS.length - 8);
    study.results.forEach((result, i) => drawUnit(ctx, i * (size + 8), size, result));
    readout.textContent = `δ = ${delta.toExponential(1)}`;
    onChange?.(delta, study.results);
  };
  const fromSlider = () => void render(10 ** Number(slider.value)).catch((error: unknown) => onError?.(error));
  slider.addEventListener('input', fromSlider);
  fromSlider();
}
