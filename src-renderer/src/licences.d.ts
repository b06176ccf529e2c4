// The licence list the build writes into the renderer (scripts/licences.mjs, licencesPlugin), loaded lazily by the About view.
declare module 'virtual:licences' {
  interface LicenceEntry {
    name: string;
    version: string;
    licence: string;
    homepage: string | null;
    files: { name: string; text: string }[];
    bundled: ('shipped' | 'renderer' | 'source')[];
  }
  const list: { packages: LicenceEntry[]; derived: LicenceEntry[] };
  export default list;
}
