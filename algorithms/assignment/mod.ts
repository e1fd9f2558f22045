/** Assignment: recognise queries as gallery persons or unknown (centroid, exemplar, knn, sparse, crc). @module */
export * from "./cholesky.ts";
export * from "./lasso/mod.ts";
export * from "./methods.ts";
