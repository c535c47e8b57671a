import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseTargetAddress } from '../../src/traffic/target-address';

test('addresses as people type them', () => {
  assert.deepEqual(parseTargetAddress('7100'), { address: '127.0.0.1:7100', host: '127.0.0.1', port: 7100, tls: false });
  assert.deepEqual(parseTargetAddress('shop:8080'), { address: 'shop:8080', host: 'shop', port: 8080, tls: false });
  assert.deepEqual(parseTargetAddress('http://localhost:7100/'), { address: 'localhost:7100', host: 'localhost', port: 7100, tls: false });
  assert.deepEqual(parseTargetAddress('https://api.example:443'), { address: 'api.example:443', host: 'api.example', port: 443, tls: true });
  assert.deepEqual(parseTargetAddress('[::1]:7100'), { address: '[::1]:7100', host: '[::1]', port: 7100, tls: false });
});

test('addresses that cannot be right, each with the reason', () => {
  assert.throws(() => parseTargetAddress('localhost'), /expected HOST:PORT or a port number/);
  assert.throws(() => parseTargetAddress('0'), /port must be a number from 1 to 65535/);
  assert.throws(() => parseTargetAddress('::1:7100'), /expected HOST:PORT/);
  assert.throws(() => parseTargetAddress('http://host:1/path'), /without a path/);
  assert.throws(() => parseTargetAddress('grpc://host:1'), /only http:\/\/ or https:\/\//);
});
