/**
 * Which columns of an identity table (`identity,<columns>`, e.g. celeb24's `identities.csv`) become a dataset's
 * subgroup `attributes`. A subgroup attribute splits people into a few groups (gender, age group, skin tone); free
 * columns — a name or id with one value per person, a count or measure such as an image count — are not groups, and
 * fairness figures over them are meaningless, so they are left out unless named explicitly.
 * @module
 */

/** A column left out of the attributes, and why. */
export interface LeftOutColumn {
  column: string;
  reason: string;
}

/** The chosen attribute columns and the columns left out. */
export interface AttributeSelection {
  /** Attribute columns, in table order (or in the requested order). */
  names: string[];
  /** Free columns left out by default, in table order. */
  leftOut: LeftOutColumn[];
}

const NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

/**
 * Why a column is a free column rather than a subgroup attribute, or null when it groups people.
 * @param values the column's cells, one per identity row
 * @returns the reason, or null
 */
export function freeColumnReason(values: readonly string[]): string | null {
  const cells = values.map((v) => v.trim()).filter((v) => v !== "");
  if (cells.length === 0) return null;
  if (cells.every((v) => NUMBER.test(v))) return "numeric values (a count or measure, not a group)";
  if (cells.length >= 3 && new Set(cells).size === cells.length) {
    return "one distinct value per identity (a name or id, not a group)";
  }
  return null;
}

/**
 * Chooses the subgroup attribute columns of an identity table.
 * @param columns the table's columns other than `identity`, in order
 * @param rows the table's rows (column → cell)
 * @param requested columns asked for explicitly (kept as asked, free or not); undefined: every column that groups
 * @returns the attribute columns and the free columns left out
 * @example
 * ```ts
 * import { selectAttributeColumns } from "./attributes.ts";
 * const rows = [
 *   { name: "Ann", gender: "F", images: "12" },
 *   { name: "Bob", gender: "M", images: "40" },
 *   { name: "Cy", gender: "M", images: "7" },
 * ];
 * const s = selectAttributeColumns(["name", "gender", "images"], rows);
 * if (s.names.join() !== "gender" || s.leftOut.length !== 2) throw new Error();
 * ```
 */
export function selectAttributeColumns(
  columns: readonly string[],
  rows: readonly Record<string, string | undefined>[],
  requested?: readonly string[],
): AttributeSelection {
  if (requested !== undefined) return { names: [...requested], leftOut: [] };
  const names: string[] = [], leftOut: LeftOutColumn[] = [];
  for (const column of columns) {
    const reason = freeColumnReason(rows.map((r) => r[column] ?? ""));
    if (reason === null) names.push(column);
    else leftOut.push({ column, reason });
  }
  return { names, leftOut };
}
