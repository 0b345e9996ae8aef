/**
 * Stream names of the Image context (Glance v2): `<category>-<id>`, the category ending at the
 * first hyphen (STYLE §3). Image ids are uuids chosen by the client or by infra.
 */
export const imageStream = (imageId: string) => `image-${imageId}`;
