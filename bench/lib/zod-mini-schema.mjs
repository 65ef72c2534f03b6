// The same schema as zod-schema.mjs in zod/mini, zod's tree-shakeable API: for the weight table only.
import * as z from 'zod/mini';

const slug = z.string().check(z.regex(/^[a-z0-9][a-z0-9_-]{0,63}$/));
const count = z.int().check(z.nonnegative());
const datetime = z.iso.datetime({ offset: true });
const accountId = z.string().check(z.minLength(1), z.maxLength(256), z.refine((s) => s !== '.' && s !== '..'));

export const IntegrationStatusResponse = z.object({
  integrations: z.array(z.object({
    id: count,
    provider: slug,
    accountId,
    accountName: z.string(),
    status: z.enum(['connected', 'expired', 'error']),
    expiresAt: z.optional(datetime),
    metadata: z.optional(z.record(z.string(), z.unknown())),
    createdAt: datetime,
    updatedAt: datetime,
  })),
  summary: z.object({ total: count, connected: count, expired: count, byProvider: z.record(slug, count) }),
});
