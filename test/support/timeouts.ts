// Per-tier time-outs (jest 29 has no per-project testTimeout option).
const tier = expect.getState().testPath ?? '';
jest.setTimeout(tier.endsWith('.e2e-spec.ts') ? 180_000 : tier.endsWith('.int-spec.ts') ? 60_000 : 15_000);
