import * as tf from '@tensorflow/tfjs';
import { ErrorType, InputError } from '@anneal/contracts';
import { featureSize, type Dataset } from '@anneal/dataset';

/** Features as [rows, ...shape] and labels one-hot over `classes`. The caller disposes both. */
export function toTensors(dataset: Dataset, classes: readonly string[]): { x: tf.Tensor; y: tf.Tensor2D } {
  const labels = labelIndices(dataset, classes);
  const rows = dataset.labels.length;
  if (dataset.features.length !== rows * featureSize(dataset.featureShape))
    throw new InputError(
      ErrorType.ArtifactIntegrity,
      `dataset ${dataset.name}: ${dataset.features.length} feature values, expected ${rows} rows x ${featureSize(dataset.featureShape)}`,
    );
  const x = tf.tensor(dataset.features, [rows, ...dataset.featureShape]);
  const y = tf.tidy(() => tf.oneHot(tf.tensor1d(labels, 'int32'), classes.length).toFloat() as tf.Tensor2D);
  return { x, y };
}

/** Each row's label as its index in `classes`; a label the model does not know is an error. */
export function labelIndices(dataset: Dataset, classes: readonly string[]): Int32Array {
  const index = new Map(classes.map((c, i) => [c, i]));
  return Int32Array.from(dataset.labels, (l) => {
    const i = index.get(l);
    if (i === undefined)
      throw new InputError(ErrorType.DatasetValidation, `dataset ${dataset.name}: label "${l}" is not one of the model's classes (${classes.join(', ')})`);
    return i;
  });
}
