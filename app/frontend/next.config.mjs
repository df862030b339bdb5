// Next.js config: a fully static export (out/) with no image optimisation server.
/** @type {import('next').NextConfig} */
const nextConfig = {
  output: 'export',
  images: { unoptimized: true },
  reactStrictMode: true,
  eslint: { ignoreDuringBuilds: true },
  // The deployer passes a hash of the sources, so the same sources export the same files (an
  // unchanged site uploads nothing). Without it Next.js picks a random build id.
  generateBuildId: async () => process.env.FINTECH_BUILD_ID || null,
};

export default nextConfig;
