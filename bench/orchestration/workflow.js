// The bench's workflow: N activities one after another, each handed the tracking context as Anneal's are.
const { proxyActivities } = require('@temporalio/workflow');

// The same options as Anneal's watched activities: a heartbeat timeout, so the boundary's keep-alive runs.
const { noop } = proxyActivities({ startToCloseTimeout: '1m', heartbeatTimeout: '30s' });

async function chain({ n, tracking }) {
  for (let i = 0; i < n; i++) await noop({ tracking, runName: `noop ${i}` });
}

module.exports = { chain };
