/**
 * The photo pipeline: decode → EXIF → detect faces and people → associate → align → embed (ONNX
 * Runtime) → unclear score → moments → dataset. `embedImages()` runs it all.
 * @module
 */
export * from "./align/similarity.ts";
export * from "./associate.ts";
export * from "./detect/nms.ts";
export * from "./detect/ultraface.ts";
export * from "./detect/yolox.ts";
export * from "./detect/yunet.ts";
export * from "./embed/embedder.ts";
export * from "./embed_images.ts";
export * from "./image/decode.ts";
export * from "./image/exif.ts";
export * from "./image/tensor.ts";
export * from "./models.ts";
export * from "./moments.ts";
export * from "./onnx/backends.ts";
export * from "./onnx/graph.ts";
export * from "./onnx/protobuf.ts";
export * from "./progress.ts";
export * from "./quality.ts";
