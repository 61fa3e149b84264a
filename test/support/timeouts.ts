// One e2e test drives several Pulumi CLI operations (each 3–30 s, more on a loaded machine); the global 120 s
// budget suits every other test but failed e2e tests on two cores shared with other work. A hung CLI is bounded
// by the runner's own backstop (RunFlags.timeoutMs), so this only has to cover slow, not stuck.
const testPath = expect.getState().testPath ?? "";
if (/[\\/]test[\\/]e2e[\\/]/.test(testPath)) jest.setTimeout(15 * 60 * 1000);
