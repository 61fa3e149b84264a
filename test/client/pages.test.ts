import { collectPages, type Paged } from "../../provider/client";

type Item = { id: string };
const items = (...ids: string[]): Item[] => ids.map((id) => ({ id }));

/** A listing served from `pages`, one per call, recording which page indexes were asked for. */
function listing(pages: Paged<Item>[]) {
  const asked: number[] = [];
  const fetchPage = async (pageIndex: number): Promise<Paged<Item>> => {
    asked.push(pageIndex);
    return pages[pageIndex] ?? { totalCount: pages[0]?.totalCount ?? 0, items: [] };
  };
  return { asked, fetchPage };
}

test("collects every page of a stable listing", async () => {
  const { asked, fetchPage } = listing([
    { totalCount: 5, items: items("a", "b") },
    { totalCount: 5, items: items("c", "d") },
    { totalCount: 5, items: items("e") },
  ]);
  expect((await collectPages("things", fetchPage, 2)).map((i) => i.id)).toEqual(["a", "b", "c", "d", "e"]);
  expect(asked).toEqual([0, 1, 2]);
});

test("an empty listing is one request", async () => {
  const { asked, fetchPage } = listing([{ totalCount: 0, items: [] }]);
  expect(await collectPages("things", fetchPage, 2)).toEqual([]);
  expect(asked).toEqual([0]);
});

test.each([
  [
    "the total moves between pages",
    [
      { totalCount: 3, items: items("a", "b") },
      { totalCount: 4, items: items("c", "d") },
    ],
    "3 items, then 4",
  ],
  [
    "an item appears on two pages (something was inserted before it)",
    [
      { totalCount: 3, items: items("a", "b") },
      { totalCount: 3, items: items("b") },
    ],
    "item b appeared twice",
  ],
  [
    "a page ends early",
    [
      { totalCount: 5, items: items("a", "b") },
      { totalCount: 5, items: items("c") },
    ],
    "page 1 ended early",
  ],
  [
    "the listing runs dry before its announced total",
    [
      { totalCount: 3, items: items("a", "b") },
      { totalCount: 3, items: [] },
    ],
    "3 items announced, 2 listed",
  ],
])("refuses a listing where %s", async (_why, pages, detail) => {
  const { fetchPage } = listing(pages);
  await expect(collectPages("segments in environment e1", fetchPage, 2)).rejects.toThrow(
    `the list of segments in environment e1 changed while it was read (${detail}): run the operation again`,
  );
});
