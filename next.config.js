/** @type {import('next').NextConfig} */
module.exports = {
  // The device repository and API are JSON/DER; no image optimisation needed.
  poweredByHeader: false,
  reactStrictMode: true,
  // `npm test` type-checks the whole repository once (tsc --noEmit); the build need not repeat it.
  typescript: { ignoreBuildErrors: true },
  // node-webcrypto-p11 loads a native PKCS#11 binding (pkcs11js) at run time: never bundled.
  serverExternalPackages: ["better-sqlite3", "@prisma/adapter-better-sqlite3", "node-forge", "node-webcrypto-p11", "graphene-pk11", "pkcs11js"],
  experimental: {
    serverActions: { bodySizeLimit: "1mb" },
  },
};
