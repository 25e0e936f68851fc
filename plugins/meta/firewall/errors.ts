// Maps the firewall layer's typed errors to CNI errors: a value refused by the firewall layer is invalid
// config (7); anything else passes to skel (FirewallError / FirewallCheckError: 999, as the reference).
import { invalidConfig } from "../../../shared/cni/errors.ts";
import { FirewallInputError } from "../../../shared/firewall/nft-text.ts";

/** Runs fn, rethrowing a FirewallInputError as error 7. */
export function mapped<T>(fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    throw e instanceof FirewallInputError ? invalidConfig(e.message) : e;
  }
}
