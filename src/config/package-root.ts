import { resolve } from 'node:path';

/** The project folder: two levels up from both src/config/ (tsx) and dist/config/ (built). */
export const PACKAGE_ROOT = resolve(__dirname, '..', '..');
export const EXAMPLES_DIR = resolve(PACKAGE_ROOT, 'example_configs');
export const PROTO_DIR = resolve(PACKAGE_ROOT, 'proto');
