import type { BoundarySnapshot } from '@geoparam/cab';
import type { Lane } from './lane';
import type { Task } from './tasks';

const PAD = 28;
/** Height of the 1-D view's strip where each unit's location phi leaves its trail (newest row at the bottom). */
const TRAIL_STRIP = 64;

export interface Frame {
  width: number;
  height: number;
  toPx(x: number, y: number): [number, number];
  fromPx(px: number, py: number): [number, number];
}

export function frameFor(task: Task, width: number, height: number): Frame {
  const [x0, x1] = task.domain.x;
  const [y0, y1] = task.domain.y;
  const w = width - 2 * PAD;
  const h = height - 2 * PAD;
  return {
    width,
    height,
    toPx: (x, y) => [PAD + ((x - x0) / (x1 - x0)) * w, PAD + (1 - (y - y0) / (y1 - y0)) * h],
    fromPx: (px, py) => [x0 + ((px - PAD) / w) * (x1 - x0), y0 + (1 - (py - PAD) / h) * (y1 - y0)],
  };
}

function axes(ctx: CanvasRenderingContext2D, frame: Frame, task: Task): void {
  ctx.strokeStyle = '#999';
  ctx.lineWidth = 1;
  ctx.strokeRect(PAD, PAD, frame.width - 2 * PAD, frame.height - 2 * PAD);
  ctx.fillStyle = '#555';
  ctx.font = '10px sans-serif';
  ctx.textAlign = 'center';
  ctx.fillText(task.domain.x[0].toFixed(1), PAD, frame.height - PAD + 12);
  ctx.fillText(task.domain.x[1].toFixed(1), frame.width - PAD, frame.height - PAD + 12);
  ctx.textAlign = 'right';
  ctx.fillText(task.domain.y[1].toFixed(1), PAD - 3, PAD + 8);
  ctx.fillText(task.domain.y[0].toFixed(1), PAD - 3, frame.height - PAD);
}

function clipToPlot(ctx: CanvasRenderingContext2D, frame: Frame): void {
  ctx.beginPath();
  ctx.rect(PAD, PAD, frame.width - 2 * PAD, frame.height - 2 * PAD);
  ctx.clip();
}

/** Evenly spaced inputs over the 1-D domain, for the fitted curve. */
export function curveInputs(task: Task, count = 241): Float32Array {
  const [x0, x1] = task.domain.x;
  return Float32Array.from({ length: count }, (_, i) => x0 + ((x1 - x0) * i) / (count - 1));
}

/** A `size x size` grid over the 2-D domain (row-major, top row first), for decision regions. */
export function gridInputs(task: Task, size: number): Float32Array {
  const out = new Float32Array(size * size * 2);
  const [x0, x1] = task.domain.x;
  const [y0, y1] = task.domain.y;
  for (let r = 0; r < size; r++) {
    for (let c = 0; c < size; c++) {
      const i = 2 * (r * size + c);
      out[i] = x0 + ((x1 - x0) * (c + 0.5)) / size;
      out[i + 1] = y1 - ((y1 - y0) * (r + 0.5)) / size;
    }
  }
  return out;
}

/** 1-D regression: data, truth, fit, every unit's phi on the axis and its trail in a strip below. */
export function drawRegression(canvas: HTMLCanvasElement, task: Task, lane: Lane, inputs: Float32Array, outputs: Float32Array, stroke: string): void {
  const ctx = canvas.getContext('2d')!;
  ctx.clearRect(0, 0, canvas.width, canvas.height);
  const frame = frameFor(task, canvas.width, canvas.height - TRAIL_STRIP);
  axes(ctx, frame, task);
  ctx.save();
  clipToPlot(ctx, frame);
  if (task.truth) {
    ctx.strokeStyle = '#bbb';
    ctx.lineWidth = 2;
    ctx.beginPath();
    inputs.forEach((x, i) => {
      const [px, py] = frame.toPx(x, task.truth!(x));
      if (i === 0) ctx.moveTo(px, py);
      else ctx.lineTo(px, py);
    });
    ctx.stroke();
  }
  ctx.fillStyle = '#333';
  for (let i = 0; i < task.train.numExamples; i++) {
    const [px, py] = frame.toPx(task.train.x[i]!, task.train.y[i]!);
    ctx.fillRect(px - 1.5, py - 1.5, 3, 3);
  }
  ctx.strokeStyle = stroke;
  ctx.lineWidth = 2;
  ctx.beginPath();
  inputs.forEach((x, i) => {
    const [px, py] = frame.toPx(x, outputs[i]!);
    if (i === 0) ctx.moveTo(px, py);
    else ctx.lineTo(px, py);
  });
  ctx.stroke();
  ctx.restore();

  // Ticks at each unit's current phi on the x axis.
  const axisY = frame.height - PAD;
  ctx.strokeStyle = stroke;
  ctx.lineWidth = 1;
  for (const phi of lane.boundary.location) {
    const [px] = frame.toPx(phi[0]!, 0);
    if (px < PAD || px > frame.width - PAD) continue;
    ctx.beginPath();
    ctx.moveTo(px, axisY);
    ctx.lineTo(px, axisY - 6);
    ctx.stroke();
  }

  // Trail strip: one row per remembered step, so a jump reads as a scattered column.
  const top = frame.height + 4;
  ctx.fillStyle = '#f4f4f4';
  ctx.fillRect(PAD, top, frame.width - 2 * PAD, TRAIL_STRIP - 8);
  const rows = Math.max(...lane.trails.map((t) => t.length));
  const rowHeight = (TRAIL_STRIP - 8) / Math.max(rows, 1);
  ctx.fillStyle = stroke;
  for (const trail of lane.trails) {
    trail.forEach((phi, r) => {
      const [px] = frame.toPx(phi[0]!, 0);
      if (px < PAD || px > frame.width - PAD) return;
      ctx.globalAlpha = 0.15 + (0.85 * (r + 1)) / trail.length;
      ctx.fillRect(px - 1, top + r * rowHeight, 2, Math.max(rowHeight, 1));
    });
  }
  ctx.globalAlpha = 1;
  ctx.fillStyle = '#555';
  ctx.font = '10px sans-serif';
  ctx.textAlign = 'left';
  ctx.fillText('φ per unit, last steps ↓', PAD + 2, top + TRAIL_STRIP - 10);
}

