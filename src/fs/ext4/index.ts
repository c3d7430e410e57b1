/** Read-only ext2/ext3/ext4 reader (ext4 on-disk format documentation; no code from other projects). */
export { Ext4Tree, isExt, openExt4 } from "./tree.js";
