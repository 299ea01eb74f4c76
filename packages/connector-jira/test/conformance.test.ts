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

// The same suite with a scoped API token, which Atlassian serves only through api.atlassian.com/ex/jira/{cloudId}.
describeConnectorConformance({
  name: 'jira',
  title: 'jira (scoped API token)',
  connector: () => jira(),
  simulator: (o) => startJiraSimulator({ ...o, auth: 'scoped_token' }),
  tickets: 250,
});
