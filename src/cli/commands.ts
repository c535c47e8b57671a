import type { Command } from './command';
import { serveCommand } from './serve-command';
import { pokeCommand } from './poke-command';
import { loadCommand } from './load-command';
import { upCommand } from './up-command';
import { healthCommand } from './health-command';
import { renderCommand } from './render-command';
import { schemaCommand } from './schema-command';
import { predictCommand } from './predict-command';
import { verifyCommand } from './verify-command';
import { importCommand } from './import-command';
import { generateCommand } from './generate-command';
import { chaosCommand } from './chaos-command';

/**
 * Every `thespian` subcommand, one line each. Command modules load their heavy dependencies
 * inside run(), so that `serve` can start telemetry before anything loads @grpc/grpc-js.
 */
export const COMMANDS: readonly Command[] = [serveCommand, pokeCommand, loadCommand, upCommand, predictCommand, verifyCommand, schemaCommand, healthCommand, renderCommand, generateCommand, importCommand, chaosCommand];
