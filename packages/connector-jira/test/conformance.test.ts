import { describeConnectorConformance } from '@ticketbridge/core/conformance';
import { jira } from '../src/index.js';
import { startJiraSimulator } from '../src/testing.js';

// 450 issues make five search pages of 100, so "resume after a crash" replays one page, not all.
describeConnectorConformance({
  name: 'jira',
  connector: () => jira(),
  simulator: (o) => startJiraSimulator(o),
  tickets: 450,
});
