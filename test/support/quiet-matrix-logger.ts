import type { ICreateClientOpts } from 'matrix-js-sdk';

/** For the tests' own matrix-js-sdk clients: the SDK logs every request; tests read the stand-in's records instead. */
export const quietLogger: NonNullable<ICreateClientOpts['logger']> = {
  trace: () => undefined,
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
  getChild: () => quietLogger,
};
