// Provider settings that would fail every API call are refused by preview (check), not first at `up`.
import { createHost } from "../../provider/host/host";
import { definitions } from "../../provider/resources/definitions";

const TOKEN = "api-preview0000000000000000000000000000000000";
const good: Record<string, string> = {
  "featbit:apiUrl": "http://localhost:5000",
  "featbit:accessToken": TOKEN,
};

function checkWith(config: Record<string, string | undefined>) {
  const host = createHost(definitions);
  host.configure({ config: { get: (k) => config[k], require: (k) => config[k] ?? "" } });
  return host.provider("Project").check({}, { key: "web", name: "Web" });
}

test("good settings pass", async () => {
  expect((await checkWith(good)).failures).toBeUndefined();
});

test.each([
  ["ftp://", { "featbit:apiUrl": "ftp://featbit.example.com" }, /featbit:apiUrl must start with https:\/\//],
  [
    "credentials in the URL",
    { "featbit:apiUrl": "https://me:pw@featbit.example.com" },
    /must not contain a user name or password/,
  ],
  [
    "plain http to another host",
    { "featbit:apiUrl": "http://featbit.example.com" },
    /plain http to featbit\.example\.com/,
  ],
  ["a Bearer token", { "featbit:accessToken": `Bearer ${TOKEN}` }, /starts with 'Bearer '/],
  ["an empty token", { "featbit:accessToken": "" }, /No FeatBit access token is configured/],
  [
    "maxConcurrency=0",
    { "featbit:maxConcurrency": "0" },
    /featbit:maxConcurrency must be a whole number from 1 to 32/,
  ],
  [
    "maxRetries=many",
    { "featbit:maxRetries": "many" },
    /featbit:maxRetries must be a whole number from 0 to 10/,
  ],
])("%s is refused at preview, naming the setting", async (_what, override, reason) => {
  const saved = { ...process.env };
  // Only the stack config under test: no token or URL from the environment.
  for (const name of ["FEATBIT_API_URL", "FEATBIT_HOST", "FEATBIT_ACCESS_TOKEN", "FEATBIT_TOKEN"])
    delete process.env[name];
  try {
    const { failures } = await checkWith({ ...good, ...override });
    expect(failures).toEqual([{ property: "", reason: expect.stringMatching(reason) }]);
    expect(JSON.stringify(failures)).not.toContain(TOKEN);
  } finally {
    process.env = saved;
  }
});
