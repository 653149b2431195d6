import { deflateSync, inflateSync, strFromU8, strToU8 } from 'fflate';
import type { StudyState } from './adaptive-search';

/**
 * A study's carried state as the bytes its next run starts from: its JSON, deflated. Temporal warns of a payload over
 * 512 KB, and a study carries a row, a suggestion and decisions per trial: at 500 trials (`bench:study-scale`) 588 KB of
 * JSON, which deflates to 105 KB (keys, labels and URIs repeat; ids, digests and scores do not). Carried as its
 * own argument, a `binary/plain` payload, it costs no base64 on the way. fflate: its synchronous deflate is pure
 * JavaScript (the workflow bundle takes its browser build, which has no Node imports), the same bytes on any worker.
 */
export function packState(state: StudyState): Uint8Array {
  return deflateSync(strToU8(JSON.stringify(state)), { level: 6 });
}

export function unpackState(packed: Uint8Array): StudyState {
  return JSON.parse(strFromU8(inflateSync(packed))) as StudyState;
}
