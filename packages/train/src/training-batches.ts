import * as tf from '@tensorflow/tfjs';
import { createRng, shuffled, type Augmentation } from '@anneal/contracts';
import { featureSize, gatherRows, type Dataset } from '@anneal/dataset';
import { augmentImages, batchSeed, imageShapeOf } from './augment-images';
import { labelIndices } from './to-tensors';

/**
 * Training batches with seeded augmentation: for epoch e, a seeded shuffle and per-batch transforms, so a
 * resumed attempt sees what an uninterrupted one would. Each batch's tensors are disposed by fitDataset.
 */
export function augmentedBatches(options: { dataset: Dataset; classes: readonly string[]; batchSize: number; augmentation: Augmentation }) {
  const { dataset, classes, batchSize, augmentation } = options;
  const size = featureSize(dataset.featureShape);
  const shape = imageShapeOf(augmentation, size);
  const labels = labelIndices(dataset, classes);
  return function* batches(epoch: number): Iterator<{ xs: tf.Tensor; ys: tf.Tensor }> {
    const order = shuffled(
      Array.from({ length: labels.length }, (_, i) => i),
      createRng(batchSeed(augmentation.seed, epoch, -1)),
    );
    for (let start = 0, batch = 0; start < order.length; start += batchSize, batch++) {
      const rows = order.slice(start, start + batchSize);
      const pixels = augmentImages(gatherRows(dataset.features, rows, size), shape, { augmentation, seed: batchSeed(augmentation.seed, epoch, batch) });
      const ys = tf.tidy(() =>
        tf
          .oneHot(
            tf.tensor1d(
              rows.map((r) => labels[r] as number),
              'int32',
            ),
            classes.length,
          )
          .toFloat(),
      );
      yield { xs: tf.tensor(pixels, [rows.length, ...dataset.featureShape]), ys };
    }
  };
}
