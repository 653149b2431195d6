import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);

// Each case is a fresh Node process (TensorFlow loads once per process and reads its settings then), running the
// built package as a worker does. Integration, not unit: it needs `npm run build`'s dist/.
async function child(script: string, env: Record<string, string> = {}): Promise<{ stdout: string; stderr: string }> {
  const clean = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('TF_')));
  return run(process.execPath, ['-e', script], { env: { ...clean, ...env }, cwd: `${__dirname}/../../..` });
}

const LOAD = `
  const { loadAddon } = require('@anneal/tf-graph');
  const addon = loadAddon();
  if (addon instanceof Error) throw addon;
  new addon.Session(new addon.Graph()).close();
  process.stdout.write(process.env.TF_ENABLE_ONEDNN_OPTS);
`;

describe('loading TensorFlow', () => {
  it("turns oneDNN's kernels on, and its start-up lines show only with TF_CPP_MIN_LOG_LEVEL=0", async () => {
    const quiet = await child(LOAD);
    expect(quiet).toEqual({ stdout: '1', stderr: '' });
    const verbose = await child(LOAD, { TF_CPP_MIN_LOG_LEVEL: '0' });
    expect(verbose.stderr).toMatch(/oneDNN custom operations are on/);
  });

  it('leaves what the user set', async () => {
    const off = await child(LOAD, { TF_ENABLE_ONEDNN_OPTS: '0' });
    expect(off).toEqual({ stdout: '0', stderr: '' });
  });

  it('gives stderr back after a load that throws, and the error reaches the caller', async () => {
    const script = `
      const { writeSync } = require('node:fs');
      const { loadTensorflow } = require('@anneal/tf-graph');
      try {
        loadTensorflow(() => { writeSync(2, 'during the load\\n'); throw new Error('no such library'); });
      } catch (err) {
        writeSync(2, 'after: ' + err.message + '\\n');
      }
    `;
    expect((await child(script)).stderr).toBe('after: no such library\n');
  });
});
