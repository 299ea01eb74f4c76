/**
 * Testing kit for the HubSpot connector: a simulator of the HubSpot API over real loopback HTTP, for the conformance
 * suite and for hosts that want to test their HubSpot integration without a portal.
 *
 * @packageDocumentation
 */
export {
  startHubSpotSimulator,
  type HubSpotSimulator,
  type HubSpotSimulatorCredentials,
  type HubSpotSimulatorOptions,
  type HubSpotSimulatorWebhooks,
} from './simulator/index.js';
