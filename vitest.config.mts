import { defineConfig } from 'vitest/config';

export default defineConfig({
  // "source" makes the #proto/#hub/#agent/#kube-sim imports resolve to TypeScript sources.
  // Tests run in vitest's server-side environment, which resolves imports with its own conditions.
  resolve: { conditions: ['source'] },
  ssr: { resolve: { conditions: ['source'] } },
  test: {
    include: ['**/*.spec.ts'],
    exclude: ['node_modules/**', 'dist/**'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // End-to-end suites start servers on loopback; keep files isolated in their own workers.
    pool: 'forks',
    // Starts nothing by itself: provides where the shared real control plane lives once a test asks for it.
    globalSetup: ['test/support/global-setup.ts'],
  },
});
