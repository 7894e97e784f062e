export * from "./roles";
export { hashPassword, verifyPassword, MIN_PASSWORD_LENGTH } from "./password";
export { createUser, createFirstAdministrator, getUser, listUsers, setUserDisabled, setUserRole, userCount, type PublicUser, type UserRef } from "./users";
export { signIn, signOut, sessionUser, SESSION_COOKIE, SESSION_IDLE_MS, SESSION_MAX_MS, type SignInResult } from "./sessions";
export { createApiToken, listApiTokens, revokeApiToken, authenticateBearer, MAX_TOKEN_TTL_DAYS, type ApiTokenInfo, type TokenAuth } from "./apiTokens";
export { safeNextPath, signInUrl } from "./redirect";
export { activeSessionCount, changeOwnPassword, signOutEverywhere, type UserActor } from "./account";
export { createPasswordResetLink, resetLinkState, resetPasswordWithLink, resetPath, RESET_LINK_TTL_MS, type ResetLinkState } from "./passwordReset";
