import { isAdmin, scopedProjectId, TokenContext } from '../../../shared/src/auth';

/** Who asks: Glance's request context (`is_admin`, `owner` = the token's project). */
export interface GlanceViewer {
  admin: boolean;
  projectId: string | null;
}

export const viewerOf = (token: TokenContext): GlanceViewer => ({ admin: isAdmin(token), projectId: scopedProjectId(token) });
