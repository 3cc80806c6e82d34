import { defineConfig } from 'vitest/config';

// The docs tools' own unit tests (`pnpm test:examples` runs them first).
export default defineConfig({
  test: { root: import.meta.dirname, include: ['*.test.ts'], dir: import.meta.dirname },
});
