/**
 * A listing as the sharing guide's publishing template lays it out (source B, "Publishing shared
 * AMIs": AMI ID; "About this AMI" with publisher and URL, key features, description, daemons /
 * services; "What's New?" with the date and the notes), plus the Marketplace's own sections
 * (usage instructions, external dependencies, data collection). HTML to paste where the listing
 * is published; every value escaped.
 */
import { type Listing, packageCountText, portText } from "../policy/listing/listing.js";
import { htmlEscape as h } from "./html-escape.js";

const items = (list: readonly string[]) => list.map((i) => `<li>${h(i)}</li>`).join("");

export function renderListingHtml(l: Listing): string {
  const url = /^https?:\/\//i.test(l.publisher.url) ? l.publisher.url : "";
  const out = [
    `<strong>AMI ID: </strong>${h(l.imageId)}<br />`,
    `<strong>AMI Name: </strong>${h(l.name)}${l.version ? ` (version ${h(l.version)})` : ""}<br />`,
    `<strong>OS: </strong>${h([l.os.name, l.os.version].filter((s) => s !== "").join(" "))}${l.architecture ? `, ${h(l.architecture)}` : ""}<br />`,
    "<h2>About this AMI</h2>",
    "<ul>",
    `<li>Published by ${h(l.publisher.name)}${url ? ` (<a href="${h(url)}">${h(url)}</a>)` : ""}.</li>`,
    ...(l.keyFeatures.length > 0 ? [`<li>Key features:<ul>${items(l.keyFeatures)}</ul></li>`] : []),
    `<li>${h(l.description)}</li>`,
    `<li>This image contains the following daemons / services:<ul>${items(l.services)}</ul></li>`,
    ...(l.listeningPorts.length > 0
      ? [`<li>It listens on: ${h(l.listeningPorts.map(portText).join(", "))}</li>`]
      : []),
    ...(l.packages ? [`<li>Installed packages: ${h(packageCountText(l.packages))}</li>`] : []),
    "</ul>",
    "<h2>Usage instructions</h2>",
    `<p>${h(l.usageInstructions).replace(/\n/g, "<br />")}</p>`,
  ];
  if (l.externalDependencies.length > 0)
    out.push("<h2>External dependencies</h2>", `<ul>${items(l.externalDependencies)}</ul>`);
  if (l.dataCollection !== "") out.push("<h2>Data collection</h2>", `<p>${h(l.dataCollection)}</p>`);
  out.push(
    "<h2>What's New?</h2>",
    `The following changes were made on ${h(l.releaseNotes.date)}.<br />`,
    `<ul>${items(l.releaseNotes.notes)}</ul>`,
    "",
  );
  return out.join("\n");
}
