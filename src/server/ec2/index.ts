import {
  disableAllowedImagesSettings,
  enableAllowedImagesSettings,
  getAllowedImagesSettings,
  replaceImageCriteriaInAllowedImagesSettings,
} from "./allowed-images-settings.js";
import type { Ec2Action } from "./context.js";
import { copyImage } from "./copy-image.js";
import { createTags } from "./create-tags.js";
import { deleteTags } from "./delete-tags.js";
import { deregisterImage } from "./deregister-image.js";
import { describeImageAttribute } from "./describe-image-attribute.js";
import { describeImages } from "./describe-images.js";
import { describeTags } from "./describe-tags.js";
import { disableImage } from "./disable-image.js";
import { disableImageDeprecation } from "./disable-image-deprecation.js";
import { disableImageDeregistrationProtection } from "./disable-image-deregistration-protection.js";
import { enableImage } from "./enable-image.js";
import { enableImageDeprecation } from "./enable-image-deprecation.js";
import { enableImageDeregistrationProtection } from "./enable-image-deregistration-protection.js";
import {
  disableImageBlockPublicAccess,
  enableImageBlockPublicAccess,
  getImageBlockPublicAccessState,
} from "./image-block-public-access.js";
import { modifyImageAttribute } from "./modify-image-attribute.js";
import { registerImage } from "./register-image.js";
import { resetImageAttribute } from "./reset-image-attribute.js";

/** Every EC2 action the catalogue answers, sorted by name. */
export const ACTIONS: readonly Ec2Action[] = [
  copyImage,
  createTags,
  deleteTags,
  deregisterImage,
  describeImageAttribute,
  describeImages,
  describeTags,
  disableAllowedImagesSettings,
  disableImage,
  disableImageBlockPublicAccess,
  disableImageDeprecation,
  disableImageDeregistrationProtection,
  enableAllowedImagesSettings,
  enableImage,
  enableImageBlockPublicAccess,
  enableImageDeprecation,
  enableImageDeregistrationProtection,
  getAllowedImagesSettings,
  getImageBlockPublicAccessState,
  modifyImageAttribute,
  registerImage,
  replaceImageCriteriaInAllowedImagesSettings,
  resetImageAttribute,
];

export const ACTIONS_BY_NAME: ReadonlyMap<string, Ec2Action> = new Map(ACTIONS.map((a) => [a.name, a]));
