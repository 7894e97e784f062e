export { seal, unseal, sealedKeyId, isCurrentSeal, SealError } from "./seal";
export { masterKeys, parseMasterKey, masterKeyFile, MasterKeyError, resetMasterKeysForTests } from "./masterKey";
export { PURPOSE, sealIssuerKey, unsealIssuerKey, sealCertificateKey, unsealCertificateKey } from "./keys";
