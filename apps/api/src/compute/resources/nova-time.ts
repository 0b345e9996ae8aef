/** Nova's timestamps: Python `datetime.isoformat()` of a naive UTC time stored to the second ("2026-12-06T08:57:04.000000"). */
export function novaTime(iso: string): string {
  return `${iso.slice(0, 19)}.000000`;
}

/** os-services / os-availability-zone `updated_at` (a naive datetime serialised by oslo: "2026-12-06T08:57:04.000000"). */
export const serviceTime = novaTime;
