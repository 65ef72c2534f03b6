// The zod schema of `IntegrationStatusResponse` with the rules of API.md §4, the contender of our
// wasm deep check. Exported alone so that its bundle weight can be measured too.
import { z } from 'zod';

const slug = z.string().regex(/^[a-z0-9][a-z0-9_-]{0,63}$/);
const count = z.int().nonnegative(); // zod 4: z.int() is a safe integer
const datetime = z.iso.datetime({ offset: true }); // RFC 3339, 'Z' or ±hh:mm
const accountId = z.string().min(1).max(256).refine((s) => s !== '.' && s !== '..');

export const IntegrationData = z.object({
  id: count,
  provider: slug,
  accountId,
  accountName: z.string(),
  status: z.enum(['connected', 'expired', 'error']),
  expiresAt: datetime.optional(),
  metadata: z.record(z.string(), z.unknown()).optional(),
  createdAt: datetime,
  updatedAt: datetime,
});

export const IntegrationStatusResponse = z.object({
  integrations: z.array(IntegrationData),
  summary: z.object({
    total: count,
    connected: count,
    expired: count,
    byProvider: z.record(slug, count),
  }),
});
