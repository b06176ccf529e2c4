// Types of scripts/licences.mjs (imported by electron.vite.config.ts and the tests).
import type { Plugin } from 'vite';

export interface LicenceEntry {
  name: string;
  version: string;
  /** SPDX expression from the package's package.json ('UNKNOWN' when it declares none). */
  licence: string;
  homepage: string | null;
  /** The package's LICENSE / NOTICE / COPYING files, as shipped. */
  files: { name: string; text: string }[];
  /** shipped: in the packaged app's node_modules; renderer: in the UI bundle; source: in this repository. */
  bundled: ('shipped' | 'renderer' | 'source')[];
}

export interface LicenceList {
  packages: LicenceEntry[];
  derived: LicenceEntry[];
}

export function shippedPackageDirs(root: string): string[];
export function packageDirOf(moduleId: string): string | null;
export function collectLicences(root: string, options?: { rendererDirs?: string[] }): LicenceList;
export function licencesPlugin(root: string): Plugin;
