/**
 * The one-line summary a scheduled activity carries (Temporal user metadata), so the Temporal UI's timeline says
 * what each activity did: `fineTune: trial 3 full lr=0.0031`, `moveAlias: digits-5-9@challenger v4`. Read off the
 * activity's input by the fields Anneal's inputs share; an input with none of them shows the activity type alone.
 */
export function activitySummary(activityType: string, input: unknown): string {
  const what = describeInput(isRecord(input) ? input : {});
  return (what ? `${activityType}: ${what}` : activityType).slice(0, MAX_SUMMARY);
}

const MAX_SUMMARY = 160;

function describeInput(i: Record<string, unknown>): string | undefined {
  if (typeof i.runName === 'string') return i.runName;
  if (typeof i.name === 'string') return [i.alias ? `${i.name}@${String(i.alias)}` : i.name, i.version ? `v${String(i.version)}` : ''].join(' ').trim();
  if (isRecord(i.candidate)) return candidateLabel(i.candidate);
  if (isRecord(i.challenger) && i.challenger.version !== undefined) return `challenger v${String(i.challenger.version)}`;
  if (isRecord(i.dataset) && typeof i.dataset.name === 'string') return i.dataset.name;
  if (typeof i.model === 'string') return i.model;
  if (typeof i.status === 'string') return i.status;
  return undefined;
}

function candidateLabel(c: Record<string, unknown>): string {
  const kind = String(c.kind);
  if (typeof c.name === 'string') return `${kind} ${c.name}`;
  if (isRecord(c.architecture)) return `${kind} ${String(c.architecture.kind)}`;
  return kind;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
