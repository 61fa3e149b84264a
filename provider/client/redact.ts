// Scrubs credentials out of any text that may reach a person: error messages, log lines, and
// server-provided text (an HTML error page or a debug proxy can echo request headers back).

export const REDACTED = "[REDACTED]";

// Shapes of credentials worth hiding even when we were not told the exact value: FeatBit access
// tokens ("api-" + ~40 base64 characters), user-session JWTs, and header-looking fragments.
const PATTERNS: ReadonlyArray<[RegExp, string]> = [
  [/api-[A-Za-z0-9_+/=-]{20,}/g, REDACTED],
  [/eyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]*/g, REDACTED],
  [/\b(bearer)\s+[A-Za-z0-9._~+/=-]+/gi, `$1 ${REDACTED}`],
  [/(authorization["']?\s*[:=]\s*["']?)[^\s"',;}]+/gi, `$1${REDACTED}`],
];

/**
 * Replaces every occurrence of the given secrets, and anything shaped like a credential, with
 * "[REDACTED]". Secrets are matched literally; longer ones first so a secret that contains another
 * is not left half-visible.
 */
export function redact(text: string, secrets: readonly string[] = []): string {
  let out = text;
  const literal = secrets.filter((s) => s.length > 0).sort((a, b) => b.length - a.length);
  for (const secret of literal) {
    out = out.split(secret).join(REDACTED);
  }
  for (const [pattern, replacement] of PATTERNS) {
    out = out.replace(pattern, replacement);
  }
  return out;
}

/**
 * A short, single-line, redacted excerpt of a response body for error messages: markup is dropped
 * (a proxy's HTML page is mostly tags), control characters removed, whitespace collapsed.
 */
export function excerpt(body: string, secrets: readonly string[] = [], maxLength = 160): string {
  const title = /<title[^>]*>([\s\S]*?)<\/title>/i.exec(body)?.[1];
  const text = (title ?? body)
    .replace(/<[^>]*>/g, " ")
    // eslint-disable-next-line no-control-regex
    .replace(/[\u0000-\u001f\u007f]+/g, " ")
    .replace(/\s+/g, " ")
    .trim();
  // Redact before truncating, so a cut cannot leave a token prefix too short for the patterns.
  const clean = redact(text, secrets);
  return clean.length > maxLength ? `${clean.slice(0, maxLength)}…` : clean;
}
