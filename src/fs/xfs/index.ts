export { isXfs } from "./superblock.js";
export { openXfs, XfsTree } from "./tree.js";
