/**
 * The embedded OTLP receiver in its own process, so decoding spans does not steal CPU from the
 * benchmark's client. Answers one-line commands on stdin with one JSON line on stdout:
 *   count            → {"spans": N}
 *   clear            → {"spans": 0}
 *   durations NAME   → {"durations": [ms, ...]} of spans called NAME
 */
import { createInterface } from 'node:readline';
import { OtlpTraceReceiver } from '../../src/collector';

async function main() {
  const receiver = await OtlpTraceReceiver.start();
  process.stdout.write(`${JSON.stringify({ message: 'listening', port: receiver.port })}\n`);
  for await (const line of createInterface({ input: process.stdin })) {
    const [command, ...rest] = line.trim().split(' ');
    if (command === 'clear') receiver.clear();
    if (command === 'durations') {
      const name = rest.join(' ');
      const durations = receiver.spans().filter((span) => span.name === name).map((span) => span.durationMs);
      process.stdout.write(`${JSON.stringify({ durations })}\n`);
    } else {
      process.stdout.write(`${JSON.stringify({ spans: receiver.spans().length })}\n`);
    }
  }
  await receiver.close();
}

void main();
