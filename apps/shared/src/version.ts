import { version } from '../../../package.json';

export const STRATA_VERSION: string = version;
