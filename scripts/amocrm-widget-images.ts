import { PNG } from 'pngjs';

/**
 * The widget's images at the sizes amo asks for, each under 300 KB
 * (https://www.amocrm.ru/developers/content/integrations/structure, reference §5.1). Drawn at
 * build time, so the repository holds no binary: a blue field with three rising bars, the
 * tiers of a key-account portfolio.
 */
export const WIDGET_IMAGES: ReadonlyArray<{ file: string; width: number; height: number }> = [
  { file: 'logo_main.png', width: 400, height: 272 },
  { file: 'logo_small.png', width: 108, height: 108 },
  { file: 'logo_medium.png', width: 240, height: 84 },
  { file: 'logo_min.png', width: 84, height: 84 },
  { file: 'logo.png', width: 130, height: 100 },
  { file: 'logo_dp.png', width: 174, height: 109 },
];

export const MAX_IMAGE_BYTES = 300 * 1024;

const TOP = [0x2f, 0x6f, 0xe0];
const BOTTOM = [0x1b, 0x45, 0x9c];
const BAR = [0xff, 0xff, 0xff];

export function drawLogo(width: number, height: number): Buffer {
  const png = new PNG({ width, height });
  const unit = Math.min(width, height);
  const barWidth = Math.max(2, Math.round(unit * 0.14));
  const gap = Math.max(1, Math.round(unit * 0.08));
  const heights = [0.3, 0.5, 0.7].map((share) => Math.round(unit * share));
  const left = Math.round((width - (3 * barWidth + 2 * gap)) / 2);
  const base = Math.round(height / 2 + unit * 0.35);
  for (let y = 0; y < height; y += 1) {
    const mix = height > 1 ? y / (height - 1) : 0;
    for (let x = 0; x < width; x += 1) {
      const bar = heights.findIndex((barHeight, index) => {
        const start = left + index * (barWidth + gap);
        return x >= start && x < start + barWidth && y < base && y >= base - barHeight;
      });
      const colour = bar >= 0 ? BAR : TOP.map((top, channel) => Math.round(top + ((BOTTOM[channel] ?? top) - top) * mix));
      const at = (y * width + x) * 4;
      png.data[at] = colour[0] ?? 0;
      png.data[at + 1] = colour[1] ?? 0;
      png.data[at + 2] = colour[2] ?? 0;
      png.data[at + 3] = 0xff;
    }
  }
  return PNG.sync.write(png);
}
