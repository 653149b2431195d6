// What bench/tabular.mjs and bench/text.mjs share: a split as tensors for tfjs, and macro-F1.
import * as tf from '@tensorflow/tfjs';

/** Features `[rows, ...shape]` and one-hot labels over `classes`. */
export function tensorsOf(part, classes) {
  return {
    x: tf.tensor(part.features, [part.labels.length, ...part.featureShape]),
    y: tf
      .oneHot(
        tf.tensor1d(
          part.labels.map((l) => classes.indexOf(l)),
          'int32',
        ),
        classes.length,
      )
      .toFloat(),
  };
}

/** Test accuracy and macro-F1 of `model` on `test`, rounded to 4 places. */
export async function score(model, test, classes) {
  const x = tf.tensor(test.features, [test.labels.length, ...test.featureShape]);
  const predicted = Array.from(await tf.tidy(() => model.predict(x).argMax(-1)).data());
  x.dispose();
  const actual = test.labels.map((l) => classes.indexOf(l));
  return {
    accuracy: Number((predicted.filter((p, i) => p === actual[i]).length / actual.length).toFixed(4)),
    macro_f1: Number(macroF1(predicted, actual, classes.length).toFixed(4)),
  };
}

function macroF1(predicted, actual, k) {
  let sum = 0;
  for (let c = 0; c < k; c++) {
    const tp = predicted.filter((p, i) => p === c && actual[i] === c).length;
    const fp = predicted.filter((p, i) => p === c && actual[i] !== c).length;
    const fn = predicted.filter((p, i) => p !== c && actual[i] === c).length;
    sum += tp === 0 ? 0 : (2 * tp) / (2 * tp + fp + fn);
  }
  return sum / k;
}
