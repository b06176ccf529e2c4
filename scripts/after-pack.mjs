// electron-builder afterPack hook (electron-builder.yml): puts package.json beside resources/ and models/ in the
// packaged app's resources folder, where the engine looks for its app root (src-main/electron/app-paths.ts).
// Not an extraResources entry: electron-builder then also leaves package.json out of app.asar.
import { copyFileSync } from 'node:fs';
import { join } from 'node:path';

export default async function afterPack(context) {
  const resources = context.packager.getResourcesDir(context.appOutDir);
  copyFileSync(join(context.packager.projectDir, 'package.json'), join(resources, 'package.json'));
}
