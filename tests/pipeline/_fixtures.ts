/** Fixtures shared by the ingest tests. @module */
import type { PendingObservation } from "../../pipeline/ingest/types.ts";

/** An observation waiting for its embedding, with clear-face cues. */
export function pendingObservation(): PendingObservation {
  return {
    record: {
      asset: "a",
      moment: -1,
      time: NaN,
      lat: NaN,
      lon: NaN,
      identity: "",
      attributes: {},
      faceRow: -1,
      bodyRow: -1,
      faceQuality: NaN,
      faceBox: null,
      bodyBox: null,
      kind: "clear",
    },
    photo: 0,
    cues: { detectorScore: 0.9, faceSize: 100, sharpness: 100, yaw: 0, embeddingNorm: NaN },
  };
}
