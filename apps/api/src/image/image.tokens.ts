/** DI tokens of the image API (STYLE.md §3). */
export const IMAGE_BLOBS = Symbol('IMAGE_BLOBS');
export const DISK_INSPECTOR = Symbol('DISK_INSPECTOR');
