import type * as tf from '@tensorflow/tfjs';
import { ApplicationFailure } from '@temporalio/common';
import { ErrorType, type TrainingEngine } from '@anneal/contracts';
import type { BackendInfo } from '@anneal/models';
import { describeDevices, graphUnsupported, loadAddon, tensorflowDevices } from '@anneal/tf-graph';

export interface EngineChoice {
  engine: 'graph' | 'eager';
  /** Why: logged as an MLflow param so a slower eager run explains itself. */
  reason: string;
}

/**
 * `auto` takes the graph engine on the native backend (the library the graph addon is built against) when
 * every layer has a graph translation. An explicit `graph` that cannot run is an error, never a silent fallback.
 */
export function chooseEngine(o: { requested: TrainingEngine; backend: BackendInfo; model: tf.LayersModel }): EngineChoice {
  if (o.requested === 'eager') return { engine: 'eager', reason: 'requested' };
  // Checked before the addon loads: it would bring a second TensorFlow library into a tfjs-node-gpu or wasm worker.
  if (o.requested === 'auto' && o.backend.kind !== 'tensorflow')
    return { engine: 'eager', reason: `backend ${o.backend.kind}: the graph engine runs on the native tensorflow backend` };
  const addon = loadAddon();
  const unsupported = graphUnsupported(o.model);
  if (o.requested === 'graph') {
    if (addon instanceof Error) throw ApplicationFailure.nonRetryable(`engine graph is not available: ${addon.message}`, ErrorType.BackendUnavailable);
    if (unsupported) throw ApplicationFailure.nonRetryable(`engine graph cannot train this model: ${unsupported}`, ErrorType.ModelIncompatible);
    return { engine: 'graph', reason: 'requested' };
  }
  if (addon instanceof Error) return { engine: 'eager', reason: addon.message };
  if (unsupported) return { engine: 'eager', reason: unsupported };
  return { engine: 'graph', reason: 'auto: native TensorFlow, every layer translated' };
}

/**
 * Where this worker trains, for the run's `device` param: on the native backend, the GPUs its TensorFlow places ops
 * on (the GPU build, where CUDA loads and a GPU is visible), else the backend's own description (the CPU's model).
 */
export function trainingDevice(backend: BackendInfo): string {
  if (backend.kind !== 'tensorflow') return backend.device;
  const devices = tensorflowDevices();
  if (devices instanceof Error || !devices.some((d) => d.type === 'GPU')) return backend.device;
  return describeDevices(devices);
}
