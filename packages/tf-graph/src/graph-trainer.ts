import * as tf from '@tensorflow/tfjs';
import { addonOrThrow, DType, floats, sessionConfig, type HostTensor, type NativeSession, type Out } from './native';
import { buildTrainGraph, type GraphVariable, type ModelVariable, type TrainGraph } from './train-graph';

export interface GraphTrainerOptions {
  /** A compiled model whose optimizer is Adam; its weights and Adam state move into the graph and back. */
  model: tf.LayersModel;
  labelSmoothing?: number;
  /** Seeds the dropout masks. */
  seed?: number;
  /** Size of TensorFlow's thread pools (intra- and inter-op). */
  threads: number;
}

type NamedTensor = { name: string; tensor: tf.Tensor };

interface AdamLike {
  learningRate: number;
  beta1: number;
  beta2: number;
  epsilon: number;
  iterations: number;
  getWeights(): Promise<NamedTensor[]>;
  setWeights(weights: NamedTensor[]): Promise<void>;
}

const host = (data: Float32Array, dims: readonly number[]): HostTensor => ({ dtype: DType.float, dims, data });

/**
 * Trains a TF.js layers model as one TensorFlow graph: each batch is a single session run of forward pass, loss,
 * gradients and Adam update (TensorFlow's graph optimizer fuses what it can), where TF.js would dispatch every op
 * from JavaScript. The model and its optimizer are the source of truth between `load` and `store`.
 */
export class GraphTrainer {
  private iterations = 0;

  private constructor(
    private readonly graph: TrainGraph,
    private readonly session: NativeSession,
    private readonly model: tf.LayersModel,
    private readonly adam: AdamLike,
  ) {}

  /** Throws GraphUnsupportedError for a model it cannot express, with the reason. */
  static create(options: GraphTrainerOptions): GraphTrainer {
    const adam = options.model.optimizer as unknown as AdamLike;
    if (options.model.optimizer?.getClassName() !== 'Adam') throw new Error('the graph engine trains with Adam; compile the model with tf.train.adam');
    const addon = addonOrThrow();
    const native = new addon.Graph();
    const graph = buildTrainGraph(native, {
      model: options.model,
      labelSmoothing: options.labelSmoothing ?? 0,
      adam: { beta1: adam.beta1, beta2: adam.beta2, epsilon: adam.epsilon },
      seed: options.seed ?? 0,
    });
    return new GraphTrainer(graph, new addon.Session(native, sessionConfig(options.threads)), options.model, adam);
  }

  /** Copies the model's weights and its optimizer's state into the graph. */
  async load(): Promise<void> {
    const state = await this.adam.getWeights();
    const [iterations, ...moments] = state;
    this.iterations = iterations ? ((await iterations.tensor.data())[0] ?? 0) : 0;
    const learners = this.graph.learners;
    const m = moments.slice(0, moments.length / 2);
    const v = moments.slice(moments.length / 2);
    if (m.length > 0 && m.length !== learners.length) throw new Error(`optimizer holds moments for ${m.length} variables, the model trains ${learners.length}`);
    const feeds: [Out, HostTensor][] = [];
    const inits: number[] = [];
    const set = (variable: GraphVariable, data: Float32Array) => {
      feeds.push([variable.init.value, host(data, variable.shape)]);
      inits.push(variable.init.op);
    };
    for (const variable of this.graph.variables) set(variable, floats(variable.layerVariable.read().dataSync()));
    learners.forEach((variable, i) => {
      const slots = variable.slots as NonNullable<ModelVariable['slots']>;
      const size = variable.shape.reduce((a, d) => a * d, 1);
      const moment = (w: NamedTensor | undefined) => (w ? floats(w.tensor.dataSync()) : new Float32Array(size));
      set(slots.m, moment(m[i]));
      set(slots.v, moment(v[i]));
    });
    if (iterations) iterations.tensor.dispose(); // getWeights makes a fresh scalar each call
    await this.session.run(feeds, [], inits);
  }

