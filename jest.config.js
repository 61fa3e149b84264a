/** @type {import('jest').Config} */
module.exports = {
  preset: "ts-jest",
  testEnvironment: "node",
  roots: ["<rootDir>/test"],
  testMatch: ["**/*.test.ts"],
  // The e2e suite drives the real Pulumi CLI; each step can take seconds on two cores.
  testTimeout: 120000,
  transform: {
    "^.+\\.ts$": ["ts-jest", { tsconfig: "tsconfig.json" }],
  },
  // e2e and emulator tests bind loopback ports and spawn processes: two workers fit a 2-core machine.
  maxWorkers: 2,
  reporters: ["default", "<rootDir>/test/support/summaryReporter.js"],
};
