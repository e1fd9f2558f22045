/**
 * Subgroup attributes from an identity table: groups only, never free columns such as names or counts.
 */
import { assertEquals } from "../_assert.ts";
import { freeColumnReason, selectAttributeColumns } from "../../datasets/attributes.ts";

Deno.test("selectAttributeColumns keeps grouping columns and leaves out names, ids and counts", () => {
  // celeb24's identities.csv shape: identity,name,gender,images
  const rows = [
    { name: "Barack Obama", gender: "M", images: "252", age_group: "adult", code: "a1" },
    { name: "Drew Barrymore", gender: "F", images: "751", age_group: "adult", code: "b2" },
    { name: "Daniel Radcliffe", gender: "M", images: "109", age_group: "young", code: "c3" },
    { name: "Gwyneth Paltrow", gender: "F", images: "936", age_group: "adult", code: "d4" },
  ];
  const s = selectAttributeColumns(["name", "gender", "images", "age_group", "code"], rows);
  assertEquals(s.names, ["gender", "age_group"]);
  assertEquals(s.leftOut.map((c) => c.column), ["name", "images", "code"]);
  assertEquals(s.leftOut[1]!.reason.includes("numeric"), true);
  assertEquals(s.leftOut[0]!.reason.includes("one distinct value per identity"), true);
});

Deno.test("selectAttributeColumns: columns named explicitly are kept as asked", () => {
  const rows = [{ name: "A", gender: "M" }, { name: "B", gender: "F" }, { name: "C", gender: "F" }];
  assertEquals(selectAttributeColumns(["name", "gender"], rows, ["name"]), { names: ["name"], leftOut: [] });
});

Deno.test("freeColumnReason: repeated categories group; empty cells are ignored; two rows are not an id column", () => {
  assertEquals(freeColumnReason(["F", "M", "", "F"]), null);
  assertEquals(freeColumnReason(["", ""]), null);
  assertEquals(freeColumnReason(["F", "M"]), null);
  assertEquals(freeColumnReason(["1.5", "-2", "3e2"])?.startsWith("numeric"), true);
});
