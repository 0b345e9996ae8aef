import * as path from 'node:path';
import { FilesystemBlobStore } from '../../../infra/blob';

/** Where image bytes live: the image API writes them, a compute agent on the same data dir boots from them. */
export function imageBlobStore(dataDir: string): FilesystemBlobStore {
  return new FilesystemBlobStore({ root: path.join(dataDir, 'images') });
}
