// A real pre-trained base from a registry package: the Keras-trained MobileNetV2 (224x224x3, inputs in [0, 1], MIT)
// that npm's nsfwjs@4.4.0 ships inside its JavaScript (base64 model.json and uint8-quantized weights). Written out as
// an ordinary TF.js LayersModel folder, for a `file` model source. Nothing is downloaded at run time.
//   node deploy/models/nsfwjs-mobilenet-v2.mjs [folder]     (default .anneal/models/nsfwjs-mobilenet-v2)
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
const SHARD = 'group1-shard1of1.bin';

/** Writes model.json and its one weight file into `folder` (once: an existing folder with the same content stays). */
export async function writeNsfwjsMobileNetV2(folder) {
  const { MobileNetV2Model } = require('nsfwjs/models/mobilenet_v2');
  const json = unwrap(await MobileNetV2Model.modelJson());
  const weights = Buffer.from(unwrap(await MobileNetV2Model.weightBundles[0]()), 'base64');
  const modelJson = Buffer.from(JSON.stringify({ ...json, weightsManifest: json.weightsManifest.map((group) => ({ ...group, paths: [SHARD] })) }));
  const digest = createHash('sha256').update(modelJson).update(weights).digest('hex');
  const stamp = join(folder, 'sha256');
  if (existsSync(stamp) && readFileSync(stamp, 'utf8') === digest) return { folder, sha256: digest };
  // Written beside, then renamed: a half-written folder is never read as a model.
  const tmp = `${folder}.tmp-${process.pid}`;
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(tmp, { recursive: true });
  writeFileSync(join(tmp, 'model.json'), modelJson);
  writeFileSync(join(tmp, SHARD), weights);
  writeFileSync(join(tmp, 'sha256'), digest);
  rmSync(folder, { recursive: true, force: true });
  mkdirSync(dirname(folder), { recursive: true });
  renameSync(tmp, folder);
  return { folder, sha256: digest };
}

/** The package's lazy modules export their value as `default` (a string or an object). */
function unwrap(module) {
  return module && typeof module === 'object' && 'default' in module ? module.default : module;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const folder = resolve(process.argv[2] ?? join(dirname(fileURLToPath(import.meta.url)), '..', '..', '.anneal', 'models', 'nsfwjs-mobilenet-v2'));
  const { sha256 } = await writeNsfwjsMobileNetV2(folder);
  console.log(`nsfwjs MobileNetV2 at ${folder} (sha256 ${sha256})`);
}
