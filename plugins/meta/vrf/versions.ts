// The spec versions vrf speaks (0.3.1 on, as the reference). Its plugin and the registry read this one
// constant: the registry answers VERSION from it without loading the plugin's code. Import nothing else here.
import { versionsFrom } from "../../../shared/cni/spec-versions.ts";

export const VRF_VERSIONS: readonly string[] = versionsFrom("0.3.1");
