import { excerpt, redact, REDACTED } from "../../provider/client/redact";
import { TOKEN } from "./helpers";

describe("redact", () => {
  test("removes the configured secret wherever it appears", () => {
    const out = redact(`token=${TOKEN}; again ${TOKEN}`, [TOKEN]);
    expect(out).toBe(`token=${REDACTED}; again ${REDACTED}`);
  });

  test("removes token-shaped, JWT-shaped and header-shaped credentials it was not told about", () => {
    const other = "api-ZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZ";
    const jwt = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjMifQ.c2lnbmF0dXJl";
    const out = redact(`a ${other} b Bearer ${jwt} c Authorization: secretvalue d`);
    expect(out).not.toContain(other);
    expect(out).not.toContain(jwt);
    expect(out).not.toContain("secretvalue");
    expect(out).toContain(`Bearer ${REDACTED}`);
  });

  test("leaves ordinary text, short api- words and empty secrets alone", () => {
    expect(redact("see api-docs for project p1", [""])).toBe("see api-docs for project p1");
  });

  test("a longer secret containing a shorter one is fully hidden", () => {
    expect(redact("xx-abcdef-yy", ["abc", "xx-abcdef"])).toBe(`${REDACTED}-yy`);
  });
});

describe("excerpt", () => {
  test("prefers the HTML title, drops markup and control characters, and truncates", () => {
    const html = "<html><head><title>502 Bad\nGateway</title></head><body><h1>nginx</h1></body></html>";
    expect(excerpt(html)).toBe("502 Bad Gateway");
    expect(excerpt("<p>a\u0000b</p>   c")).toBe("a b c");
    expect(excerpt("x".repeat(500), [], 10)).toBe(`${"x".repeat(10)}…`);
  });

  test("redacts before truncating so a cut cannot expose a token prefix", () => {
    const out = excerpt(`${"y".repeat(5)} ${TOKEN}`, [], 20);
    expect(out).not.toContain(TOKEN.slice(0, 12));
  });
});
