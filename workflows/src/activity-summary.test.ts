import { activitySummary } from './activity-summary';

describe('activitySummary', () => {
  it('names what each kind of activity input is about', () => {
    expect(activitySummary('fineTune', { runName: 'trial 3 full lr=0.003', model: { uri: 'x' } })).toBe('fineTune: trial 3 full lr=0.003');
    expect(activitySummary('moveAlias', { name: 'digits', alias: 'challenger', version: '4' })).toBe('moveAlias: digits@challenger v4');
    expect(activitySummary('registerVersion', { name: 'digits' })).toBe('registerVersion: digits');
    expect(activitySummary('prepareCandidate', { candidate: { kind: 'registry', name: 'base' } })).toBe('prepareCandidate: registry base');
    expect(activitySummary('prepareCandidate', { candidate: { kind: 'scratch', architecture: { kind: 'cnn' } } })).toBe('prepareCandidate: scratch cnn');
    expect(activitySummary('gateChallenger', { challenger: { uri: 'u', version: '8' } })).toBe('gateChallenger: challenger v8');
    expect(activitySummary('splitDataset', { dataset: { uri: 'u', name: 'penguins' } })).toBe('splitDataset: penguins');
    expect(activitySummary('scoreBatch', { model: 'models:/m@champion' })).toBe('scoreBatch: models:/m@champion');
    expect(activitySummary('closeRun', { runId: 'r', status: 'FINISHED' })).toBe('closeRun: FINISHED');
  });

  it('falls back to the activity type, and stays one short line', () => {
    expect(activitySummary('reportSearch', { trials: [] })).toBe('reportSearch');
    expect(activitySummary('x', undefined)).toBe('x');
    expect(activitySummary('fineTune', { runName: 'r'.repeat(500) })).toHaveLength(160);
  });
});
