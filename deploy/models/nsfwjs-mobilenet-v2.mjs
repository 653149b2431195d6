// Real pre-trained bases from a registry package, npm's nsfwjs@4.4.0 (MIT), which ships its models inside its
// JavaScript (base64 model.json and uint8-quantized weights). Written out as ordinary TF.js model folders:
//   mobilenet_v2      the Keras-trained MobileNetV2 (224x224x3, inputs in [0, 1]), a LayersModel for a `file` source;
//   mobilenet_v2_mid  TF Hub's MobileNetV2 image feature vector with a dense head, a GraphModel for a `graph` source.
// Nothing is downloaded at run time.
//   node deploy/models/nsfwjs-mobilenet-v2.mjs [folder] [mobilenet_v2 | mobilenet_v2_mid]
//   (default folder .anneal/models/nsfwjs-mobilenet-v2, or .anneal/models/nsfwjs-mobilenet-v2-mid)
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
const SHARD = 'group1-shard1of1.bin';
const VARIANTS = {
  mobilenet_v2: { module: 'nsfwjs/models/mobilenet_v2', exported: 'MobileNetV2Model', folder: 'nsfwjs-mobilenet-v2' },
  mobilenet_v2_mid: { module: 'nsfwjs/models/mobilenet_v2_mid', exported: 'MobileNetV2MidModel', folder: 'nsfwjs-mobilenet-v2-mid' },
};

/**
 * Writes model.json and one weight file (its shards joined) into `folder`, once: an existing folder with the same
 * content stays.
 */
export async function writeNsfwjsMobileNetV2(folder, variant = 'mobilenet_v2') {
  const { module, exported } = VARIANTS[variant] ?? usage(`unknown variant ${variant}`);
  const bundle = require(module)[exported];
  const json = parsed(unwrap(await bundle.modelJson()));
  const shards = await Promise.all(bundle.weightBundles.map(async (load) => Buffer.from(unwrap(await load()), 'base64')));
  const weights = Buffer.concat(shards);
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

function parsed(json) {
  return typeof json === 'string' ? JSON.parse(json) : json;
}

function usage(problem) {
  console.error(`${problem}\nusage: node deploy/models/nsfwjs-mobilenet-v2.mjs [folder] [${Object.keys(VARIANTS).join(' | ')}]`);
  process.exit(2);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const variant = process.argv[3] ?? 'mobilenet_v2';
  const name = VARIANTS[variant]?.folder ?? usage(`unknown variant ${variant}`);
  const folder = resolve(process.argv[2] ?? join(dirname(fileURLToPath(import.meta.url)), '..', '..', '.anneal', 'models', name));
  const { sha256 } = await writeNsfwjsMobileNetV2(folder, variant);
  console.log(`nsfwjs ${variant} at ${folder} (sha256 ${sha256})`);
}
