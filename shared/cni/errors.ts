// CNI error codes (spec 1.1 "Error" section), the one error type skel prints, and the typed list
// that teardown and rollback collect. Every CniError is built here, through a named factory: no other
// module turns a number into an error code (test/unit/shared/cni/errors.test.ts keeps it so).
// Lower layers throw their own error classes, optionally carrying `cniCode = ErrorCode.X`;
// skel maps them (toCniError in skel.ts) and decides the code of a list (codePrecedence).

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

/** Plugin-specific codes (100 and up), one per plugin error a runtime may act on. */
const PluginErrorCode = {
  /** portmap: a requested host port is already forwarded to another container */
  PortmapHostPortInUse: 100,
  /** dhcp CHECK: the attachment holds no lease (CHECK never allocates one) */
  DhcpNoLease: 101,
  /** dhcp CHECK: the lease was refused (NAK) or expired, or its interface is gone */
  DhcpLeaseLost: 102,
  /** dhcp daemon: a plugin<->daemon protocol version it does not speak */
  DhcpProtocolVersion: 103,
  /** dhcp daemon: a malformed request */
  DhcpBadRequest: 104,
  /** dhcp: the server refused every attempt, or the pod interface cannot be used */
  DhcpFailed: 105,
} as const;

type Codes<T> = T[keyof T];
/** A spec or plugin-specific code, or one a delegated plugin reported (any number it printed). */
export type ErrorCodeValue = Codes<typeof ErrorCode> | Codes<typeof PluginErrorCode> | DelegatedCode;
declare const delegated: unique symbol;
/** A code read from a delegated plugin's error object: only fromErrorObject makes one. */
type DelegatedCode = number & { readonly [delegated]: true };

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

  /** The same code with another text (e.g. a list's combined message). */
  withText(msg: string, details = ""): CniError {
    return new CniError(this.code, msg, details);
  }

  toJSON(cniVersion: string): Record<string, unknown> {
    const out: Record<string, unknown> = { cniVersion, code: this.code, msg: this.msg };
    if (this.details) out.details = this.details;
    return out;
  }
}

export const incompatibleVersion = (msg: string, details = "") =>
  new CniError(ErrorCode.IncompatibleVersion, msg, details);
/** Code 2: a field the plugin cannot honour here; the message names the key and its value (spec). */
export const unsupportedField = (msg: string, details = "") => new CniError(ErrorCode.UnsupportedField, msg, details);
export const unknownContainer = (msg: string, details = "") => new CniError(ErrorCode.UnknownContainer, msg, details);
export const invalidEnvironment = (msg: string, details = "") =>
  new CniError(ErrorCode.InvalidEnvironment, msg, details);
export const ioFailure = (msg: string, details = "") => new CniError(ErrorCode.IOFailure, msg, details);
export const decodingFailure = (msg: string, details = "") => new CniError(ErrorCode.DecodingFailure, msg, details);
export const invalidConfig = (msg: string, details = "") => new CniError(ErrorCode.InvalidConfig, msg, details);
export const invalidNetns = (msg: string, details = "") => new CniError(ErrorCode.InvalidNetns, msg, details);
export const tryAgainLater = (msg: string, details = "") => new CniError(ErrorCode.TryAgainLater, msg, details);
export const pluginNotAvailable = (msg: string, details = "") =>
  new CniError(ErrorCode.PluginNotAvailable, msg, details);
export const internalError = (msg: string, details = "") => new CniError(ErrorCode.Internal, msg, details);

/** portmap's code 100: a host port already forwarded to another container (details name the holders). */
export const hostPortInUse = (msg: string, details = "") =>
  new CniError(PluginErrorCode.PortmapHostPortInUse, msg, details);

export const dhcpNoLease = (msg: string, details = "") => new CniError(PluginErrorCode.DhcpNoLease, msg, details);
export const dhcpLeaseLost = (msg: string, details = "") => new CniError(PluginErrorCode.DhcpLeaseLost, msg, details);
export const dhcpProtocolVersion = (msg: string, details = "") =>
  new CniError(PluginErrorCode.DhcpProtocolVersion, msg, details);
export const dhcpBadRequest = (msg: string, details = "") => new CniError(PluginErrorCode.DhcpBadRequest, msg, details);
export const dhcpFailed = (msg: string, details = "") => new CniError(PluginErrorCode.DhcpFailed, msg, details);

/**
 * A delegated plugin's error object, code kept as it printed it (a positive integer; anything else
 * is 999). fallback replaces an empty msg: a runtime must never see an error without a message.
 */
export function fromErrorObject(code: unknown, msg: string, details: string, fallback: string): CniError {
  const valid = typeof code === "number" && Number.isSafeInteger(code) && code > 0;
  return new CniError(valid ? (code as DelegatedCode) : ErrorCode.Internal, msg || fallback, details);
}

// ---------------------------------------------------------------------------------------------
// Lower-layer errors

/** A lower-layer error that knows its CNI code (e.g. `readonly cniCode = ErrorCode.InvalidEnvironment`). */
interface CodedError extends Error {
  cniCode: ErrorCodeValue;
  cniDetails?: string;
}

function isCodedError(e: unknown): e is CodedError {
  return e instanceof Error && typeof (e as Partial<CodedError>).cniCode === "number";
}

/**
 * An error after which nothing may run (e.g. the thread could not return to the caller's netns, so
 * any further step would act on the wrong node): rollback and teardown rethrow it at once, skel
 * prints it and stops the process.
 */
export class FatalError extends Error {}

/** One error as a CniError: as is; a coded error with its code; anything else 999 with its message. */
export function asCniError(e: unknown): CniError {
  if (e instanceof CniError) return e;
  if (isCodedError(e)) return new CniError(e.cniCode, e.message, e.cniDetails ?? "");
  return internalError(e instanceof Error ? e.message : String(e));
}

/** netavark's wrap: "context: cause" with the cause's code kept (an untyped cause stays 999). */
export function wrapError(context: string, cause: unknown): CniError {
  const e = asCniError(cause);
  return e.withText(`${context}: ${e.msg}`, e.details);
}

// ---------------------------------------------------------------------------------------------
// The typed error list (netavark's error list): teardown and rollback keep going and report all

/** One failed step: what was attempted, the error as thrown, and that error as a CniError. */
export interface StepFailure {
  /** "" for the error that started a rollback */
  readonly step: string;
  readonly cause: unknown;
  readonly error: CniError;
}

/** Every failure of a teardown or rollback, in the order they happened; skel picks the code printed. */
export class StepErrors extends Error {
  constructor(readonly failures: readonly StepFailure[]) {
    super(failures.map(failureText).join("; "));
    this.name = "StepErrors";
  }
}

/** The failures of one step; a nested list is flattened under the step's name. */
export function stepFailures(step: string, cause: unknown): StepFailure[] {
  if (!(cause instanceof StepErrors)) return [{ step, cause, error: asCniError(cause) }];
  return cause.failures.map((f) => ({ ...f, step: [step, f.step].filter(Boolean).join(": ") }));
}

export function failureText(f: StepFailure): string {
  return f.step ? `${f.step}: ${f.error.msg}` : f.error.msg;
}
