// Fails when persisted-documents.json (the trusted-documents manifest this example ships) is
// not what codegen's client preset generates from operations/ now. `npm run manifest` updates it.
import { readFile } from 'node:fs/promises';

const generated = await readFile(new URL('./src/generated/client/persisted-documents.json', import.meta.url), 'utf8');
const committed = await readFile(new URL('./persisted-documents.json', import.meta.url), 'utf8').catch(() => '');
if (JSON.stringify(JSON.parse(generated)) !== JSON.stringify(committed ? JSON.parse(committed) : null)) {
  console.error('persisted-documents.json is stale: run `npm run manifest` and commit it');
  process.exit(1);
}
console.log(`persisted-documents.json: ${Object.keys(JSON.parse(generated)).length} documents, up to date`);
