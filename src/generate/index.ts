/**
 * generate/ — `thespian generate`: topologies for scale tests, made from a shape (tiered,
 * scale-free, fan-out, chain), a size and a seed. It plans an acyclic call graph within the
 * instances' hop limit, names the services by role, gives each a behaviour with a realistic mix
 * (latency distributions, concurrent calls, retries, rare failures at the stores) and writes the
 * file with a comment header that says how it was made. Pure: no I/O; the file is read back
 * with topology/'s reader before it is given out.
 */
export { generateTopology, GENERATED_BASE_PORT, type GeneratedTopology } from './generate-topology';
export { commandLineOf } from './topology-header';
export { DEFAULT_DEPTH, MAX_DEPTH, MAX_SERVICES, MAX_VISITS_PER_REQUEST, SHAPE_DESCRIPTIONS, SHAPES, type GenerateOptions, type Shape } from './generate-options';
