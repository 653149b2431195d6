import { execFileSync } from 'node:child_process';
import { REPO_ROOT } from './harness';

/**
 * The class each row gets from a model loaded by tfjs's own `loadLayersModel` from `url`, in a plain Node process
 * that loads nothing of Anneal's: what a user of the registered model without Anneal sees.
 */
export function tfjsPredict(o: { url: string; features: Float32Array; width: number }): number[] {
  const script = `
    const tf = require('@tensorflow/tfjs');
    (async () => {
      const { url, rows, d } = JSON.parse(require('fs').readFileSync(0, 'utf8'));
      const model = await tf.loadLayersModel(url);
      process.stdout.write(JSON.stringify(Array.from(model.predict(tf.tensor2d(rows, [rows.length / d, d])).argMax(-1).dataSync())));
    })();`;
  const input = JSON.stringify({ url: o.url, rows: Array.from(o.features), d: o.width });
  return JSON.parse(execFileSync(process.execPath, ['-e', script], { cwd: REPO_ROOT, input, maxBuffer: 1 << 26 }).toString()) as number[];
}
