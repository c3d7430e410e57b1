import { defineRule } from "../rule.js";

const GENERALIZED = "IMAGE_STATE_GENERALIZE_RESEAL_TO_OOBE";

export default defineRule({
  id: "win-not-generalized",
  title: "Windows image not generalised with Sysprep",
  clauses: ["SHR-6"],
  severity: "high",
  description:
    "An image that was not generalised (ImageState other than IMAGE_STATE_GENERALIZE_RESEAL_TO_OOBE) keeps its SID, its administrator password and machine-specific state; each instance must get a new password at first boot.",
  remediation:
    "Run sysprep through EC2Launch (Shutdown with Sysprep) or sysprep /generalize /oobe /shutdown before creating the image.",
  messages: {
    noImageState: "No sysprep ImageState found; cannot tell whether the image was generalised",
    notGeneralized: "Image state is {{state}}, not generalised by Sysprep",
  },
  facts: ["windows"],
  check({ windows }) {
    if (!windows.isWindows) return [];
    const { imageState, source, stateIni } = windows.sysprep;
    const state = imageState ?? stateIni?.imageState;
    if (state === GENERALIZED) return [];
    if (state === undefined) {
      return [
        {
          path: stateIni?.path ?? source,
          severity: "medium",
          messageId: "noImageState",
        },
      ];
    }
    return [
      {
        path: imageState !== undefined ? source : stateIni?.path,
        messageId: "notGeneralized",
        data: { state },
        evidence: `ImageState=${state}`,
      },
    ];
  },
});