  /** One training step; returns the batch's loss (regularization included) and accuracy. */
  async trainBatch(x: Float32Array, y: Float32Array, rows: number): Promise<{ loss: number; accuracy: number }> {
    const t = this.graph.train;
    const [loss, accuracy] = await this.session.run(this.stepFeeds(x, y, rows), [t.loss, t.accuracy], [t.step]);
    return { loss: loss?.data[0] ?? NaN, accuracy: accuracy?.data[0] ?? NaN };
  }

  /** One training step, as trainBatch, that returns TensorFlow's step stats (a serialized RunMetadata) to profile. */
  async traceBatch(x: Float32Array, y: Float32Array, rows: number): Promise<Uint8Array> {
    const t = this.graph.train;
    return (await this.session.trace(this.stepFeeds(x, y, rows), [t.loss], [t.step])).runMetadata;
  }

  /** Mean loss and accuracy over `rows` examples in inference mode, `chunk` rows per run. */
  async evaluate(x: Float32Array, y: Float32Array, rows: number, chunk = 512): Promise<{ loss: number; accuracy: number }> {
    const e = this.graph.evaluate;
    const xRow = x.length / rows;
    const yRow = y.length / rows;
    let lossSum = 0;
    let correct = 0;
    for (let start = 0; start < rows; start += chunk) {
      const n = Math.min(chunk, rows - start);
      const [l, c] = await this.session.run(
        [
          [e.x, host(x.subarray(start * xRow, (start + n) * xRow), this.batchDims(n))],
          [e.y, host(y.subarray(start * yRow, (start + n) * yRow), [n, yRow])],
        ],
        [e.lossSum, e.correct],
        [],
      );
      lossSum += l?.data[0] ?? NaN;
      correct += c?.data[0] ?? NaN;
    }
    return { loss: lossSum / rows, accuracy: correct / rows };
  }

  /** Copies the graph's weights into the model, and Adam's state into the model's optimizer. */
  async store(): Promise<void> {
    const learners = this.graph.learners;
    const reads = [...this.graph.variables.map((v) => v.read), ...learners.flatMap((v) => [v.slots?.m.read as Out, v.slots?.v.read as Out])];
    const values = await this.session.run([], reads, []);
    this.graph.variables.forEach((v, i) => {
      const value = tf.tensor(values[i]?.data as Float32Array, v.shape);
      v.layerVariable.write(value);
      value.dispose();
    });
    const moment = (i: number, which: 0 | 1) => tf.tensor(values[this.graph.variables.length + 2 * i + which]?.data as Float32Array, learners[i]?.shape);
    const names = learners.map((v) => v.layerVariable.name);
    const state: NamedTensor[] = [
      { name: 'iter', tensor: tf.scalar(this.iterations, 'int32') },
      ...names.map((name, i) => ({ name: `${name}/m`, tensor: moment(i, 0) })),
      ...names.map((name, i) => ({ name: `${name}/v`, tensor: moment(i, 1) })),
    ];
    // setWeights makes new variables of the moments; the ones it replaces are released here.
    const old = await this.adam.getWeights();
    tf.dispose(old.map((w) => w.tensor));
    await this.adam.setWeights(state);
    tf.dispose(state.map((w) => w.tensor));
  }

  close(): void {
    this.session.close();
  }

  /** A step's feeds: the batch, and Adam's rate and bias corrections at the next iteration (counted here). */
  private stepFeeds(x: Float32Array, y: Float32Array, rows: number): [Out, HostTensor][] {
    const t = this.graph.train;
    this.iterations++;
    return [
      [t.x, host(x, this.batchDims(rows))],
      [t.y, host(y, [rows, y.length / rows])],
      [t.learningRate, host(Float32Array.of(this.adam.learningRate), [])],
      [t.beta1Power, host(Float32Array.of(this.adam.beta1 ** this.iterations), [])],
      [t.beta2Power, host(Float32Array.of(this.adam.beta2 ** this.iterations), [])],
    ];
  }

  private batchDims(rows: number): number[] {
    const shape = this.model.inputs[0]?.shape ?? [];
    return [rows, ...shape.slice(1).map((d) => d as number)];
  }
}
