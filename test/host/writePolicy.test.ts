// How hard the provider writes (provider/host/host.ts, writePolicy): the figures every resource's writes run under.
// A late-landing window of 0 would send a timed-out create again while the first is still on its way (a duplicate
// segment: FeatBit does not refuse a second segment with one key); one send would leave every lost answer failed.
import type { ClientSettings } from "../../provider/client/settings";
import { writePolicy } from "../../provider/host/host";

const settings = (over: Partial<ClientSettings>): ClientSettings => ({
  apiUrl: "http://127.0.0.1:5000/api/v1",
  accessToken: "api-test",
  maxRetries: 5,
  httpTimeoutSeconds: 30,
  maxConcurrency: 4,
  allowInsecureHttp: false,
  ...over,
});

test.each([
  [0, 1],
  [5, 6],
  [10, 11],
])("maxRetries %i: each write is sent %i times at most", (maxRetries, sends) => {
  expect(writePolicy(settings({ maxRetries })).sends).toBe(sends);
});

test.each([
  [1, 10_000],
  [5, 10_000],
  [12, 24_000],
  [30, 60_000],
  [300, 60_000],
])(
  "a write that timed out after %i s is given %i ms to land: twice the client's patience, 10 to 60 s",
  (httpTimeoutSeconds, ms) => {
    expect(writePolicy(settings({ httpTimeoutSeconds })).lateLandingMs).toBe(ms);
  },
);

test("read-backs are spaced out and really wait", async () => {
  jest.useFakeTimers();
  try {
    const policy = writePolicy(settings({}));
    expect(policy.pollMs).toBeGreaterThan(0);
    expect(policy.pollMs).toBeLessThan(policy.lateLandingMs);
    let done = false;
    const slept = policy.sleep(policy.pollMs).then(() => (done = true));
    await jest.advanceTimersByTimeAsync(policy.pollMs - 1);
    expect(done).toBe(false);
    await jest.advanceTimersByTimeAsync(1);
    await slept;
    expect(done).toBe(true);
  } finally {
    jest.useRealTimers();
  }
});
