/** @type {import('jest').Config} */
module.exports = {
  preset: "ts-jest",
  testEnvironment: "node",
  roots: ["<rootDir>/test"],
  testMatch: ["**/*.test.ts"],
  // Unit and emulator tests; e2e tests get longer (see test/support/timeouts.ts).
  testTimeout: 120000,
  setupFilesAfterEnv: ["<rootDir>/test/support/timeouts.ts"],
  transform: {
    "^.+\\.ts$": ["ts-jest", { tsconfig: "tsconfig.json" }],
  },
  // e2e and emulator tests bind loopback ports and spawn processes: two workers fit a 2-core machine.
  maxWorkers: 2,
  reporters: ["default", "<rootDir>/test/support/summaryReporter.js"],
};
