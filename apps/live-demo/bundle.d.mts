/** Bundles the demo's client into `outdir`. */
export function bundleAssets(outdir: string): Promise<void>;
