/**
 * The levels of the lines a request's steps write: a step's start at info, a Log step at the
 * level it names, a failure at error where it began. predict expects lines by these levels and
 * verify counts them so. The instance's LOG_LEVEL threshold (config's LogLevel) also takes
 * debug, which no step writes.
 */
export const LINE_LEVELS = ['info', 'warn', 'error'] as const;
export type LineLevel = (typeof LINE_LEVELS)[number];
