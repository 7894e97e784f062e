/** @type {import('next').NextConfig} */
module.exports = {
  // The device repository and API are JSON/DER; no image optimisation needed.
  poweredByHeader: false,
  reactStrictMode: true,
  serverExternalPackages: ["better-sqlite3", "@prisma/adapter-better-sqlite3", "node-forge"],
  experimental: {
    serverActions: { bodySizeLimit: "1mb" },
  },
};
