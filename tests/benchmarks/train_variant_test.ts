import { assert, assertEquals } from "../_assert.ts";
import { capture } from "../_cli.ts";
import { sharedTest, tempDir } from "../_shared.ts";
import { main } from "../../cli/main.ts";
import { readResults } from "../../benchmarks/results/store.ts";
import { trainingSubgroupsFigure } from "../../reports/figures/training.ts";

sharedTest(
  "train-head through the harness: two settings, CI-sized; records feed the training-subgroups figure",
  async () => {
    const dir = await tempDir();
    const spec = {
      name: "training-ci",
      description: "CI-sized training runs",
      defaults: { repeats: 1, warmups: 0, seeds: [1], timeout_s: 600 },
      metrics: { bootstrap: 10, confidence: 0.95, fairness: false },
      datasets: { tiny: { preset: "tiny", seed: 1 } },
      experiments: ["baseline-softmax", "margin"].map((name) => ({
        name,
        datasets: ["tiny"],
        stages: {
          embed: {
            variant: "train-head",
            params: {
              loss: name === "margin" ? "arcface" : "softmax",
              per_identity: 5,
              epochs: 1,
              batch: 16,
              bootstrap: 10,
              photos: "",
            },
          },
        },
      })),
    };
    await Deno.writeTextFile(`${dir}/spec.json`, JSON.stringify(spec));
    const r = await capture(() => main(["run", `${dir}/spec.json`, "--out", `${dir}/out`]));
    assertEquals(r.code, 0, r.err);
    const { records } = await readResults(`${dir}/out`);
    assertEquals(records.map((x) => [x.experiment, x.status]), [["baseline-softmax", "ok"], ["margin", "ok"]]);
    for (const rec of records) {
      assert(rec.metrics["verify.auc.worst"]! <= rec.metrics["verify.auc.best"]!);
      assert(rec.curves["train.loss"]!.y.length >= 1);
    }
    const f = trainingSubgroupsFigure(records);
    assertEquals(f.kind, "figure");
  },
);
