/** Small canvas line charts, sized to the canvas's CSS box. */

export interface Series {
  label: string;
  color: string;
  points: [number, number][];
  /** Drawn as a dashed horizontal line instead of a polyline. */
  level?: boolean;
}

function context(canvas: HTMLCanvasElement): { ctx: CanvasRenderingContext2D; width: number; height: number } {
  const ratio = window.devicePixelRatio || 1;
  const width = canvas.clientWidth || 300;
  const height = canvas.clientHeight || 120;
  if (canvas.width !== Math.round(width * ratio) || canvas.height !== Math.round(height * ratio)) {
    canvas.width = Math.round(width * ratio);
    canvas.height = Math.round(height * ratio);
  }
  const ctx = canvas.getContext('2d')!;
  ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
  ctx.clearRect(0, 0, width, height);
  ctx.font = '10px system-ui, sans-serif';
  return { ctx, width, height };
}

const PAD = { left: 34, right: 8, top: 8, bottom: 16 };

function niceMax(value: number): number {
  if (value <= 0) return 1;
  const step = 10 ** Math.floor(Math.log10(value));
  return Math.ceil(value / step) * step;
}

function axes(ctx: CanvasRenderingContext2D, width: number, height: number, yMax: number, xLabel: string, yUnit: string) {
  ctx.strokeStyle = 'rgba(255,255,255,0.25)';
  ctx.fillStyle = 'rgba(255,255,255,0.7)';
  ctx.lineWidth = 1;
  ctx.beginPath();
  ctx.moveTo(PAD.left, PAD.top);
  ctx.lineTo(PAD.left, height - PAD.bottom);
  ctx.lineTo(width - PAD.right, height - PAD.bottom);
  ctx.stroke();
  ctx.textAlign = 'right';
  ctx.fillText(`${+yMax.toPrecision(3)}`, PAD.left - 3, PAD.top + 8);
  ctx.fillText(`0`, PAD.left - 3, height - PAD.bottom);
  ctx.textAlign = 'left';
  if (yUnit) ctx.fillText(yUnit.trim(), PAD.left + 4, PAD.top + 8);
  ctx.textAlign = 'center';
  ctx.fillText(xLabel, (PAD.left + width - PAD.right) / 2, height - 3);
}

/** Lines over a shared x range; `data-points` on the canvas counts the plotted points (for tests). */
export function drawLines(canvas: HTMLCanvasElement, series: Series[], o: { xLabel: string; yUnit?: string; xMax?: number }): void {
  const { ctx, width, height } = context(canvas);
  const all = series.flatMap((s) => s.points);
  const xMax = Math.max(o.xMax ?? 1, ...all.map(([x]) => x));
  const yMax = niceMax(Math.max(0, ...all.map(([, y]) => y)));
  axes(ctx, width, height, yMax, o.xLabel, o.yUnit ?? '');
  const x = (v: number) => PAD.left + (v / xMax) * (width - PAD.left - PAD.right);
  const y = (v: number) => height - PAD.bottom - (v / yMax) * (height - PAD.top - PAD.bottom);
  for (const s of series) {
    if (s.points.length === 0) continue;
    ctx.strokeStyle = s.color;
    ctx.lineWidth = 1.5;
    ctx.setLineDash(s.level ? [4, 3] : []);
    ctx.beginPath();
    if (s.level) {
      ctx.moveTo(PAD.left, y(s.points[0]![1]));
      ctx.lineTo(width - PAD.right, y(s.points[0]![1]));
    } else {
      s.points.forEach(([px, py], i) => (i === 0 ? ctx.moveTo(x(px), y(py)) : ctx.lineTo(x(px), y(py))));
      if (s.points.length === 1) ctx.arc(x(s.points[0]![0]), y(s.points[0]![1]), 1.5, 0, 2 * Math.PI);
    }
    ctx.stroke();
  }
  ctx.setLineDash([]);
  canvas.dataset.points = String(series.filter((s) => !s.level).reduce((n, s) => n + s.points.length, 0));
}
