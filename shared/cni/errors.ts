// CNI error codes (spec 1.1 "Error" section) and the one error type skel knows how to print.
// Lower layers throw their own error classes; skel maps them (see toCniError in skel.ts).

export const ErrorCode = {
  IncompatibleVersion: 1,
  UnsupportedField: 2,
  UnknownContainer: 3,
  InvalidEnvironment: 4,
  IOFailure: 5,
  DecodingFailure: 6,
  InvalidConfig: 7,
  InvalidNetns: 8,
  TryAgainLater: 11,
  PluginNotAvailable: 50,
  PluginNotAvailableLimited: 51,
  Internal: 999,
} as const;

export type ErrorCodeValue = (typeof ErrorCode)[keyof typeof ErrorCode] | number;

/** An error printed to stdout as `{cniVersion, code, msg, details}` with a non-zero exit. */
export class CniError extends Error {
  constructor(
    readonly code: ErrorCodeValue,
    readonly msg: string,
    readonly details: string = "",
  ) {
    super(details ? `${msg}: ${details}` : msg);
    this.name = "CniError";
  }

  toJSON(cniVersion: string): Record<string, unknown> {
    const out: Record<string, unknown> = { cniVersion, code: this.code, msg: this.msg };
    if (this.details) out.details = this.details;
    return out;
  }
}

export const incompatibleVersion = (msg: string, details = "") =>
  new CniError(ErrorCode.IncompatibleVersion, msg, details);
export const unsupportedField = (msg: string, details = "") => new CniError(ErrorCode.UnsupportedField, msg, details);
export const unknownContainer = (msg: string, details = "") => new CniError(ErrorCode.UnknownContainer, msg, details);
export const invalidEnvironment = (msg: string, details = "") =>
  new CniError(ErrorCode.InvalidEnvironment, msg, details);
export const ioFailure = (msg: string, details = "") => new CniError(ErrorCode.IOFailure, msg, details);
export const decodingFailure = (msg: string, details = "") => new CniError(ErrorCode.DecodingFailure, msg, details);
export const invalidConfig = (msg: string, details = "") => new CniError(ErrorCode.InvalidConfig, msg, details);
export const invalidNetns = (msg: string, details = "") => new CniError(ErrorCode.InvalidNetns, msg, details);
export const tryAgainLater = (msg: string, details = "") => new CniError(ErrorCode.TryAgainLater, msg, details);
export const internalError = (msg: string, details = "") => new CniError(ErrorCode.Internal, msg, details);
