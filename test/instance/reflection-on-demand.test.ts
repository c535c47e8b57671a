// An instance loads gRPC reflection on the first reflection call, not at start (issue 14: about
// 1.9 MB of idle RSS per instance). These check that it is not loaded before it is needed, that
// the first call is answered all the same, and that bytes it cannot decode get an error status
// rather than taking the instance down. (operations.test.ts checks both versions' answers.)
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as grpc from '@grpc/grpc-js';
import { callMethod } from '../support/instance-process';
import { modulesLoadedAfter } from '../support/loaded-modules';

const LIST_SERVICES_V1 = '/grpc.reflection.v1.ServerReflection/ServerReflectionInfo';
/** A ServerReflectionRequest with list_services = "" (field 7, length 0), encoded by hand. */
const LIST_SERVICES_REQUEST = Buffer.from([0x3a, 0x00]);
/** Field 1 with wire type 7, which protobuf does not have: no decoder accepts it. */
const UNDECODABLE = Buffer.from([0x0f, 0xff, 0xff]);

/** Sends raw messages on one reflection stream; resolves to the raw answers and the call's status. */
function reflect(address: string, requests: Buffer[]): Promise<{ answers: Buffer[]; status: grpc.StatusObject }> {
  const client = new grpc.Client(address, grpc.credentials.createInsecure());
  // A deadline, so that a stream the instance never finishes fails the test instead of hanging it.
  const stream = client.makeBidiStreamRequest(LIST_SERVICES_V1, (message: Buffer) => message, (bytes: Buffer) => bytes, new grpc.Metadata(), { deadline: Date.now() + 10_000 });
  const answers: Buffer[] = [];
  return new Promise((resolve) => {
    stream.on('data', (answer: Buffer) => answers.push(answer));
    stream.on('error', () => {}); // the status below says it
    stream.on('status', (status: grpc.StatusObject) => {
      client.close();
      resolve({ answers, status });
    });
    for (const request of requests) stream.write(request);
    stream.end();
  });
}

const isReflection = (file: string) => file.includes('@grpc/reflection');

test('an instance that is never asked for reflection does not load it', async () => {
  const loaded = await modulesLoadedAfter(async (instance) => {
    assert.equal((await callMethod(instance.address, 'A')).code, 0);
  });
  assert.deepEqual(loaded.filter(isReflection), [], 'modules of @grpc/reflection loaded');
});

test('the first reflection call loads reflection and is answered; bytes it cannot decode get INTERNAL, and the instance carries on', async () => {
  const loaded = await modulesLoadedAfter(async (instance) => {
    const first = await reflect(instance.address, [LIST_SERVICES_REQUEST]);
    assert.equal(first.status.code, grpc.status.OK, first.status.details);
    assert.equal(first.answers.length, 1);
    assert.ok(first.answers[0].toString('latin1').includes('thespian.Thespian'), 'the list of services names thespian.Thespian');

    const garbled = await reflect(instance.address, [UNDECODABLE]);
    assert.equal(garbled.status.code, grpc.status.INTERNAL, garbled.status.details);
    assert.equal((await reflect(instance.address, [LIST_SERVICES_REQUEST])).answers.length, 1, 'reflection still answers');
    assert.equal((await callMethod(instance.address, 'A')).code, 0, 'and so does A');
  });
  assert.ok(loaded.some(isReflection), 'the reflection call loaded @grpc/reflection');
});
