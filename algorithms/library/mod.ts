/** Incremental library: stable persons across re-clusterings, user constraints, the scripted user. @module */
export * from "./persons.ts";
