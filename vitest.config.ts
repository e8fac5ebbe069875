import { configDefaults, defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // The host-facts recorder runs only when asked (it rewrites fixtures): leaving it out keeps CI at 0 skipped.
    exclude: [...configDefaults.exclude, ...(process.env['OVFPIPE_RECORD_FACTS'] === '1' ? [] : ['test/e2e/record-host-facts.test.ts'])],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: 'forks',
    reporters: ['default'],
  },
});
