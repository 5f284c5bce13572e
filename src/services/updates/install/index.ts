/** Installing a release asset: choose it, download it, verify it, unpack it safely. */
export {
  assetFormat,
  isSideFile,
  scoreAsset,
  selectAsset,
  type AssetFormat,
  type AssetSelection,
} from './select-asset.js';
export {
  describeUrl,
  downloadAsset,
  MAX_REDIRECTS,
  PROGRESS_INTERVAL_MS,
  type DownloadRequest,
  type DownloadResult,
} from './download.js';
export {
  expectedChecksum,
  findInSums,
  verifyChecksum,
  type ChecksumPolicy,
  type ChecksumVerdict,
  type ExpectedChecksum,
  type FetchText,
} from './checksum.js';
export {
  chooseExecutable,
  createsSymlinks,
  DEFAULT_MAX_ENTRIES,
  DEFAULT_MAX_EXTRACTED_BYTES,
  installArchive,
  type ExtractedFile,
  type InstallArchiveRequest,
  type InstalledArchive,
} from './extract.js';
export { checkLinkTarget, safeEntryPath } from './entry-path.js';
