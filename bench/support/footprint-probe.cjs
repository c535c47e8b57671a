// Preloaded (node --require) into a server by bench/scale.ts. Records, for each module the main
// script requires directly and for a few big packages, how much RSS and heap the require added
// (its own imports included), and on SIGUSR2 writes that, the count of loaded modules and the
// process's memory now to BENCH_FOOTPRINT_FILE as JSON. Plain JavaScript: no loader of its own to
// weigh in the figures.
const Module = require('node:module');
const { writeFileSync } = require('node:fs');

const WATCHED = ['zod', '@opentelemetry/sdk-node', '@grpc/grpc-js', 'winston', 'winston-loki', '@grpc/reflection', '@opentelemetry/sdk-metrics'];
const imports = [];
const seen = new Set();
const load = Module._load;
Module._load = function (request, parent) {
  const direct = Boolean(parent && parent.id === '.');
  const watched = WATCHED.includes(request) && !seen.has(request);
  if (!direct && !watched) return load.apply(this, arguments);
  seen.add(request);
  const before = process.memoryUsage();
  const loaded = load.apply(this, arguments);
  const after = process.memoryUsage();
  imports.push({ request, from: direct ? 'main' : parent.filename, rssMb: (after.rss - before.rss) / 1e6, heapMb: (after.heapUsed - before.heapUsed) / 1e6 });
  return loaded;
};

process.on('SIGUSR2', () => {
  const memory = process.memoryUsage();
  writeFileSync(
    process.env.BENCH_FOOTPRINT_FILE,
    JSON.stringify({ modules: Object.keys(require.cache).length, imports, rssMb: memory.rss / 1e6, heapUsedMb: memory.heapUsed / 1e6, heapTotalMb: memory.heapTotal / 1e6, externalMb: memory.external / 1e6 }),
  );
});
