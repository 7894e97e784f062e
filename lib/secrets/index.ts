export { seal, unseal, sealedKeyId, SealError } from "./seal";
export { masterKeys, parseMasterKey, masterKeyFile, MasterKeyError, resetMasterKeysForTests } from "./masterKey";
export { PURPOSE } from "./rotate";
