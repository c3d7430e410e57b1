export { isVfat } from "./boot.js";
export { openVfat, VfatTree } from "./tree.js";
