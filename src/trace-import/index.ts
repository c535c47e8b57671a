/**
 * trace-import/ — `thespian import`: a topology from real traces. It reads Jaeger's JSON, OTLP or
 * Tempo JSON (with verify's readers) and `thespian up --json` span lines, checks every trace
 * (one root, no parent loops, no spans twice), merges the traces into one model of services,
 * operations and steps (what ran together, how long each step took, where failures began), fits
 * latencies and failure chances to it, and writes the topology file. Pure apart from its input:
 * the CLI reads the files and writes the result.
 */
export { importTraces, type ImportResult, type TraceFileText } from './import-traces';
export { ImportError } from './import-error';
