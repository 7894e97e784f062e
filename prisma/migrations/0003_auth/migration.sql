-- API tokens may expire; old sign-in attempts are purged by time.
ALTER TABLE "ApiToken" ADD COLUMN "expiresAt" DATETIME;

-- CreateIndex
CREATE INDEX "SignInAttempt_attemptedAt_idx" ON "SignInAttempt"("attemptedAt");
