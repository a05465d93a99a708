/** Authentication and authorisation of the admin API: what other modules may use. */
export { Roles, Public, CurrentPrincipal, principalOf } from './auth.decorators';
export { ROLES, roleAtLeast, type Principal, type Role, type TokenScope } from './principal';
export { ScopeFilter } from './scope-filter';
export { ScopeService, clusterNotFound, bundleNotFound, type VisibleNames } from './scope.service';
export { ApiTokensService, type ApiTokenView, type NewApiToken } from './api-tokens.service';
export { AuthModule } from './auth.module';
