export { ModelRegistry } from './model-registry';
export { AUDIT_EXPERIMENT, aliasHistory, recordDecision } from './audit-trail';
export type { AuditEntry } from './audit-trail';
export { describeVersion, findModelVersion, registeredRef } from './version-tags';
export { createRegistryActivities, registryPlugin } from './registry-activities';
export type { RegistryActivities, RegistryDeps } from './registry-activities';
