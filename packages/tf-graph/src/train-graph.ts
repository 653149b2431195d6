import type * as tf from '@tensorflow/tfjs';
import { attr, GraphBuilder } from './graph-builder';
import { GraphUnsupportedError, layerOps, unsupportedReason, type LayerOutput } from './layer-ops';
import { DType, type NativeGraph, type Out } from './native';

/** A resource variable with the placeholder and op that set it, and the op that reads it. */
export interface GraphVariable {
  handle: Out;
  read: Out;
  init: { value: Out; op: number };
  shape: number[];
}

export interface ModelVariable extends GraphVariable {
  layerVariable: tf.LayerVariable;
  /** Adam's moments, for the variables that learn. */
  slots?: { m: GraphVariable; v: GraphVariable };
}

/** Handles into a graph with a training step (forward, loss, gradients, Adam) and an inference pass. */
export interface TrainGraph {
  variables: ModelVariable[];
  /** The variables that learn (those with Adam slots), in layer order: model.trainableWeights', which Adam's state follows. */
  learners: ModelVariable[];
  train: { x: Out; y: Out; learningRate: Out; beta1Power: Out; beta2Power: Out; loss: Out; accuracy: Out; step: number };
  evaluate: { x: Out; y: Out; lossSum: Out; correct: Out };
}

export interface TrainGraphOptions {
  model: tf.LayersModel;
  /** Targets are smoothed towards uniform by this much (0 = plain categorical cross-entropy). */
  labelSmoothing: number;
  adam: { beta1: number; beta2: number; epsilon: number };
  seed: number;
}

/** Why `model` cannot be trained as a graph, or undefined when it can. */
export function graphUnsupported(model: tf.LayersModel): string | undefined {
  for (const layer of model.layers) {
    const reason = unsupportedReason(layer);
    if (reason) return reason;
  }
  if (model.inputs.length !== 1 || model.outputs.length !== 1) return 'the graph engine trains models with one input and one output';
  return undefined;
}

/** Writes the model into `graph`: one set of variables, shared by the training step and the inference pass. */
export function buildTrainGraph(graph: NativeGraph, options: TrainGraphOptions): TrainGraph {
  const reason = graphUnsupported(options.model);
  if (reason) throw new GraphUnsupportedError(reason);
  const b = new GraphBuilder(graph);
  const trainable = new Set(options.model.trainableWeights);
  const variables = new Map<tf.LayerVariable, ModelVariable>();
  for (const layer of options.model.layers) {
    for (const w of layer.weights) {
      const v: ModelVariable = { ...newVariable(b, w.shape as number[]), layerVariable: w };
      if (trainable.has(w)) v.slots = { m: newVariable(b, v.shape), v: newVariable(b, v.shape) };
      variables.set(w, v);
    }
  }
  const inputShape = options.model.inputs[0]?.shape ?? [];
  const outputShape = options.model.outputs[0]?.shape ?? [];
  const classes = outputShape[outputShape.length - 1] as number;
  const pass = (training: boolean) => {
    const x = b.placeholder(inputShape.map((d) => d ?? -1));
    const y = b.placeholder([-1, classes]);
    const updates: number[] = [];
    const output = forward(b, { model: options.model, x, training, variables, updates, seed: options.seed });
    if (!output.logits) throw new GraphUnsupportedError('the model does not end in softmax; the graph engine trains classifiers');
    const targets =
      options.labelSmoothing > 0 ? b.binary('AddV2', b.binary('Mul', y, b.scalar(1 - options.labelSmoothing)), b.scalar(options.labelSmoothing / classes)) : y;
    const perRow: Out = [b.op('SoftmaxCrossEntropyWithLogits', [output.logits, targets], { T: attr.type(DType.float) }), 0];
    const correct = b.cast(b.binary('Equal', b.argMax(output.logits), b.argMax(y)), DType.bool, DType.float);
    return { x, y, perRow, correct, updates };
  };

  const t = pass(true);
  const loss = b.binary('AddV2', b.reduce('Mean', t.perRow, [0]), regularization(b, options.model, variables));
  const learningRate = b.placeholder([]);
  const beta1Power = b.placeholder([]);
  const beta2Power = b.placeholder([]);
  const learners = [...variables.values()].filter((v) => v.slots);
  const grads =
    learners.length > 0
      ? b.graph.gradients(
          [loss],
          learners.map((v) => v.read),
        )
      : [];
  const { beta1, beta2, epsilon } = options.adam;
  // ResourceApplyAdam adds epsilon to sqrt(v) before the bias correction, tfjs after it: epsilon * sqrt(1 - beta2^t)
  // here is tfjs's update exactly (it matters for a weight whose gradients are tiny, such as a rarely seen token's).
  const adamEpsilon = b.binary('Mul', b.scalar(epsilon), b.out('Sqrt', [b.binary('Sub', b.scalar(1), beta2Power)], { T: attr.type(DType.float) }));
  const applies = learners.flatMap((v, i) => {
    const grad = grads[i];
    if (!grad || !v.slots) return []; // a weight the loss does not reach
    return [
      b.op(
        'ResourceApplyAdam',
        [v.handle, v.slots.m.handle, v.slots.v.handle, beta1Power, beta2Power, learningRate, b.scalar(beta1), b.scalar(beta2), adamEpsilon, grad],
        { T: attr.type(DType.float), use_locking: attr.bool(false), use_nesterov: attr.bool(false) },
      ),
    ];
  });
  const step = b.group([...applies, ...t.updates]);

  const e = pass(false);
  return {
    variables: [...variables.values()],
    learners,
    train: { x: t.x, y: t.y, learningRate, beta1Power, beta2Power, loss, accuracy: b.reduce('Mean', t.correct, [0]), step },
    evaluate: { x: e.x, y: e.y, lossSum: b.reduce('Sum', e.perRow, [0]), correct: b.reduce('Sum', e.correct, [0]) },
  };
}

