// Messages from the provider as Pulumi diagnostics. Pulumi's dynamic-provider host gives its provider no logger, and
// what the process prints to stderr reaches the CLI as undifferentiated text: summaries, `--json` readers and the
// Automation API's event stream never see it as a warning. The engine's own Log service does: the dynamic-provider
// process is started with the engine's address as its first argument, and a message logged there is a diagnostic
// like any `pulumi.log.warn` of a program.
import * as path from "node:path";

export type Severity = "info" | "warning";

/** The engine's LogSeverity numbers (pulumi/proto/pulumi/engine.proto). */
const SEVERITY: Record<Severity, number> = { info: 1, warning: 2 };

interface LogRequest {
  setSeverity(value: number): LogRequest;
  setMessage(value: string): LogRequest;
}
interface EngineClient {
  log(request: LogRequest, callback: (err: Error | null) => void): void;
}
interface EngineModules {
  client: EngineClient;
  request: () => LogRequest;
}

let engine: EngineModules | null | undefined;

/** The engine's address as the native plugin was started with it (its first argument), once it says so. */
let nativeEngine: string | undefined;

/** The native plugin (pulumi-resource-featbit) logs through the engine it was started by. */
export function useEngine(address: string): void {
  nativeEngine = address;
  engine = undefined;
}

/** The engine's address when this process is Pulumi's dynamic-provider host, else undefined (tests, programs). */
export function engineAddress(argv: readonly string[] = process.argv): string | undefined {
  if (nativeEngine !== undefined) return nativeEngine;
  if (!/[\\/]dynamic-provider([\\/]index\.js)?$/.test(argv[1] ?? "")) return undefined;
  const address = argv[2];
  return address && /^[\w.[\]:-]+:\d+$/.test(address) ? address : undefined;
}

function connect(): EngineModules | null {
  const address = engineAddress();
  if (!address) return null;
  try {
    // Loaded from the program's own @pulumi/pulumi, the one whose host started this process.
    const pulumiDir = path.dirname(require.resolve("@pulumi/pulumi/package.json"));
    const load = (id: string): unknown =>
      // eslint-disable-next-line @typescript-eslint/no-require-imports -- modules of the program's own SDK, found at run time
      require(require.resolve(id, { paths: [pulumiDir] }));
    const grpc = load("@grpc/grpc-js") as {
      credentials: { createInsecure(): unknown };
    };
    const services = load("@pulumi/pulumi/proto/engine_grpc_pb.js") as {
      EngineClient: new (address: string, credentials: unknown) => EngineClient;
    };
    const messages = load("@pulumi/pulumi/proto/engine_pb.js") as { LogRequest: new () => LogRequest };
    return {
      client: new services.EngineClient(address, grpc.credentials.createInsecure()),
      request: () => new messages.LogRequest(),
    };
  } catch {
    return null;
  }
}

/**
 * Logs a diagnostic through the engine when there is one, else to stderr (as the CLI shows a provider's stderr).
 * Never throws and never delays the operation that reports it.
 */
export function logDiagnostic(severity: Severity, message: string): void {
  if (engine === undefined) engine = connect();
  if (engine === null) {
    console.warn(`${severity}: ${message}`);
    return;
  }
  const request = engine.request().setSeverity(SEVERITY[severity]).setMessage(message);
  engine.client.log(request, (err) => {
    if (err) console.warn(`${severity}: ${message}`);
  });
}
