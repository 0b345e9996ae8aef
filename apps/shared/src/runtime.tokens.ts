/** DI tokens shared by every app (STYLE.md §3: Symbol constants in `<module>.tokens.ts`). */
export const STRATA_CONFIG = Symbol('STRATA_CONFIG');
export const EVENT_STORE = Symbol('EVENT_STORE');
export const BUS = Symbol('BUS');
export const PROJECTIONS = Symbol('PROJECTIONS');
export const PROJECTION_STATUS = Symbol('PROJECTION_STATUS');
export const DEPLOYMENT = Symbol('DEPLOYMENT');
export const DATABASE_URL = Symbol('DATABASE_URL');
export const PROJECTION_ENGINE = Symbol('PROJECTION_ENGINE');
/** The process's TokenIndex (infra/identity): token validation without the store. */
export const TOKEN_INDEX = Symbol('TOKEN_INDEX');
/** Position of the identity bootstrap's last event: the catalog is complete once read models pass it. */
export const IDENTITY_BOOTSTRAP = Symbol('IDENTITY_BOOTSTRAP');
/** infra/audit TimeTravel: read models at a past instant (`?as_of=`), folded apart from the live ones. */
export const TIME_TRAVEL = Symbol('TIME_TRAVEL');
