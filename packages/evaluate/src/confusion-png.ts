import { PNG } from 'pngjs';

// 3x5 bitmap digits, one string of 15 bits (row-major) per glyph.
const GLYPHS: Record<string, string> = {
  '0': '111101101101111', '1': '010110010010111', '2': '111001111100111', '3': '111001111001111', '4': '101101111001001',
  '5': '111100111001111', '6': '111100111101111', '7': '111001001001001', '8': '111101111101111', '9': '111101111001111',
  '-': '000000111000000', '.': '000000000000010',
};

const CELL = 36;
const MARGIN = 24;

/** A confusion matrix as a heat map (rows: actual, columns: predicted) with counts and class labels drawn in. */
export function confusionMatrixPng(confusion: number[][], classes: readonly string[]): Buffer {
  const n = confusion.length;
  const size = MARGIN + n * CELL + 4;
  const png = new PNG({ width: size, height: size });
  png.data.fill(255);
  const max = Math.max(1, ...confusion.flat());
  for (let r = 0; r < n; r++) {
    for (let c = 0; c < n; c++) {
      const v = confusion[r]?.[c] ?? 0;
      const t = v / max;
      // white -> deep blue
      const color: [number, number, number] = [Math.round(255 - 225 * t), Math.round(255 - 185 * t), Math.round(255 - 75 * t)];
      fillRect(png, { x: MARGIN + c * CELL, y: MARGIN + r * CELL, w: CELL - 1, h: CELL - 1 }, color);
      const ink: [number, number, number] = t > 0.5 ? [255, 255, 255] : [0, 0, 0];
      drawText(png, String(v), { x: MARGIN + c * CELL + 4, y: MARGIN + r * CELL + 11, scale: 2, color: ink });
    }
    drawText(png, classes[r] ?? String(r), { x: 4, y: MARGIN + r * CELL + 11, scale: 2, color: [0, 0, 0] });
    drawText(png, classes[r] ?? String(r), { x: MARGIN + r * CELL + 12, y: 4, scale: 2, color: [0, 0, 0] });
  }
  return PNG.sync.write(png);
}

function fillRect(png: PNG, rect: { x: number; y: number; w: number; h: number }, rgb: [number, number, number]): void {
  for (let y = rect.y; y < rect.y + rect.h; y++) {
    for (let x = rect.x; x < rect.x + rect.w; x++) {
      if (x < 0 || y < 0 || x >= png.width || y >= png.height) continue;
      const i = (y * png.width + x) * 4;
      png.data[i] = rgb[0];
      png.data[i + 1] = rgb[1];
      png.data[i + 2] = rgb[2];
      png.data[i + 3] = 255;
    }
  }
}

function drawText(png: PNG, text: string, at: { x: number; y: number; scale: number; color: [number, number, number] }): void {
  [...text].forEach((ch, k) => {
    const glyph = GLYPHS[ch];
    if (!glyph) return; // labels beyond digits are left out of the picture, not misdrawn
    for (let i = 0; i < 15; i++) {
      if (glyph[i] !== '1') continue;
      const gx = at.x + (k * 4 + (i % 3)) * at.scale;
      const gy = at.y + Math.floor(i / 3) * at.scale;
      fillRect(png, { x: gx, y: gy, w: at.scale, h: at.scale }, at.color);
    }
  });
}
