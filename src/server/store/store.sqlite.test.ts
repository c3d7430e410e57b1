/** The store contract (test/support/store-contract.ts) on SQLite: a data dir per test, connections on one file. */

import { sqliteStores } from "../../../test/support/store.js";
import { storeContract } from "../../../test/support/store-contract.js";
import { lifecycleContract } from "../../../test/support/store-lifecycle-contract.js";
import { uploadSessionContract } from "../../../test/support/upload-session-contract.js";

storeContract(sqliteStores);
lifecycleContract(sqliteStores);
uploadSessionContract(sqliteStores);
