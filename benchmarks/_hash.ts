/**
 * Canonical JSON and SHA-256 hashing: the basis of spec hashes, run ids and config ids.
 * @module
 */

/**
 * Serialises a JSON value with object keys sorted recursively, so that equal values give equal text.
 * `undefined` members are dropped (as JSON.stringify does); non-finite numbers are refused.
 * @param value any JSON-compatible value
 * @returns compact canonical JSON
 * @throws {TypeError} on a non-finite number, a function or a bigint
 * @example
 * ```ts
 * import { canonicalJson } from "./_hash.ts";
 * if (canonicalJson({ b: 1, a: [2, { d: 3, c: 4 }] }) !== '{"a":[2,{"c":4,"d":3}],"b":1}') throw new Error();
 * ```
 */
export function canonicalJson(value: unknown): string {
  if (value === null) return "null";
  switch (typeof value) {
    case "number":
      if (!Number.isFinite(value)) throw new TypeError(`Cannot hash a non-finite number: ${value}`);
      return JSON.stringify(value);
    case "string":
    case "boolean":
      return JSON.stringify(value);
    case "object": {
      if (Array.isArray(value)) return `[${value.map((v) => (v === undefined ? "null" : canonicalJson(v))).join(",")}]`;
      const o = value as Record<string, unknown>;
      const keys = Object.keys(o).filter((k) => o[k] !== undefined).sort();
      return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson(o[k])}`).join(",")}}`;
    }
    default:
      throw new TypeError(`Cannot hash a value of type ${typeof value}`);
  }
}

/**
 * SHA-256 of text or bytes, as lowercase hex.
 * @param data UTF-8 text or bytes
 * @returns 64 hex digits
 */
export async function sha256Hex(data: string | Uint8Array): Promise<string> {
  const bytes = typeof data === "string" ? new TextEncoder().encode(data) : data;
  const digest = await crypto.subtle.digest("SHA-256", bytes as Uint8Array<ArrayBuffer>);
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, "0")).join("");
}

/**
 * SHA-256 of the canonical JSON of a value.
 * @param value JSON-compatible value
 * @returns 64 hex digits
 */
export async function hashJson(value: unknown): Promise<string> {
  return await sha256Hex(canonicalJson(value));
}