function heatColor(p: number): [number, number, number] {
  // Class 1 blue, class 0 orange, undecided white.
  const t = Math.min(1, Math.max(0, p));
  const one = [120, 160, 230];
  const zero = [245, 170, 100];
  const target = t >= 0.5 ? one : zero;
  const strength = Math.abs(t - 0.5) * 2;
  return [255 + (target[0]! - 255) * strength, 255 + (target[1]! - 255) * strength, 255 + (target[2]! - 255) * strength];
}

function segment(ctx: CanvasRenderingContext2D, a: [number, number], b: [number, number]): void {
  ctx.beginPath();
  ctx.moveTo(a[0], a[1]);
  ctx.lineTo(b[0], b[1]);
  ctx.stroke();
}

/**
 * A 2-D unit's boundary: the line through phi perpendicular to u (drawn far past any plot, the
 * caller clips), and a short stroke of length `normal` along u marking the side where it is active.
 */
export function strokeBoundary(ctx: CanvasRenderingContext2D, toPx: Frame['toPx'], phi: number[], u: number[], normal: number): void {
  const [x, y, ux, uy] = [phi[0]!, phi[1]!, u[0]!, u[1]!];
  segment(ctx, toPx(x - 100 * uy, y + 100 * ux), toPx(x + 100 * uy, y - 100 * ux));
  segment(ctx, toPx(x, y), toPx(x + normal * ux, y + normal * uy));
}

function drawBoundaries(ctx: CanvasRenderingContext2D, frame: Frame, lane: Lane, stroke: string): void {
  const boundary: BoundarySnapshot = lane.boundary;
  ctx.lineWidth = 1;
  boundary.location.forEach((phi, unit) => {
    const u = boundary.direction[unit]!;
    ctx.strokeStyle = stroke;
    ctx.globalAlpha = 0.7;
    strokeBoundary(ctx, frame.toPx, phi, u, 0.25);
    const trail = lane.trails[unit]!;
    ctx.globalAlpha = 0.35;
    ctx.beginPath();
    trail.forEach((p, i) => {
      const [tx, ty] = frame.toPx(p[0]!, p[1]!);
      if (i === 0) ctx.moveTo(tx, ty);
      else ctx.lineTo(tx, ty);
    });
    ctx.stroke();
    ctx.globalAlpha = 1;
    ctx.fillStyle = stroke;
    const [px, py] = frame.toPx(phi[0]!, phi[1]!);
    ctx.beginPath();
    ctx.arc(px, py, 2.5, 0, 2 * Math.PI);
    ctx.fill();
  });
}

/** 2-D classification: decision regions, data, every unit's boundary line, its phi and trail. */
export function drawClassification(canvas: HTMLCanvasElement, task: Task, lane: Lane, gridSize: number, probabilities: Float32Array, stroke: string): void {
  const ctx = canvas.getContext('2d')!;
  ctx.clearRect(0, 0, canvas.width, canvas.height);
  const frame = frameFor(task, canvas.width, canvas.height);
  const image = new ImageData(gridSize, gridSize);
  probabilities.forEach((p, i) => {
    const [r, g, b] = heatColor(p);
    image.data.set([r, g, b, 255], 4 * i);
  });
  const cells = document.createElement('canvas');
  cells.width = gridSize;
  cells.height = gridSize;
  cells.getContext('2d')!.putImageData(image, 0, 0);
  ctx.imageSmoothingEnabled = true;
  ctx.drawImage(cells, PAD, PAD, frame.width - 2 * PAD, frame.height - 2 * PAD);
  ctx.save();
  clipToPlot(ctx, frame);
  for (let i = 0; i < task.train.numExamples; i++) {
    const [px, py] = frame.toPx(task.train.x[2 * i]!, task.train.x[2 * i + 1]!);
    ctx.beginPath();
    ctx.arc(px, py, 2.2, 0, 2 * Math.PI);
    if (task.train.y[i] === 1) {
      ctx.fillStyle = '#1d3f8f';
      ctx.fill();
    } else {
      ctx.strokeStyle = '#a04a00';
      ctx.lineWidth = 1;
      ctx.stroke();
    }
  }
  drawBoundaries(ctx, frame, lane, stroke);
  ctx.restore();
  axes(ctx, frame, task);
}
