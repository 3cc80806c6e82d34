/** Every scenario, in table order. */
import type { Scenario } from '../lib/harness';
import { forgedCredentials, pollution } from './app-input';
import { badConfig } from './bad-config';
import { badRequests } from './bad-requests';
import { busFaults } from './bus-faults';
import { clusterKills, clusterReload } from './cluster-faults';
import { forgedForwardedFor, oversized } from './gateway-input';
import { load100, load1000, loadUnshed } from './load';
import { parsers } from './parsers';
import { redisFaults } from './redis-faults';
import { shutdown } from './shutdown';
import { slowReader } from './slow-reader';
import { slowloris } from './slowloris';
import { retryAfterAbuse, upstreamFaults } from './upstream-faults';

export const scenarios: readonly Scenario[] = [
  load100,
  load1000,
  loadUnshed,
  slowloris,
  slowReader,
  upstreamFaults,
  retryAfterAbuse,
  redisFaults,
  clusterKills,
  clusterReload,
  shutdown,
  busFaults,
  badConfig,
  badRequests,
  pollution,
  forgedForwardedFor,
  oversized,
  parsers,
  forgedCredentials,
];
