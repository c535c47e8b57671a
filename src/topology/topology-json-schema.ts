import { z } from 'zod';
import { behaviourJsonSchema } from '../config';
import { DNS_LABEL } from './service-name';
import { serviceEntrySchema, topologySchema } from './topology-schema';

type JsonSchema = Record<string, any>;

const OPTIONS = { io: 'input', unrepresentable: 'any', target: 'draft-2020-12' } as const;

/**
 * The JSON Schema of topology files, generated from the zod schema (as behaviourJsonSchema is) so
 * that the two cannot drift apart: example_configs/topology.schema.json, for editors and CI.
 *
 * It is one self-contained file: the behaviour schema's definitions are copied into its `$defs`
 * (`Behaviour`, and the `Function`, `Operation`, `Action` they refer to), and every service's
 * `behaviour` refers to `#/$defs/Behaviour`. A `$ref` to the other file would leave editors and
 * validators to find it, each in their own way. Inside a topology a CallService may name a
 * `service` instead of giving an address, so the copied Action says that too.
 *
 * Thespian checks more than a JSON Schema can say (a step that the service really has, windows
 * that contradict each other, a stage's integral): loading the topology is the last word.
 */
export function topologyJsonSchema(): JsonSchema {
  const { $defs: behaviourDefs, $schema: _draft, $id: _id, title: _title, description: _description, ...behaviour } = behaviourJsonSchema() as JsonSchema;
  const schema: JsonSchema = z.toJSONSchema(topologySchema, OPTIONS);
  schema.properties.services = servicesSchema();
  schema.required = ['services'];
  return {
    ...schema,
    $defs: { ...withServiceReferences(behaviourDefs), Behaviour: { ...behaviour, description: 'A behaviour, as CONFIG_JSON (example_configs/thespian.schema.json).' } },
    $id: 'https://thespian.dev/schemas/topology.json',
    title: 'Thespian topology (thespian up, render, load, predict, verify)',
    description: 'Several services, each with a behaviour, the traffic sent to them, and incidents scheduled from the start of traffic. See docs/up.md.',
  };
}

/** `services` is read through a pipe (an object first, for its own message), so it is said here. */
function servicesSchema(): JsonSchema {
  const { $schema: _draft, ...entry } = z.toJSONSchema(serviceEntrySchema, OPTIONS) as JsonSchema;
  entry.properties.behaviour = { $ref: '#/$defs/Behaviour', description: entry.properties.behaviour.description };
  return {
    type: 'object',
    description: 'The services, by name: a lowercase DNS label, as it becomes a host name in compose and Kubernetes.',
    minProperties: 1,
    propertyNames: { pattern: DNS_LABEL.source },
    additionalProperties: entry,
  };
}

/** The behaviour's Action, where a CallService names a service of the topology or gives an address (not both). */
function withServiceReferences(defs: JsonSchema): JsonSchema {
  const copy: JsonSchema = structuredClone(defs);
  const variant = (copy.Action.anyOf as JsonSchema[]).find((candidate) => candidate.properties?.CallService);
  if (!variant) throw new Error('the behaviour schema has no CallService action');
  const call = variant.properties.CallService;
  call.properties.service = { type: 'string', minLength: 1, description: 'A service of this topology to call, instead of service_address and service_port.' };
  call.required = (call.required as string[]).filter((key) => key !== 'service_address' && key !== 'service_port');
  call.oneOf = [
    { required: ['service'], not: { anyOf: [{ required: ['service_address'] }, { required: ['service_port'] }] } },
    { required: ['service_address', 'service_port'], not: { required: ['service'] } },
  ];
  return copy;
}
