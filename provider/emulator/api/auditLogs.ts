// Audit logs (§4.16): the entries flag and segment changes leave behind.
import { openApi, type Route } from "../router";
import { page } from "../validation";

export const auditLogRoutes: Route[] = [
  openApi("GET", "/api/v1/envs/{envId:guid}/audit-logs", undefined, (ctx) => {
    const { state } = ctx.store;
    const q = ctx.query;
    const text = q.string("query")?.toLowerCase();
    const creatorId = q.string("creatorId");
    const refId = q.string("refId");
    const refType = q.string("refType");
    const from = q.long("from");
    const to = q.long("to");
    const crossEnvironment = q.bool("crossEnvironment") ?? false;
    const found = state.auditLogs
      .filter((a) => {
        const at = Date.parse(a.createdAt);
        return (
          (crossEnvironment || a.envId === ctx.params.envId) &&
          (!text ||
            a.keyword.toLowerCase().includes(text) ||
            (a.comment ?? "").toLowerCase().includes(text)) &&
          (!creatorId || a.creatorId === creatorId.toLowerCase()) &&
          (!refId || a.refId === refId.toLowerCase()) &&
          (!refType || a.refType === refType) &&
          (from === undefined || at >= from) &&
          (to === undefined || at <= to)
        );
      })
      .sort((a, b) => b.createdAt.localeCompare(a.createdAt));
    const paged = page(found, q.int("pageIndex", 0), q.int("pageSize", 10));
    return {
      totalCount: paged.totalCount,
      items: paged.items.map((a) => ({
        id: a.id,
        refId: a.refId,
        refType: a.refType,
        operation: a.operation,
        dataChange: a.dataChange,
        comment: a.comment,
        creatorId: a.creatorId,
        // Operators are access tokens, not users: FeatBit has no name or email for them.
        creatorName: null,
        creatorEmail: null,
        createdAt: a.createdAt,
        instructions: [],
      })),
    };
  }),
];
