import type { AlgorithmStep } from './algorithm';
import { fixedWindow } from './fixed-window';
import { gcra } from './gcra';
import type { Algorithm } from './policy';
import { slidingWindow } from './sliding-window';
import { tokenBucket } from './token-bucket';

/** Every algorithm's step, by name. */
export const steps: Readonly<Record<Algorithm, AlgorithmStep>> = Object.freeze({
  'token-bucket': tokenBucket,
  gcra,
  'fixed-window': fixedWindow,
  'sliding-window': slidingWindow,
});
