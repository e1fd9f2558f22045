/**
 * Help text written as it prints: a tagged template that drops the source indentation, so a command's
 * `description` is one block of prose instead of an array of quoted lines.
 * @module
 */

/**
 * Dedented multi-line text. The smallest indentation of the template's non-blank lines is removed from every
 * line, as are the first line when it is empty and the last when it holds only spaces. Interpolated values are
 * inserted after dedenting, unchanged (their own line breaks included).
 *
 * @example
 * ```ts
 * import { dedent } from "./help.ts";
 * const items = 3;
 * const help = dedent`
 *   First line, ${items} items.
 *     indented line
 *   last line.
 * `;
 * if (help !== "First line, 3 items.\n  indented line\nlast line.") throw new Error(JSON.stringify(help));
 * ```
 */
export function dedent(strings: TemplateStringsArray, ...values: unknown[]): string {
  let indent = Infinity;
  strings.forEach((part, i) => {
    // A line's indentation: spaces after a line break, up to a visible character or an interpolation (a part
    // that is not the last ends where a value goes; the last part's trailing spaces are the closing line).
    const line = i < strings.length - 1 ? /\n( *)(?=[^\s]|$)/g : /\n( *)(?=[^\s])/g;
    for (const m of part.matchAll(line)) indent = Math.min(indent, m[1]!.length);
  });
  const margin = new RegExp(`\\n {0,${Number.isFinite(indent) ? indent : 0}}`, "g");
  let out = strings[0]!.replace(margin, "\n");
  for (let i = 1; i < strings.length; i++) out += String(values[i - 1]) + strings[i]!.replace(margin, "\n");
  return out.replace(/^\n/, "").replace(/\n *$/, "");
}
