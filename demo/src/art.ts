/**
 * A product picture drawn from the item's id and category, as inline SVG built node by
 * node (no network, no markup parsing): the category picks the hue and the motif, the id
 * seeds the layout, so an item always looks the same.
 */
import { fnv1a } from '../hash.js';

const SVG = 'http://www.w3.org/2000/svg';

function node<K extends keyof SVGElementTagNameMap>(tag: K, attrs: Record<string, string | number>): SVGElementTagNameMap[K] {
  const el = document.createElementNS(SVG, tag);
  for (const [name, value] of Object.entries(attrs)) el.setAttribute(name, String(value));
  return el;
}

/** One motif per category: a silhouette that hints at the product kind. */
const MOTIFS: ((g: SVGGElement, ink: string) => void)[] = [
  (g, ink) => g.append(node('path', { d: 'M-60 20 Q-55 -10 -20 -15 L10 -30 Q30 -5 60 5 Q70 20 60 30 L-60 30 Z', fill: ink })),
  (g, ink) => g.append(node('path', { d: 'M-45 -45 L-15 -55 Q0 -45 15 -55 L45 -45 L60 0 L40 5 L40 55 L-40 55 L-40 5 L-60 0 Z', fill: ink })),
  (g, ink) => {
    g.append(node('path', { d: 'M-45 10 A45 45 0 0 1 45 10', fill: 'none', stroke: ink, 'stroke-width': 10 }));
    g.append(node('rect', { x: -55, y: 5, width: 22, height: 40, rx: 8, fill: ink }));
    g.append(node('rect', { x: 33, y: 5, width: 22, height: 40, rx: 8, fill: ink }));
  },
  (g, ink) => {
    g.append(node('rect', { x: -14, y: -10, width: 28, height: 60, rx: 4, fill: ink }));
    g.append(node('path', { d: 'M-12 -10 L-12 -40 Q0 -60 12 -40 L12 -10 Z', fill: ink, opacity: 0.7 }));
  },
  (g, ink) => {
    g.append(node('circle', { cx: -10, cy: 5, r: 40, fill: ink }));
    g.append(node('rect', { x: 25, y: -2, width: 45, height: 12, rx: 6, fill: ink }));
  },
  (g, ink) => {
    g.append(node('rect', { x: -45, y: -20, width: 90, height: 75, rx: 14, fill: ink }));
    g.append(node('path', { d: 'M-22 -20 Q-22 -50 0 -50 Q22 -50 22 -20', fill: 'none', stroke: ink, 'stroke-width': 8 }));
  },
  (g, ink) => {
    g.append(node('path', { d: 'M-35 -10 L35 -10 L20 -50 L-20 -50 Z', fill: ink }));
    g.append(node('rect', { x: -4, y: -10, width: 8, height: 55, fill: ink }));
    g.append(node('rect', { x: -25, y: 45, width: 50, height: 8, rx: 4, fill: ink }));
  },
  (g, ink) => {
    g.append(node('rect', { x: -60, y: -8, width: 120, height: 16, rx: 8, fill: ink }));
    g.append(node('rect', { x: -55, y: -30, width: 18, height: 60, rx: 6, fill: ink }));
    g.append(node('rect', { x: 37, y: -30, width: 18, height: 60, rx: 6, fill: ink }));
  },
  (g, ink) => {
    for (const [x, y] of [[-25, -25], [25, -25], [-25, 25], [25, 25]] as const) {
      g.append(node('rect', { x: x - 22, y: y - 22, width: 44, height: 44, rx: 6, fill: ink }));
    }
  },
  (g, ink) => {
    g.append(node('circle', { cx: 0, cy: 10, r: 38, fill: 'none', stroke: ink, 'stroke-width': 10 }));
    g.append(node('path', { d: 'M-14 -28 L0 -50 L14 -28 Z', fill: ink }));
  },
  (g, ink) => g.append(node('rect', { x: -30, y: -55, width: 60, height: 110, rx: 12, fill: ink })),
  (g, ink) => {
    g.append(node('rect', { x: -40, y: -50, width: 80, height: 100, rx: 4, fill: ink }));
    g.append(node('rect', { x: 48, y: -45, width: 8, height: 90, rx: 4, fill: ink }));
  },
];

/** An SVG picture for a product; `title` becomes its accessible label, as text. */
export function productArt(id: string, category: number, title: string): SVGSVGElement {
  const seed = fnv1a(id);
  const hue = (category * 137.5) % 360;
  const shift = (seed % 40) - 20;
  const svg = node('svg', { viewBox: '-100 -100 200 200', role: 'img', class: 'art', preserveAspectRatio: 'xMidYMid slice' });
  const label = node('title', {});
  label.textContent = title;
  svg.append(label);
  const gradientId = `g-${seed.toString(36)}`;
  const defs = node('defs', {});
  const gradient = node('linearGradient', { id: gradientId, x1: 0, y1: 0, x2: 1, y2: 1 });
  gradient.append(
    node('stop', { offset: 0, 'stop-color': `hsl(${hue + shift} 70% 62%)` }),
    node('stop', { offset: 1, 'stop-color': `hsl(${hue + shift + 40} 60% 32%)` }),
  );
  defs.append(gradient);
  svg.append(defs, node('rect', { x: -100, y: -100, width: 200, height: 200, fill: `url(#${gradientId})` }));
  // A few soft discs placed by the id's bits, so items of one category still differ.
  for (let k = 0; k < 4; k++) {
    const bits = (seed >>> (k * 8)) & 0xff;
    svg.append(node('circle', {
      cx: ((bits & 0x0f) - 8) * 12, cy: ((bits >>> 4) - 8) * 12, r: 18 + (bits % 30),
      fill: `hsl(${hue + 60 * k} 80% 85%)`, opacity: 0.18,
    }));
  }
  const g = node('g', { transform: `rotate(${(seed >>> 3) % 24 - 12}) scale(${0.9 + ((seed >>> 11) % 30) / 100})` });
  MOTIFS[category % MOTIFS.length]!(g, `hsl(${hue} 30% 96%)`);
  svg.append(g);
  return svg;
}
