// Reads of many objects of one environment at once are answered by one listing (provider/client/listings.ts): when
// it lists, what it answers for, and when it reads alone.
import { EnvironmentListings, type ListingPolicy } from "../../provider/client/listings";

type Item = { key: string; name: string };

const ENV = "0f2c0000-0000-4000-8000-000000000000";

function setup(keys: string[], policy: Partial<ListingPolicy> = {}) {
  const store = new Map(keys.map((k) => [k, { key: k, name: `name of ${k}` }]));
  const calls: string[] = [];
  let now = 0;
  let failListing = false;
  const listings = new EnvironmentListings<Item>(
    async (_envId, pageIndex, pageSize) => {
      calls.push(`list ${pageIndex}`);
      await new Promise((resolve) => setImmediate(resolve));
      if (failListing) throw new Error("500");
      const all = [...store.values()].sort((a, b) => (a.key < b.key ? -1 : 1));
      return { totalCount: all.length, items: all.slice(pageIndex * pageSize, (pageIndex + 1) * pageSize) };
    },
    {
      concurrentReads: 4,
      maxAgeMs: 1000,
      pageSize: 10,
      maxPages: 3,
      now: () => now,
      ...policy,
    },
  );
  const read = (key: string) =>
    listings.read(
      ENV,
      key,
      async () => {
        calls.push(`get ${key}`);
        await new Promise((resolve) => setImmediate(resolve));
        const item = store.get(key);
        return item ? `single ${item.name}` : "absent";
      },
      (item) => `listed ${item.name}`,
    );
  return {
    listings,
    store,
    calls,
    read,
    advance: (ms: number) => void (now += ms),
    failListing: () => void (failListing = true),
  };
}

const keys = (n: number) => Array.from({ length: n }, (_, i) => `flag-${String(i).padStart(2, "0")}`);

test("reads one after another are read alone, however many", async () => {
  const t = setup(keys(10));
  for (const k of keys(10)) await t.read(k);
  expect(t.calls).toEqual(keys(10).map((k) => `get ${k}`));
});

test("many reads in flight together: the first few alone, then one listing answers the rest", async () => {
  const t = setup(keys(20));
  const answers = await Promise.all(keys(20).map((k) => t.read(k)));
  expect(t.calls.filter((c) => c.startsWith("get"))).toEqual(["get flag-00", "get flag-01", "get flag-02"]);
  expect(t.calls.filter((c) => c.startsWith("list"))).toEqual(["list 0", "list 1"]);
  expect(answers.slice(0, 3)).toEqual([
    "single name of flag-00",
    "single name of flag-01",
    "single name of flag-02",
  ]);
  expect(answers.slice(3)).toEqual(
    keys(20)
      .slice(3)
      .map((k) => `listed name of ${k}`),
  );
});

test("the listing answers the reads that follow it, within its age", async () => {
  const t = setup(keys(8));
  await Promise.all(keys(4).map((k) => t.read(k)));
  t.calls.length = 0;
  expect(await t.read("flag-07")).toBe("listed name of flag-07");
  t.advance(1001);
  expect(await t.read("flag-07")).toBe("single name of flag-07");
  expect(t.calls).toEqual(["get flag-07"]);
});

test("a key the listing lacks is read alone (absence is never concluded from a listing)", async () => {
  const t = setup(keys(6));
  await Promise.all(keys(4).map((k) => t.read(k)));
  t.store.set("flag-new", { key: "flag-new", name: "late" });
  expect(await t.read("flag-new")).toBe("single late");
  expect(await t.read("flag-gone")).toBe("absent");
});

test("a key written since the listing began is read alone", async () => {
  const t = setup(keys(6));
  await Promise.all(keys(4).map((k) => t.read(k)));
  t.store.set("flag-05", { key: "flag-05", name: "renamed" });
  t.listings.touched(ENV.toUpperCase(), "flag-05");
  expect(await t.read("flag-05")).toBe("single renamed");
  expect(await t.read("flag-04")).toBe("listed name of flag-04");
});

test("pages beyond maxPages are not listed: their keys are read alone", async () => {
  const t = setup(keys(50));
  const answers = await Promise.all(keys(50).map((k) => t.read(k)));
  expect(t.calls.filter((c) => c.startsWith("list"))).toEqual(["list 0", "list 1", "list 2"]);
  expect(answers[29]).toBe("listed name of flag-29");
  expect(answers[30]).toBe("single name of flag-30");
});

test("a listing that fails sends the reads one by one, without listing again meanwhile", async () => {
  const t = setup(keys(8));
  t.failListing();
  const answers = await Promise.all(keys(8).map((k) => t.read(k)));
  expect(answers).toEqual(keys(8).map((k) => `single name of ${k}`));
  expect(t.calls.filter((c) => c.startsWith("list"))).toEqual(["list 0"]);
});
