/** Every scenario, in table order. */
import type { Scenario } from '../lib/harness';
import { load100, load1000, loadUnshed } from './load';
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
];
