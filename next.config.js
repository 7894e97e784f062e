/** @type {import('next').NextConfig} */
module.exports = {
  // The device repository and API are JSON/DER; no image optimisation needed.
  poweredByHeader: false,
  reactStrictMode: true,
  // `npm test` type-checks the whole repository once (tsc --noEmit); the build need not repeat it.
  typescript: { ignoreBuildErrors: true },
  serverExternalPackages: ["better-sqlite3", "@prisma/adapter-better-sqlite3", "node-forge"],
  experimental: {
    serverActions: { bodySizeLimit: "1mb" },
  },
};
