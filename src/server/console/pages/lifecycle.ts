/**
 * The owner's lifecycle forms on an image page: deprecation, disabling and deregistration
 * protection. Each posts to /images/ID/lifecycle and is the EC2 call of the same name
 * (changes.ts), so its limits (the 2-year cap on public images, the protection's cooldown) are the
 * API's, shown as the API words them.
 */
import { isDeprecated } from "../../ec2/deprecation.js";
import { protectionOf } from "../../ec2/protection.js";
import type { Image } from "../../store/types.js";
import { buttonForm, csrfField, h, type Visitor, when } from "../layout.js";

/** What a finished lifecycle change says on the page it returns to (?done=…). */
export const LIFECYCLE_NOTICES: Record<string, string> = {
  "deprecation-set": "The deprecation time is set.",
  "deprecation-cancelled": "The deprecation is cancelled.",
  disabled: "The image is disabled: no one can launch or pull it, and its launch permissions are removed.",
  enabled: "The image is enabled again. It is private: share it again if you want to.",
  protected: "The image is protected from deregistration.",
  unprotected: "The deregistration protection is removed.",
};

function deprecationHtml(v: Visitor, image: Image, action: string, now: Date): string {
  const state = image.deprecationTime
    ? `${isDeprecated(image, now) ? "Deprecated since" : "Deprecated from"} ${when(image.deprecationTime)}. ` +
      "Other accounts no longer find it in their listings unless they ask for deprecated images or name its id."
    : "Not deprecated.";
  const set =
    `<form method="post" action="${h(action)}">${csrfField(v)}<input type="hidden" name="op" value="deprecate">` +
    '<div class="field"><label for="deprecate-at">Deprecate on (UTC)</label>' +
    '<input type="date" id="deprecate-at" name="deprecateAt" required aria-describedby="deprecate-hint">' +
    '<span class="hint" id="deprecate-hint">Public images: at most 2 years after creation.</span></div>' +
    `<button type="submit">${image.deprecationTime ? "Change the date" : "Deprecate"}</button></form>`;
  const cancel = image.deprecationTime
    ? `<div class="actions">${buttonForm(v, action, "Cancel the deprecation", { op: "undeprecate" })}</div>`
    : "";
  return `<h3>Deprecation</h3><p>${state}</p>${set}${cancel}`;
}

function disableHtml(v: Visitor, image: Image, action: string): string {
  if (image.state === "disabled")
    return (
      "<h3>Disabled</h3><p>The image is disabled: it cannot be launched, shared or pulled.</p>" +
      `<div class="actions">${buttonForm(v, action, "Enable", { op: "enable" })}</div>`
    );
  return (
    "<h3>Disable</h3><p>Disabling removes every launch permission (the image becomes private and its " +
    "listing is withdrawn) until you enable it again.</p>" +
    `<div class="actions">${buttonForm(v, action, "Disable", { op: "disable" }, "danger")}</div>`
  );
}

function protectionHtml(v: Visitor, image: Image, action: string, now: Date): string {
  const state = protectionOf(image, now);
  if (state.startsWith("enabled"))
    return (
      `<h3>Deregistration protection</h3><p>On (${h(state)}): DeregisterImage is refused.` +
      (state === "enabled-with-cooldown" ? " Removing it leaves it in force for 24 more hours." : "") +
      "</p>" +
      `<div class="actions">${buttonForm(v, action, "Remove the protection", { op: "unprotect" })}</div>`
    );
  const cooling = state.startsWith("disabled-until ")
    ? ` Its cooldown keeps it protected until ${when(state.slice("disabled-until ".length))}.`
    : "";
  return (
    `<h3>Deregistration protection</h3><p>Off.${cooling}</p>` +
    '<div class="actions">' +
    buttonForm(v, action, "Protect", { op: "protect", withCooldown: "false" }) +
    buttonForm(v, action, "Protect, with a 24-hour cooldown", { op: "protect", withCooldown: "true" }) +
    "</div>"
  );
}

export function lifecycleHtml(v: Visitor, image: Image, now: Date): string {
  const action = `/images/${image.imageId}/lifecycle`;
  return (
    '<h2 id="lifecycle">Lifecycle</h2>' +
    deprecationHtml(v, image, action, now) +
    disableHtml(v, image, action) +
    protectionHtml(v, image, action, now)
  );
}
