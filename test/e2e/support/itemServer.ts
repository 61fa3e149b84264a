// In-memory HTTP store for the harness fixture (fixtures/items): FeatBit-like envelope, auth header, request log.
import * as crypto from "node:crypto";
import * as http from "node:http";
import type { AddressInfo } from "node:net";

export interface LoggedRequest {
  method: string;
  path: string;
  status: number;
}

export interface ItemServer {
  url: string;
  token: string;
  items: Map<string, { name: string; value: string }>;
  requests: LoggedRequest[];
  close(): Promise<void>;
}

export async function startItemServer(
  token = `api-${crypto.randomBytes(20).toString("hex")}`,
): Promise<ItemServer> {
  const items = new Map<string, { name: string; value: string }>();
  const requests: LoggedRequest[] = [];
  const server = http.createServer((req, res) => {
    let body = "";
    req.on("data", (c: Buffer) => (body += c.toString("utf8")));
    req.on("end", () => {
      const path = req.url ?? "/";
      const reply = (status: number, data: unknown, errors: string[] = []): void => {
        requests.push({ method: req.method ?? "", path, status });
        res.writeHead(status, { "Content-Type": "application/json" });
        res.end(JSON.stringify({ success: status === 200, errors, data }));
      };
      if (req.headers.authorization !== token) return reply(401, null, ["Unauthorized"]);
      const input = body ? (JSON.parse(body) as { name: string; value: string }) : undefined;
      const m = /^\/items(?:\/([^/]+))?$/.exec(path);
      if (!m) return reply(404, null, ["ResourceNotFound"]);
      const id = m[1];
      if (!id && req.method === "POST" && input) {
        if ([...items.values()].some((i) => i.name === input.name))
          return reply(422, null, ["KeyHasBeenUsed"]);
        const newId = crypto.randomUUID();
        items.set(newId, { name: input.name, value: input.value });
        return reply(200, { id: newId, ...input });
      }
      if (!id && req.method === "GET")
        return reply(
          200,
          [...items.entries()].map(([k, v]) => ({ id: k, ...v })),
        );
      const item = id ? items.get(id) : undefined;
      if (!id || !item) return reply(404, null, ["ResourceNotFound"]);
      if (req.method === "GET") return reply(200, { id, ...item });
      if (req.method === "PUT" && input) {
        items.set(id, { name: input.name, value: input.value });
        return reply(200, { id, ...input });
      }
      if (req.method === "DELETE") {
        items.delete(id);
        return reply(200, true);
      }
      return reply(405, null, ["MethodNotAllowed"]);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    token,
    items,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
