import * as tf from '@tensorflow/tfjs';
import { ErrorType, InputError } from '@anneal/contracts';
import { argmax } from './classification-metrics';

const PREDICT_BATCH = 256;

/** The rows of a loaded dataset that a model predicts. */
export interface Rows {
  name: string;
  features: Float32Array;
  featureShape: number[];
  labels: readonly string[];
}

/** Labels as indices into the model's classes; a label the model does not know is a typed input error. */
export function labelIndices(rows: Pick<Rows, 'name' | 'labels'>, classes: readonly string[]): number[] {
  const index = new Map(classes.map((c, i) => [c, i]));
  return rows.labels.map((l) => {
    const i = index.get(l);
    if (i === undefined)
      throw new InputError(ErrorType.DatasetValidation, `dataset ${rows.name}: label "${l}" is not one of the model's classes (${classes.join(', ')})`);
    return i;
  });
}

/** Class probabilities of every row (row-major [rows, classes]), in batches; the tensors are released here. */
export async function predictRows(model: tf.LayersModel, rows: Rows): Promise<Float32Array> {
  const x = tf.tensor(rows.features, [rows.labels.length, ...rows.featureShape]);
  let probs: tf.Tensor | undefined;
  try {
    probs = tf.tidy(() => model.predict(x, { batchSize: PREDICT_BATCH }) as tf.Tensor);
    return (await probs.data()) as Float32Array;
  } finally {
    tf.dispose([x, ...(probs ? [probs] : [])]);
  }
}

/** Whether the arg-max of each row is its label. */
export function rowCorrectness(probs: Float32Array, labels: readonly number[]): boolean[] {
  const k = labels.length === 0 ? 0 : probs.length / labels.length;
  return labels.map((label, r) => argmax(probs.subarray(r * k, (r + 1) * k)) === label);
}

/** Recall of each class from a confusion matrix (confusion[actual][predicted]); a class with no rows counts 1. */
export function recallPerClass(confusion: readonly number[][]): number[] {
  return confusion.map((row, c) => {
    const total = row.reduce((a, b) => a + b, 0);
    return total === 0 ? 1 : (row[c] ?? 0) / total;
  });
}
