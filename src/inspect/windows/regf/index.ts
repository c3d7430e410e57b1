export { type BaseBlock, baseBlockChecksum, parseBaseBlock } from "./base-block.js";
export { Hive, openHive, RegistryKey, RegistryValue } from "./hive.js";
export { type DecodedValue, decodeValue, REG, typeName } from "./types.js";
