import type * as tf from '@tensorflow/tfjs';
import { createRng, shuffled } from '@anneal/contracts';
import { gatherRows } from '@anneal/dataset';
import { floats, GraphTrainer } from '@anneal/tf-graph';
import type { EarlyStopping } from './early-stopping';
import type { FitOptions, GraphEngineOptions } from './fit-types';

interface HostBatch {
  x: Float32Array;
  y: Float32Array;
  rows: number;
}

/**
 * The epoch loop on the graph engine. The model's weights and optimizer state are copied into the graph at the
 * start and back at the end of every epoch, so early stopping, checkpoints and evaluation see an ordinary model.
 */
export async function fitGraph(o: {
  model: tf.LayersModel;
  x: tf.Tensor;
  y: tf.Tensor;
  options: FitOptions;
  graph: GraphEngineOptions;
  tracker: EarlyStopping;
}): Promise<void> {
  const { model, options, tracker } = o;
  const trainer = GraphTrainer.create({ model, labelSmoothing: o.graph.labelSmoothing, seed: o.graph.seed, threads: o.graph.threads });
  try {
    await trainer.load();
    const train = host(o.x, o.y);
    const validation = host(options.validation.x, options.validation.y);
    for (let epoch = options.initialEpoch ?? 0; epoch < options.epochs; epoch++) {
      tracker.epochBegin(epoch);
      let loss = 0;
      let correct = 0;
      let rows = 0;
      let batch = 0;
      for (const b of options.batches
        ? fromTensors(options.batches(epoch))
        : shuffledBatches(train, { batchSize: options.batchSize, seed: o.graph.seed + epoch })) {
        const r = await trainer.trainBatch(b.x, b.y, b.rows);
        loss += r.loss * b.rows;
        correct += r.accuracy * b.rows;
        rows += b.rows;
        if (tracker.batchEnd(epoch, batch++, r.loss)) return;
      }
      const val = await trainer.evaluate(validation.x, validation.y, validation.rows);
      await trainer.store();
      if (await tracker.epochEnd({ epoch, loss: loss / rows, accuracy: correct / rows, valLoss: val.loss, valAccuracy: val.accuracy })) return;
    }
  } finally {
    trainer.close();
  }
}

function host(x: tf.Tensor, y: tf.Tensor): HostBatch {
  return { x: floats(x.dataSync()), y: floats(y.dataSync()), rows: x.shape[0] ?? 0 };
}

/** A seeded shuffle per epoch (tfjs's own shuffle is not seeded), cut into batches. */
function* shuffledBatches(data: HostBatch, o: { batchSize: number; seed: number }): Generator<HostBatch> {
  const xRow = data.x.length / data.rows;
  const yRow = data.y.length / data.rows;
  const order = shuffled(
    Array.from({ length: data.rows }, (_, i) => i),
    createRng(o.seed),
  );
  for (let start = 0; start < order.length; start += o.batchSize) {
    const rows = order.slice(start, start + o.batchSize);
    yield { x: gatherRows(data.x, rows, xRow), y: gatherRows(data.y, rows, yRow), rows: rows.length };
  }
}

/** The caller's batches (augmentation) as host arrays; each batch's tensors are disposed once read. */
function* fromTensors(batches: Iterator<{ xs: tf.Tensor; ys: tf.Tensor }>): Generator<HostBatch> {
  for (let next = batches.next(); !next.done; next = batches.next()) {
    const { xs, ys } = next.value;
    const batch = host(xs, ys);
    xs.dispose();
    ys.dispose();
    yield batch;
  }
}
