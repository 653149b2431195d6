import * as tf from '@tensorflow/tfjs';
import { ApplicationFailure } from '@temporalio/common';
import type { BackendInfo } from '@anneal/models';
import { tensorflowDevices } from '@anneal/tf-graph';
import { chooseEngine, trainingDevice } from './choose-engine';

const on = (kind: BackendInfo['kind']): BackendInfo => ({
  backend: kind === 'wasm' || kind === 'cpu' ? kind : 'tensorflow',
  kind,
  device: 'test',
  threads: 1,
  skipped: [],
});
const classifier = () => tf.sequential({ layers: [tf.layers.dense({ inputShape: [3], units: 2, activation: 'softmax' })] });
const recurrent = () =>
  tf.sequential({ layers: [tf.layers.simpleRNN({ name: 'rnn', inputShape: [4, 3], units: 2 }), tf.layers.dense({ units: 2, activation: 'softmax' })] });

describe('chooseEngine', () => {
  it('auto takes the graph engine on the native backend, and says why it does not elsewhere', () => {
    expect(chooseEngine({ requested: 'auto', backend: on('tensorflow'), model: classifier() }).engine).toBe('graph');
    expect(chooseEngine({ requested: 'auto', backend: on('wasm'), model: classifier() })).toEqual({
      engine: 'eager',
      reason: 'backend wasm: the graph engine runs on the native tensorflow backend',
    });
    expect(chooseEngine({ requested: 'auto', backend: on('tensorflow-gpu'), model: classifier() }).engine).toBe('eager');
    expect(chooseEngine({ requested: 'auto', backend: on('tensorflow'), model: recurrent() })).toEqual({
      engine: 'eager',
      reason: 'layer rnn (SimpleRNN) has no graph translation',
    });
    expect(chooseEngine({ requested: 'eager', backend: on('tensorflow'), model: classifier() }).engine).toBe('eager');
  });

  it('an explicit graph engine that cannot train the model fails without retries, naming the layer', () => {
    const err = (() => {
      try {
        chooseEngine({ requested: 'graph', backend: on('tensorflow'), model: recurrent() });
      } catch (e) {
        return e;
      }
    })();
    expect(err).toBeInstanceOf(ApplicationFailure);
    expect(err).toMatchObject({
      type: 'ModelIncompatibleError',
      nonRetryable: true,
      message: 'engine graph cannot train this model: layer rnn (SimpleRNN) has no graph translation',
    });
    // On another backend it still runs: the graph engine reads and writes the model's weights whatever holds them.
    expect(chooseEngine({ requested: 'graph', backend: on('wasm'), model: classifier() }).engine).toBe('graph');
  });

  it("names the device that trains: the native backend's GPUs where TensorFlow sees one, else the backend's device", () => {
    expect(trainingDevice(on('wasm'))).toBe('test');
    const devices = tensorflowDevices();
    if (devices instanceof Error) throw devices;
    const gpu = devices.some((d) => d.type === 'GPU');
    expect(trainingDevice(on('tensorflow'))).toMatch(gpu ? /^GPU:0 \(/ : /^test$/);
  });
});
