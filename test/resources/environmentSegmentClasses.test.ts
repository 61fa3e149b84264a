// The Pulumi classes: type tokens, declared outputs and secret SDK keys, checked against Pulumi's mock monitor.
import * as pulumi from "@pulumi/pulumi";
import { Environment } from "../../provider/resources/environment";
import { Segment } from "../../provider/resources/segment";

interface Registered {
  type: string;
  secretOutputs: string[];
}
const registered: Registered[] = [];

interface RegisterRequest {
  getType(): string;
  getAdditionalsecretoutputsList(): string[];
}
type Monitor = { registerResource(req: RegisterRequest, callback: unknown): void };

beforeAll(async () => {
  await pulumi.runtime.setMocks(
    {
      newResource: (args) => ({ id: `${args.name}-id`, state: args.inputs }),
      call: (args) => args.inputs,
    },
    "project",
    "stack",
    false,
  );
  // The mock monitor ignores resource options: record the ones that matter here before it sees the request.
  const monitor = pulumi.runtime.getMonitor() as unknown as Monitor;
  const register = monitor.registerResource.bind(monitor);
  monitor.registerResource = (req, callback) => {
    registered.push({ type: req.getType(), secretOutputs: req.getAdditionalsecretoutputsList() });
    register(req, callback);
  };
});

const value = <T>(output: pulumi.Output<T>) => new Promise<T>((resolve) => output.apply(resolve));

test("Environment registers its token and marks the SDK keys secret", async () => {
  const env = new Environment(
    "staging",
    { projectId: "0f2c6a1d-0000-4000-8000-000000000000", key: "staging", name: "Staging" },
    { additionalSecretOutputs: ["name"] },
  );
  expect(await value(env.urn)).toContain("pulumi-nodejs:dynamic/featbit:Environment");
  const entry = registered.find((r) => r.type === "pulumi-nodejs:dynamic/featbit:Environment");
  expect(entry?.secretOutputs.sort()).toEqual(["clientKey", "name", "serverKey"]);
  expect(pulumi.Output.isInstance(env.serverKey)).toBe(true);
  expect(pulumi.Output.isInstance(env.clientKey)).toBe(true);
  expect(await value(env.key)).toBe("staging");
});

test("Segment registers its token and declares its outputs", async () => {
  const segment = new Segment("beta", {
    environmentId: "0f2c6a1d-0000-4000-8000-000000000000",
    key: "beta",
    name: "Beta",
    rules: [{ name: "Staff", conditions: [{ property: "email", op: "EndsWith", value: "@example.com" }] }],
  });
  expect(await value(segment.urn)).toContain("pulumi-nodejs:dynamic/featbit:Segment");
  for (const output of [
    segment.segmentId,
    segment.scope,
    segment.included,
    segment.tags,
    segment.description,
  ]) {
    expect(pulumi.Output.isInstance(output)).toBe(true);
  }
  expect(await value(segment.name)).toBe("Beta");
});
