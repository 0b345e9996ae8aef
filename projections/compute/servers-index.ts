import { Projection } from '../kernel/projection';
import { computeInstanceActionsProjection } from './instance-actions';
import { computeServersProjection } from './servers';

export const SERVER_PROJECTIONS: Projection[] = [computeServersProjection, computeInstanceActionsProjection];
