import * as tf from '@tensorflow/tfjs';

/**
 * The same architecture with fresh weights: the model rebuilt from its own config, every initializer seeded (by its
 * place in the config) so the baseline is the same in every run. Batch-norm statistics start from 0 and 1.
 */
export async function reinitialize(model: tf.LayersModel, seed: number): Promise<tf.LayersModel> {
  const config = model.toJSON(null, false) as unknown as { class_name: string; config: unknown };
  let next = seed;
  const seeded = JSON.parse(JSON.stringify(config), (_key, value: unknown) => {
    if (value && typeof value === 'object' && 'class_name' in value && 'config' in value) {
      const inner = (value as { config: Record<string, unknown> }).config;
      if (inner && typeof inner === 'object' && 'seed' in inner) inner.seed = next++;
    }
    return value;
  }) as typeof config;
  return tf.models.modelFromJSON({ modelTopology: seeded } as unknown as tf.io.ModelJSON);
}
