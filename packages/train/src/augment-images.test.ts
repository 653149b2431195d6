import { Augmentation } from '@anneal/contracts';
import { augmentImages, batchSeed, imageShapeOf } from './augment-images';

// A 5x5 image with one bright pixel, at row 1, column 3.
const image = () => {
  const x = new Float32Array(25);
  x[1 * 5 + 3] = 1;
  return x;
};
const at = (img: Float32Array) => [...img].findIndex((v) => v === 1);
const aug = (o: object) => Augmentation.parse(o);

describe('augmentImages', () => {
  it('does nothing when every transform is off', () => {
    expect([...augmentImages(image(), [5, 5, 1], { augmentation: aug({}), seed: 1 })]).toEqual([...image()]);
  });

  it('flips horizontally, shifts by whole pixels and rotates about the centre', () => {
    const flipped = Array.from({ length: 20 }, (_, s) => at(augmentImages(image(), [5, 5, 1], { augmentation: aug({ flipHorizontal: true }), seed: s })));
    expect(new Set(flipped)).toEqual(new Set([1 * 5 + 3, 1 * 5 + 1]));
    const shifted = augmentImages(image(), [5, 5, 1], { augmentation: aug({ shift: 1 }), seed: 3 });
    const p = at(shifted);
    expect(Math.abs(Math.floor(p / 5) - 1)).toBeLessThanOrEqual(1);
    expect(Math.abs((p % 5) - 3)).toBeLessThanOrEqual(1);
    // Rotation keeps the bright pixel about as far from the centre (2, 2), and moves it for most angles.
    const rotated = Array.from({ length: 20 }, (_, s) => augmentImages(image(), [5, 5, 1], { augmentation: aug({ rotation: 90 }), seed: s }));
    for (const r of rotated) {
      [...r].forEach((v, i) => v > 0 && expect(Math.hypot(Math.floor(i / 5) - 2, (i % 5) - 2)).toBeLessThan(2.3));
    }
    expect(rotated.filter((r) => at(r) !== 1 * 5 + 3).length).toBeGreaterThan(5);
  });

  it('adds seeded noise within 0..1, the same for the same seed', () => {
    const a = augmentImages(image(), [5, 5, 1], { augmentation: aug({ noise: 0.1 }), seed: batchSeed(1, 2, 3) });
    const b = augmentImages(image(), [5, 5, 1], { augmentation: aug({ noise: 0.1 }), seed: batchSeed(1, 2, 3) });
    const c = augmentImages(image(), [5, 5, 1], { augmentation: aug({ noise: 0.1 }), seed: batchSeed(1, 2, 4) });
    expect([...a]).toEqual([...b]);
    expect([...a]).not.toEqual([...c]);
    expect(Math.min(...a)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...a)).toBeLessThanOrEqual(1);
  });

  it('infers a square image shape, and refuses a row that is none', () => {
    expect(imageShapeOf(aug({}), 784)).toEqual([28, 28, 1]);
    expect(() => imageShapeOf(aug({}), 10)).toThrow('augmentation needs augmentation.imageShape: rows of 10 values are not a square image');
    expect(() => imageShapeOf(aug({ imageShape: [4, 4, 3] }), 10)).toThrow('augmentation.imageShape 4x4x3 holds 48 values; the rows have 10');
  });
});
