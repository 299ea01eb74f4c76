import { describeConnectorConformance } from '@ticketbridge/core/conformance';
import { acme, startAcmeSimulator } from '@ticketbridge/core/testing';

// The lead's conformance suite, run against the reference connector and its simulator end to end through the hub.
describeConnectorConformance({ name: 'acme', connector: () => acme(), simulator: (o) => startAcmeSimulator(o) });