/** A layer's weight by its role (kernel, bias, gamma, moving_mean, ...): the last part of its original name. */
function variableOf(variables: Map<tf.LayerVariable, ModelVariable>, layer: tf.layers.Layer, role: string): ModelVariable | undefined {
  const weight = layer.weights.find((w) => w.originalName.split('/').pop() === role);
  return weight ? variables.get(weight) : undefined;
}

function newVariable(b: GraphBuilder, shape: number[]): GraphVariable {
  const handle = b.variable(shape);
  const value = b.placeholder(shape);
  return { handle, read: b.read(handle), init: { value, op: b.assign(handle, value) }, shape };
}

/** The model's layers in order, each applied to the outputs of the layers feeding it. */
function forward(
  b: GraphBuilder,
  o: { model: tf.LayersModel; x: Out; training: boolean; variables: Map<tf.LayerVariable, ModelVariable>; updates: number[]; seed: number },
): LayerOutput {
  const done = new Map<number, LayerOutput>();
  const input = o.model.inputs[0] as tf.SymbolicTensor;
  done.set(input.id, { out: o.x });
  let dropouts = 0;
  const visit = (t: tf.SymbolicTensor): LayerOutput => {
    const known = done.get(t.id);
    if (known) return known;
    if (t.inputs.length === 0) throw new GraphUnsupportedError(`tensor ${t.name} is neither the model's input nor a layer's output`);
    const layer = t.sourceLayer;
    const variable = (role: string) => variableOf(o.variables, layer, role);
    const out = layerOps(
      layer,
      t.inputs.map((i) => visit(i).out),
      {
        b,
        training: o.training,
        weight: (role) => variable(role)?.read,
        updates: { handleOf: (role) => (variable(role) as ModelVariable).handle, ops: o.updates },
        seed: o.seed + 2 * dropouts++,
      },
    );
    done.set(t.id, out);
    return out;
  };
  return visit(o.model.outputs[0] as tf.SymbolicTensor);
}

/** Which weight each regularizer of a layer's config penalizes. */
const REGULARIZED: Record<string, string> = {
  kernelRegularizer: 'kernel',
  depthwiseRegularizer: 'depthwise_kernel',
  pointwiseRegularizer: 'pointwise_kernel',
  biasRegularizer: 'bias',
  gammaRegularizer: 'gamma',
  betaRegularizer: 'beta',
};

/** The weights' L1/L2 penalties, as tfjs adds them to the training loss (any layer, any weight a regularizer names). */
function regularization(b: GraphBuilder, model: tf.LayersModel, variables: Map<tf.LayerVariable, ModelVariable>): Out {
  let total = b.scalar(0);
  for (const layer of model.layers) {
    const layerConfig = layer.getConfig() as Record<string, { className: string; config: { l1?: number; l2?: number } } | null | undefined>;
    for (const [key, role] of Object.entries(REGULARIZED)) {
      const config = layerConfig[key];
      if (!config) continue;
      if (config.className !== 'L1L2') throw new GraphUnsupportedError(`layer ${layer.name}: ${key} ${config.className}`);
      const weight = variableOf(variables, layer, role);
      if (!weight) continue;
      const { l1 = 0, l2 = 0 } = config.config;
      if (l2 > 0) total = b.binary('AddV2', total, b.binary('Mul', b.scalar(l2), b.total(b.unary('Square', weight.read))));
      if (l1 > 0) total = b.binary('AddV2', total, b.binary('Mul', b.scalar(l1), b.total(b.unary('Abs', weight.read))));
    }
  }
  return total;
}
